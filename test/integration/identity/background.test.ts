import type { HostedFile } from '../../../src/emulators/file-host';
import { listByName } from '../../support/emulators';
import { MEGAN, cardActions, cardText, pickerIdOf, type SeenCard } from '../../support/bot-harness';
import { startSignedBot, type SignedBot } from '../../support/signed-bot';
import { oauthCards, teamsSso, waitForOAuthCard, waitForText } from '../../support/sign-in';

jest.setTimeout(120_000);

/**
 * Tokens for transfers running in the background: renewed when they expire mid-upload, a pause
 * (not a failure) when the user signs out, and a resume from the server's expected range after
 * the next sign-in, across a restart too.
 */
let bot: SignedBot;
beforeEach(async () => {
  bot = await startSignedBot();
});
afterEach(async () => {
  await bot.close();
});

const MB = 1024 * 1024;

async function signIn(): Promise<void> {
  const before = oauthCards(bot.h).length;
  await bot.h.sendText('status');
  const card = await waitForOAuthCard(bot.h, before + 1);
  expect((await teamsSso(bot, card)).status).toBe(200);
}

/** Sends the file, presses Attach on its picker; returns the card and where it goes. */
async function startTransfer(file: HostedFile, nthCard: number): Promise<{ card: SeenCard; listId: string; taskId: string }> {
  await bot.h.sendFiles([file]);
  const picker = await bot.h.waitForCard(nthCard);
  const list = listByName(bot.h.emulators.graph, 'Work');
  const task = bot.h.emulators.graph.tasks(list.id).find((t) => t.status !== 'completed');
  if (!task) throw new Error('no open task');
  const pressed = await bot.h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: list.id, taskId: task.id });
  expect(cardText(pressed.body.value)).toMatch(/Attaching/);
  return { card: picker, listId: list.id, taskId: task.id };
}

/**
 * Signs Megan in, then starts a transfer of a generated file over a slowed Graph and waits
 * until To Do has accepted `reachedBytes` of it: a transfer caught in the middle.
 */
async function transferInTheMiddle(name: string, size: number, seed: number, bytesPerSecond: number, reachedBytes: number) {
  await signIn();
  await bot.h.waitForCard(1);
  bot.h.emulators.graph.shaping.set({ bytesPerSecond });
  const file = bot.h.emulators.files.addFile({ name, size, seed });
  const started = await startTransfer(file, 2);
  const reached = await uploadReached(reachedBytes);
  return { ...started, file, reached };
}

/** Waits until To Do has accepted at least `bytes` of the upload session. */
function uploadReached(bytes: number): Promise<number> {
  return bot.h.connector.waitFor(() => {
    const s = bot.h.emulators.graph.sessions()[0];
    return s && s.nextExpectedOffset >= bytes ? s.nextExpectedOffset : undefined;
  }, 60_000);
}

const sessionsCreated = () => bot.h.emulators.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/createUploadSession')).length;

test('the token expires in the middle of a 20 MB upload: one 401, a fresh token, the same session; bytes intact, one attachment', async () => {
  const { card, listId, taskId, file } = await transferInTheMiddle('survey.mp4', 20 * MB, 11, 6 * MB, 3 * MB);
  bot.id.entra.expireUserTokens();
  await bot.h.waitForCardText(card.activityId, /Attached “survey\.mp4”/);
  const attachments = bot.h.emulators.graph.attachments(listId, taskId);
  expect(attachments).toHaveLength(1);
  expect(attachments[0]?.sha256).toBe(file.sha256);
  const rejected = bot.h.emulators.graph.requests.filter((r) => r.status === 401);
  expect(rejected.length).toBeGreaterThanOrEqual(1);
  expect(sessionsCreated()).toBe(1);
});

