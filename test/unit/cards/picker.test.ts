import { renderCard } from '../../../src/cards/render';
import type { PickerCardData } from '../../../src/cards/view-models';
import { actions, inputById, inputs, ofType, parseWithLibrary, readSample, visibleTexts } from '../../support/card-tree';

const sample = readSample('picker.sample.json', 'picker');
const refused = readSample('picker-too-large.sample.json', 'picker');

function executes(card: unknown) {
  return actions(card).filter((a) => a.type === 'Action.Execute');
}

describe('picker card', () => {
  const card = renderCard('picker', sample);

  test('has exactly the inputs the bot reads: listId, taskId, taskSearch, newTaskTitle', () => {
    expect(inputs(card).map((i) => i.id).sort()).toEqual(['listId', 'newTaskTitle', 'taskId', 'taskSearch']);
  });

  test('lists are a compact dropdown with typeahead, preselecting the most recent list', () => {
    const list = inputById(card, 'listId');
    expect(list).toMatchObject({
      type: 'Input.ChoiceSet',
      style: 'compact',
      value: sample.selectedListId,
      choices: sample.lists,
      'choices.data': { type: 'Data.Query', dataset: 'todoLists' },
    });
  });

  test('tasks come from the chosen list: typeahead sends the other inputs along', () => {
    const task = inputById(card, 'taskId');
    expect(task).toMatchObject({
      type: 'Input.ChoiceSet',
      value: sample.selectedTaskId,
      choices: sample.tasks,
      'choices.data': { type: 'Data.Query', dataset: 'todoTasks', associatedInputs: 'auto' },
    });
  });

  test('without typeahead (clients such as the Agents Playground) the choice sets are plain static dropdowns', () => {
    const plain = renderCard('picker', { ...sample, typeahead: false });
    for (const id of ['listId', 'taskId']) {
      const input = inputById(plain, id);
      expect(input).toBeDefined();
      expect(input).not.toHaveProperty(['choices.data']);
      expect(input?.['choices']).toEqual(id === 'listId' ? sample.lists : sample.tasks);
    }
    expect(JSON.stringify(plain)).not.toContain('null');
    expect(parseWithLibrary(plain)).toEqual({ parseEvents: [], validationEvents: [] });
  });

  test('offers a title for a new task and a search box for clients without typeahead', () => {
    expect(inputById(card, 'newTaskTitle')).toMatchObject({ type: 'Input.Text', placeholder: 'Or type a title to create a new task' });
    expect(inputById(card, 'taskSearch')).toMatchObject({ type: 'Input.Text', label: 'Search tasks in this list' });
  });

  test('buttons: Attach, Show tasks and Cancel, each naming the picker', () => {
    const buttons = executes(card).map((a) => ({ verb: a.verb, title: a.title, data: a.data }));
    expect(buttons).toEqual(
      expect.arrayContaining([
        { verb: 'attach', title: 'Attach', data: { pickerId: sample.pickerId } },
        { verb: 'showTasks', title: 'Show tasks', data: { pickerId: sample.pickerId } },
        { verb: 'dismiss', title: 'Cancel', data: { pickerId: sample.pickerId } },
      ]),
    );
    expect(buttons).toHaveLength(3);
    expect(executes(card).find((a) => a.verb === 'attach')?.style).toBe('positive');
    // Cancel must work even when no list is chosen: it does not submit (or validate) the inputs.
    expect(executes(card).find((a) => a.verb === 'dismiss')?.associatedInputs).toBe('none');
  });

  test('shows every file with its size, the too-large note, and the notice', () => {
    const texts = visibleTexts(card);
    for (const f of sample.files) {
      expect(texts).toContain(f.name);
      if (f.refused) expect(texts).toContain(f.note);
      else expect(texts).toContain(f.sizeText);
    }
    expect(texts).toContain(sample.notice);
    const note = ofType(card, 'TextBlock').find((t) => t.text === sample.files[2]?.note);
    expect(note?.color).toBe('Attention');
  });
});

describe('picker card when no file can be attached', () => {
  const card = renderCard('picker', refused);

  test('offers only Cancel: no Attach, no Show tasks, no inputs', () => {
    expect(executes(card).map((a) => a.verb)).toEqual(['dismiss']);
    expect(inputs(card)).toEqual([]);
  });

  test('says why, next to the file', () => {
    const texts = visibleTexts(card);
    expect(texts).toContain('All-hands recording.mp4');
    expect(texts).toContain('412.7 MB; To Do accepts files up to 25 MB');
    expect(texts.join(' ')).toMatch(/can’t be attached, for the reason below/);
  });
});

describe('picker card edge cases', () => {
  const minimal: PickerCardData = {
    pickerId: 'pk_1',
    files: [{ name: 'notes.txt', sizeText: '', refused: false }],
    lists: [{ title: 'Tasks', value: 'L1' }],
    tasks: [{ title: 'Call Sam', value: 'T1' }],
    canAttach: true,
  };

  test('optional fields left out: nothing preselected, no notice, no leftover expressions', () => {
    const card = renderCard('picker', minimal);
    expect(JSON.stringify(card)).not.toContain('${');
    expect(inputById(card, 'listId').value ?? '').toBe('');
    expect(inputById(card, 'taskId').value ?? '').toBe('');
    expect(ofType(card, 'TextBlock').filter((t) => t.color === 'Attention')).toEqual([]);
    expect(visibleTexts(card)).toContain('Pick a task for this file, or type a title to create a new one.');
    expect(parseWithLibrary(card)).toEqual({ parseEvents: [], validationEvents: [] });
  });

  test('a list without tasks (or a search with no match) explains itself and stays valid', () => {
    const card = renderCard('picker', { ...minimal, tasks: [], searchText: 'budget' });
    expect(inputs(card).map((i) => i.id).sort()).toEqual(['listId', 'newTaskTitle', 'taskSearch']);
    expect(inputById(card, 'taskSearch').value).toBe('budget');
    expect(visibleTexts(card).join(' ')).toContain('No tasks in this list match your search.');
    expect(parseWithLibrary(card)).toEqual({ parseEvents: [], validationEvents: [] });
  });

  test('names are shown exactly as typed, even with markdown or template-like text', () => {
    const odd = '1. ${secret} *draft*_v2.docx';
    const card = renderCard('picker', { ...minimal, files: [{ name: odd, sizeText: '1.0 KB', refused: false }] });
    // A TextRun is not markdown: "1." does not become a numbered list, "*draft*" stays as typed.
    const run = ofType(card, 'TextRun').find((r) => r.text === odd);
    expect(run).toBeDefined();
  });
});
