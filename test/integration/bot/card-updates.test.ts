import { listByName } from '../../support/emulators';
import { BotHarness, cardText, pickerIdOf } from '../../support/bot-harness';

jest.setTimeout(90_000);

let h: BotHarness;
beforeEach(async () => {
  h = await BotHarness.start();
});
afterEach(async () => {
  await h.close();
});

function workTask(): { listId: string; taskId: string } {
  const list = listByName(h.emulators.graph, 'Work');
  const task = h.emulators.graph.tasks(list.id).find((t) => t.status !== 'completed');
  if (!task) throw new Error('no open task');
  return { listId: list.id, taskId: task.id };
}

/** The text of the card with this message id as it stands now in the chat. */
function cardNow(activityId: string): string {
  const card = h.cards().find((c) => c.activityId === activityId);
  return card ? cardText(card.card) : '';
}

describe('card updates that Teams fails are retried until the card shows the outcome', () => {
  test.each([503, 502])('the next 8 card updates answer %i: the card still ends on “Attached”, and no turn error is logged', async (status) => {
    const file = h.emulators.files.addFile({ name: 'receipt.pdf', size: 50_000 });
    expect(await h.sendFiles([file])).toBe(200);
    const picker = await h.waitForCard(1);
    const target = workTask();
    h.connector.throttle({ kind: 'update', times: 8, status, retryAfterSeconds: 0 });
    expect((await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), ...target })).status).toBe(200);

    // The job is over (its final card delivered or given up): the card must say what happened.
    await h.app.runner.settleAll();
    expect(h.emulators.graph.attachments(target.listId, target.taskId)).toHaveLength(1);
    expect(h.connector.rejections.filter((r) => r.kind === 'update' && r.status === status)).toHaveLength(8);
    expect(cardNow(picker.activityId)).toMatch(/Attached “receipt\.pdf”/);
    expect(h.logs.join('\n')).not.toMatch(/unhandled error in a turn/);
  });
});