test('sign out mid-upload → the card says it waits for sign-in (session kept) → Sign in → it completes from the server’s range', async () => {
  const { card, listId, taskId, file, reached } = await transferInTheMiddle('drawings.pdf', 12 * MB, 5, 4 * MB, 2 * MB);
  expect(await bot.h.sendText('sign out')).toBe(200);
  await waitForText(bot.h, /You are signed out of Microsoft To Do\. Your running transfer is paused until you sign in again\./);
  const waiting = await bot.h.waitForCardText(card.activityId, /Waiting for you to sign in/);
  expect(cardActions(waiting.card).map((a) => a.verb)).toEqual(expect.arrayContaining(['signIn', 'cancel']));
  const job = bot.h.app.store.list()[0];
  expect(job?.state).toBe('waiting-sign-in');
  expect(job?.files[0]?.session).toBeDefined();
  expect(bot.h.emulators.graph.sessionCount()).toBe(1);
  expect(bot.h.emulators.graph.attachments(listId, taskId)).toHaveLength(0);

  bot.h.emulators.graph.shaping.set({ bytesPerSecond: undefined });
  const transferId = String(cardActions(waiting.card).find((a) => a.verb === 'signIn')?.data['transferId']);
  const pressed = await bot.h.press(card.activityId, 'signIn', { transferId });
  expect(pressed.body.value).toMatch(/sign-in card/);
  const oauth = await waitForOAuthCard(bot.h, 2);
  expect((await teamsSso(bot, oauth)).status).toBe(200);
  await bot.h.waitForCardText(card.activityId, /Attached “drawings\.pdf”/);
  const attachments = bot.h.emulators.graph.attachments(listId, taskId);
  expect(attachments).toHaveLength(1);
  expect(attachments[0]?.sha256).toBe(file.sha256);
  // Resumed, not restarted: one session, and the bytes To Do had were not sent again.
  expect(sessionsCreated()).toBe(1);
  const resent = bot.h.emulators.graph.requests.filter((r) => r.method === 'PUT' && r.contentRange?.startsWith('bytes 0-') && r.status !== 0);
  expect(resent).toHaveLength(1);
  expect(reached).toBeGreaterThan(0);
});

test('restart while waiting: still waiting after the restart (nothing resumed without a token), then sign-in completes it', async () => {
  const { card, listId, taskId, file } = await transferInTheMiddle('model.ifc', 10 * MB, 9, 4 * MB, MB);
  await bot.h.sendText('sign out');
  await bot.h.waitForCardText(card.activityId, /Waiting for you to sign in/);
  const jobId = bot.h.app.store.list()[0]?.id ?? '';

  bot.h = await bot.h.restart();
  expect(bot.h.app.store.get(jobId)?.state).toBe('waiting-sign-in');
  expect(bot.h.app.runner.isRunning(jobId)).toBe(false);

  // After the restart the bot has only its credentials and the stored user id.
  bot.h.emulators.graph.shaping.set({ bytesPerSecond: undefined });
  const before = oauthCards(bot.h).length;
  const pressed = await bot.h.press(card.activityId, 'signIn', { transferId: jobId });
  expect(pressed.status).toBe(200);
  const oauth = await waitForOAuthCard(bot.h, before + 1);
  expect((await teamsSso(bot, oauth)).status).toBe(200);
  await bot.h.waitForCardText(card.activityId, /Attached “model\.ifc”/);
  const attachments = bot.h.emulators.graph.attachments(listId, taskId);
  expect(attachments).toHaveLength(1);
  expect(attachments[0]?.sha256).toBe(file.sha256);
  expect(sessionsCreated()).toBe(1);
});

test('a transfer that lost its token (the token service says 404) waits instead of failing; Cancel on the waiting card cancels it', async () => {
  const { card, listId, taskId, file } = await transferInTheMiddle('scan.tif', 8 * MB, 2, 4 * MB, MB);
  // Consent revoked: the token service forgets the sign-in; the cached token then expires.
  bot.id.tokenService.revoke(MEGAN.id);
  bot.id.entra.expireUserTokens();
  const waiting = await bot.h.waitForCardText(card.activityId, /Waiting for you to sign in/);
  expect(bot.h.app.store.list()[0]?.state).toBe('waiting-sign-in');
  const transferId = String(cardActions(waiting.card).find((a) => a.verb === 'cancel')?.data['transferId']);
  const cancelled = await bot.h.press(card.activityId, 'cancel', { transferId });
  expect(cancelled.status).toBe(200);
  await bot.h.waitForCardText(card.activityId, /Cancelled/);
  expect(bot.h.app.store.get(transferId)?.state).toBe('cancelled');
  expect(bot.h.emulators.graph.attachments(listId, taskId)).toHaveLength(0);
});
