import { renderCard } from '../../../src/cards/render';
import type { TransferCardData, TransferFile } from '../../../src/cards/view-models';
import { actions, nodes, ofType, parseWithLibrary, readSample, visibleTexts, type Node } from '../../support/card-tree';

const running = readSample('transfer.sample.json', 'transfer');
const done = readSample('transfer-done.sample.json', 'transfer');
const failed = readSample('transfer-failed.sample.json', 'transfer');

/** The progress bar of each file, as [weight, style] pairs of its columns. */
function bars(card: unknown): [unknown, unknown][][] {
  return ofType(card, 'ColumnSet')
    .filter((cs) => (cs.columns as Node[]).every((c) => c.minHeight === '6px'))
    .map((cs) => (cs.columns as Node[]).map((c) => [c.width, c.style] as [unknown, unknown]));
}

function oneFile(file: Partial<TransferFile>): TransferCardData {
  return {
    ...running,
    files: [{ name: 'a.pdf', state: 'running', stateText: 'Uploading', percent: 0, detail: '', ...file }],
  };
}

describe('transfer card while running', () => {
  const card = renderCard('transfer', running);

  test('shows the headline, the task and the list', () => {
    const texts = visibleTexts(card);
    expect(texts).toContain(running.headline);
    expect(texts).toContain(`Task: ${running.taskTitle}`);
    expect(texts).toContain(`List: ${running.listName}`);
  });

  test('shows each file with its state, whole percent and speed/time detail', () => {
    const texts = visibleTexts(card);
    expect(texts).toContain('Uploading · 47%');
    expect(texts).toContain('4.2 MB of 9.0 MB · 1.3 MB/s · about 4 s left');
    expect(texts).toContain('Attached');
    expect(texts).toContain('Skipped');
  });

  test('draws a bar per uploaded or uploading file (none for a refused one)', () => {
    expect(bars(card)).toEqual([
      [[100, 'good']],
      [
        [47, 'accent'],
        [53, 'emphasis'],
      ],
    ]);
  });

  test('offers Cancel (for this transfer) and nothing else', () => {
    expect(actions(card).map((a) => ({ type: a.type, verb: a.verb, title: a.title, data: a.data }))).toEqual([
      { type: 'Action.Execute', verb: 'cancel', title: 'Cancel', data: { transferId: running.transferId } },
    ]);
  });
});

describe('transfer card when done', () => {
  const card = renderCard('transfer', done);

  test('links to the task in To Do and offers no Cancel or Retry', () => {
    expect(actions(card)).toEqual([{ type: 'Action.OpenUrl', title: 'Open in To Do', url: done.taskUrl }]);
  });

  test('the headline turns green', () => {
    expect(ofType(card, 'TextRun').find((r) => r.text === done.headline)?.color).toBe('Good');
  });
});

describe('transfer card when failed', () => {
  const card = renderCard('transfer', failed);

  test('says what went wrong and gives the support code', () => {
    const texts = visibleTexts(card);
    expect(texts).toContain(failed.errorText);
    expect(texts).toContain(`Support code: ${failed.requestId}`);
    const box = ofType(card, 'Container').find((c) => c.style === 'attention');
    expect(box).toBeDefined();
  });

  test('offers Retry for this transfer, no Cancel, no link', () => {
    expect(actions(card).map((a) => ({ type: a.type, verb: a.verb, data: a.data }))).toEqual([
      { type: 'Action.Execute', verb: 'retry', data: { transferId: failed.transferId } },
    ]);
  });

  test('the failed file keeps its partial bar in attention colour', () => {
    expect(bars(card)[0]).toEqual([
      [62, 'attention'],
      [38, 'emphasis'],
    ]);
  });
});

describe('progress bar edge values', () => {
  test('0% (queued) is an empty track; over 100 or fractions are clamped and rounded', () => {
    expect(bars(renderCard('transfer', oneFile({ state: 'queued', stateText: 'Waiting', percent: 0 })))).toEqual([[[100, 'emphasis']]]);
    expect(bars(renderCard('transfer', oneFile({ percent: 140 })))).toEqual([[[100, 'accent']]]);
    expect(bars(renderCard('transfer', oneFile({ percent: 0.4 })))).toEqual([[[100, 'emphasis']]]);
    expect(bars(renderCard('transfer', oneFile({ percent: Number.NaN })))).toEqual([[[100, 'emphasis']]]);
  });

  test('every edge card is still valid for the library', () => {
    for (const percent of [0, 1, 99, 100]) {
      const card = renderCard('transfer', oneFile({ percent }));
      expect(parseWithLibrary(card)).toEqual({ parseEvents: [], validationEvents: [] });
      expect(JSON.stringify(card)).not.toContain('${');
    }
  });

  test('a done transfer without a task link shows no link button', () => {
    const card = renderCard('transfer', { ...done, taskUrl: undefined });
    expect(actions(card)).toEqual([]);
    expect(nodes(card).some((n) => n.type === 'Action.OpenUrl')).toBe(false);
  });
});

describe('a file whose upload had to start again', () => {
  const restartNote = "The upload had to start again: To Do's upload session expired.";

  test('says why its progress went back', () => {
    const card = renderCard('transfer', oneFile({ percent: 12, startedOver: true }));
    expect(visibleTexts(card)).toContain(restartNote);
    expect(parseWithLibrary(card)).toEqual({ parseEvents: [], validationEvents: [] });
    expect(visibleTexts(renderCard('transfer', oneFile({ percent: 12 })))).not.toContain(restartNote);
    expect(visibleTexts(renderCard('transfer', oneFile({ percent: 12, startedOver: false })))).not.toContain(restartNote);
  });
});
