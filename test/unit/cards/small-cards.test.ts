import { renderCard } from '../../../src/cards/render';
import type { NoticeTone } from '../../../src/cards/view-models';
import { ofType, readSample, visibleTexts } from '../../support/card-tree';

describe('help card', () => {
  const sample = readSample('help.sample.json', 'help');
  const card = renderCard('help', sample);

  test('numbers the steps in order', () => {
    const texts = visibleTexts(card);
    sample.steps.forEach((step, i) => {
      const at = texts.indexOf(step);
      expect(at).toBeGreaterThan(0);
      expect(texts[at - 1]).toBe(`${i + 1}.`);
    });
  });

  test('lists the commands with what they do', () => {
    const texts = visibleTexts(card);
    for (const c of sample.commands) expect(texts).toContain(`${c.name}: ${c.description}`);
    expect(sample.commands.map((c) => c.name)).toEqual(['help', 'status', 'cancel']);
    expect(texts.join(' ')).toContain('Attach to To Do');
  });
});

describe('status card', () => {
  test('lists each transfer with its task, state and detail', () => {
    const sample = readSample('status.sample.json', 'status');
    const texts = visibleTexts(renderCard('status', sample));
    for (const t of sample.transfers) {
      expect(texts).toEqual(expect.arrayContaining([t.files, t.taskTitle, t.stateText, t.detail]));
    }
    expect(texts).not.toContain(sample.emptyText);
  });

  test('says so when there is nothing to show', () => {
    const sample = readSample('status-empty.sample.json', 'status');
    const texts = visibleTexts(renderCard('status', sample));
    expect(texts).toEqual([sample.title, sample.emptyText]);
  });
});

describe('notice card', () => {
  test.each<[NoticeTone, string]>([
    ['attention', 'Attention'],
    ['good', 'Good'],
    ['default', 'Default'],
  ])('tone %s colours the title %s', (tone, colour) => {
    const card = renderCard('notice', { title: 'Card expired', text: 'Send the file again to get a new card.', tone });
    expect(ofType(card, 'TextBlock').map((t) => [t.text, t.color])).toEqual([
      ['Card expired', colour],
      ['Send the file again to get a new card.', undefined],
    ]);
  });

  test('an empty title shows only the message', () => {
    const sample = readSample('notice.sample.json', 'notice');
    expect(visibleTexts(renderCard('notice', { ...sample, title: '' }))).toEqual([sample.text]);
  });
});
