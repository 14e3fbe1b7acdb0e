import { CARD_NAMES } from '../../../src/cards/render';
import { actions, inputs, parseWithLibrary, renderSample, sampleFiles } from '../../support/card-tree';

const samples = sampleFiles();
const rendered = samples.map(({ file, card }) => {
  if (!card) throw new Error(`${file} does not belong to any card (name it <card>.sample.json or <card>-<case>.sample.json)`);
  return { file, card, json: renderSample(card, file) };
});

test('every card has at least one sample', () => {
  for (const name of CARD_NAMES) expect(samples.filter((s) => s.card === name).length).toBeGreaterThan(0);
  expect(samples.map((s) => s.file)).toEqual(
    expect.arrayContaining(['picker-too-large.sample.json', 'transfer-done.sample.json', 'transfer-failed.sample.json']),
  );
});

describe.each(rendered)('$file', ({ card, json }) => {
  test('is a Teams-renderable Adaptive Card (schema 1.5 or lower)', () => {
    expect(json.type).toBe('AdaptiveCard');
    expect(json.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
    const [major, minor] = json.version.split('.').map(Number);
    expect(major).toBe(1);
    expect(minor).toBeLessThanOrEqual(5);
  });

  test('has no template expression left over', () => {
    expect(JSON.stringify(json)).not.toContain('${');
  });

  test('parses and validates with the Adaptive Cards library without warnings', () => {
    expect(parseWithLibrary(json)).toEqual({ parseEvents: [], validationEvents: [] });
  });

  test('every input has an id and a visible label, and ids are unique', () => {
    const all = inputs(json);
    for (const input of all) {
      expect(typeof input.id).toBe('string');
      expect(String(input.label ?? '').trim()).not.toBe('');
    }
    const ids = all.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('every button has a title, and every Action.Execute a verb and the id it acts on', () => {
    for (const action of actions(json)) {
      if (action.type === 'Action.ResetInputs') continue; // not a button: clears the task when the list changes
      expect(String(action.title ?? '').trim()).not.toBe('');
      if (action.type !== 'Action.Execute') continue;
      expect(typeof action.verb).toBe('string');
      const idKey = card === 'picker' || card === 'already-attached' ? 'pickerId' : 'transferId';
      expect(action.data).toEqual({ [idKey]: expect.stringMatching(/\S/) });
    }
  });
});

test('the library check does catch a broken card', () => {
  const broken = {
    type: 'AdaptiveCard' as const,
    version: '1.5',
    body: [{ type: 'Input.Toogle', id: 'x' }, { type: 'Input.ChoiceSet', id: 'y', choices: [] }],
    actions: [{ type: 'Action.Execute', verb: 'go', title: 'Go' }],
  };
  const report = parseWithLibrary(broken);
  expect(report.parseEvents.join('\n')).toContain('Input.Toogle');
  expect(report.validationEvents.join('\n')).toMatch(/at least one choice/);
});
