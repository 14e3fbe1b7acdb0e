import { renderCard } from '../../../src/cards/render';
import { actions, inputById, inputs, parseWithLibrary, readSample, visibleTexts } from '../../support/card-tree';

const sample = readSample('attach-dialog.sample.json', 'attach-dialog');

describe('attach dialog (message extension)', () => {
  const card = renderCard('attach-dialog', sample);

  test('has one toggle per file plus the picker inputs and the link toggle', () => {
    expect(inputs(card).map((i) => i.id)).toEqual([
      'file_0',
      'file_1',
      'file_2',
      'listId',
      'taskId',
      'taskSearch',
      'newTaskTitle',
      'linkToMessage',
    ]);
  });

  test('files are ticked unless too large, and each says what it is', () => {
    expect(inputById(card, 'file_0')).toMatchObject({ type: 'Input.Toggle', value: 'true', label: 'Q3 budget draft.xlsx', title: 'Attach this file · 2.4 MB' });
    expect(inputById(card, 'file_1')).toMatchObject({ value: 'true', label: 'whiteboard.png', title: 'Attach this image' });
    expect(inputById(card, 'file_2')).toMatchObject({ value: 'false', title: '31.4 MB; To Do accepts files up to 25 MB' });
    for (const id of ['file_0', 'file_1', 'file_2', 'linkToMessage']) {
      expect(inputById(card, id)).toMatchObject({ valueOn: 'true', valueOff: 'false' });
    }
  });

  test('prefills the new task title and the link choice, and preselects the list', () => {
    expect(inputById(card, 'newTaskTitle').value).toBe(sample.defaultNewTaskTitle);
    expect(inputById(card, 'linkToMessage')).toMatchObject({ value: 'true', title: 'Link the task to this message' });
    expect(inputById(card, 'listId')).toMatchObject({ value: sample.selectedListId, 'choices.data': { dataset: 'todoLists' } });
    expect(inputById(card, 'taskId')['choices.data']).toEqual({ type: 'Data.Query', dataset: 'todoTasks', associatedInputs: 'auto' });
  });

  test('shows the message it came from', () => {
    expect(visibleTexts(card)).toContain(sample.messagePreview);
  });

  test('dialogs submit with Action.Submit: Attach and Show tasks, each naming its server-side offer', () => {
    expect(actions(card).filter((a) => a.type !== 'Action.ResetInputs').map((a) => ({ type: a.type, title: a.title, data: a.data }))).toEqual([
      { type: 'Action.Submit', title: 'Show tasks', data: { action: 'showTasks', offerId: sample.offerId } },
      { type: 'Action.Submit', title: 'Attach', data: { action: 'attach', offerId: sample.offerId } },
    ]);
  });

  test('no link toggle when the message has no link (the Agents Playground gives none)', () => {
    const noLink = renderCard('attach-dialog', { ...sample, canLinkBack: false, linkBackDefault: false });
    expect(JSON.stringify(noLink)).not.toContain('linkToMessage');
    expect(visibleTexts(noLink)).not.toContain('Link the task to this message');
    expect(visibleTexts(card)).toContain('Link the task to this message');
  });

  test('link off by default when asked; no Attach when nothing can be attached', () => {
    const card2 = renderCard('attach-dialog', {
      ...sample,
      linkBackDefault: false,
      files: sample.files.map((f) => ({ ...f, refused: true })),
      notice: 'None of these files can go to To Do.',
    });
    expect(inputById(card2, 'linkToMessage').value).toBe('false');
    expect(actions(card2).some((a) => a.title === 'Attach')).toBe(false);
    expect(visibleTexts(card2)).toContain('None of these files can go to To Do.');
    expect(JSON.stringify(card2)).not.toContain('${');
  });

  test('a message without files and a list without tasks still make a valid dialog', () => {
    const card3 = renderCard('attach-dialog', { ...sample, files: [], tasks: [], selectedListId: undefined, messagePreview: '' });
    expect(visibleTexts(card3)).toContain('This message has no files that can be attached.');
    expect(inputs(card3).map((i) => i.id)).toEqual(['listId', 'taskSearch', 'newTaskTitle', 'linkToMessage']);
    expect(parseWithLibrary(card3)).toEqual({ parseEvents: [], validationEvents: [] });
    expect(JSON.stringify(card3)).not.toContain('${');
  });
});
