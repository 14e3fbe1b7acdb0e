import { listByName } from '../../support/emulators';
import { MEGAN, cardText, pickerIdOf } from '../../support/bot-harness';
import { startSignedBot, type SignedBot } from '../../support/signed-bot';
import { oauthCards } from '../../support/sign-in';

jest.setTimeout(60_000);

/**
 * GRAPH_AUTH=application: the bot's own client-credentials token (Entra emulator, with the
 * admin-granted Tasks.ReadWrite.All) and /users/{aadObjectId}/todo paths; no sign-in at all.
 */
let bot: SignedBot;
beforeAll(async () => {
  bot = await startSignedBot({ env: { GRAPH_AUTH: 'application', OAUTH_CONNECTION_NAME: undefined } });
});
afterAll(async () => {
  await bot.close();
});

test('a file attaches end to end with app-only tokens on /users/{oid}/todo; no sign-in card', async () => {
  const file = bot.h.emulators.files.addFile({ name: 'minutes.docx', size: 4 * 1024 * 1024, seed: 4 });
  await bot.h.sendFiles([file]);
  const picker = await bot.h.waitForCard(1);
  expect(cardText(picker.card)).toContain('minutes.docx');
  expect(oauthCards(bot.h)).toHaveLength(0);
  const list = listByName(bot.h.emulators.graph, 'Work');
  const task = bot.h.emulators.graph.tasks(list.id).find((t) => t.status !== 'completed');
  await bot.h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: list.id, taskId: task?.id });
  await bot.h.waitForCardText(picker.activityId, /Attached “minutes\.docx”/);
  const attachments = bot.h.emulators.graph.attachments(list.id, task?.id ?? '');
  expect(attachments).toHaveLength(1);
  expect(attachments[0]?.sha256).toBe(file.sha256);

  const todo = bot.h.emulators.graph.requests.filter((r) => r.path.includes('/todo/'));
  expect(todo.length).toBeGreaterThan(0);
  expect(todo.every((r) => r.path.startsWith(`/v1.0/users/${MEGAN.aadObjectId}/todo/`) && r.authorization)).toBe(true);
  // Graph tokens were app tokens for the user's tenant; the token service was never asked.
  expect(bot.id.entra.issued.some((t) => t.kind === 'app' && t.audience === 'https://graph.microsoft.com')).toBe(true);
  expect(bot.id.tokenService.requests).toHaveLength(0);
});
