import { listByName } from '../../support/emulators';
import { MEGAN, cardText, pickerIdOf } from '../../support/bot-harness';
import { APP_ID, startSignedBot, type SignedBot } from '../../support/signed-bot';
import { oauthCards, signInWithButton, teamsSso, texts, waitForOAuthCard, waitForText } from '../../support/sign-in';

jest.setTimeout(60_000);

/**
 * Teams SSO through the Bot Framework Token Service, end to end over HTTP: the real botbuilder
 * adapter in credentialed mode, channel tokens checked against the OpenID emulator, the bot's
 * own token from the Entra emulator, user tokens from the token service emulator, accepted by
 * the Graph emulator.
 */
let bot: SignedBot;
beforeEach(async () => {
  bot = await startSignedBot();
});
afterEach(async () => {
  await bot.close();
});

function firstTask(listName: string): { listId: string; taskId: string } {
  const list = listByName(bot.h.emulators.graph, listName);
  const task = bot.h.emulators.graph.tasks(list.id).find((t) => t.status !== 'completed');
  if (!task) throw new Error('no open task');
  return { listId: list.id, taskId: task.id };
}

test('a file from a user with no sign-in: OAuthCard, silent SSO (200), then the picker appears by itself and the file attaches', async () => {
  const file = bot.h.emulators.files.addFile({ name: 'contract.pdf', size: 5 * 1024 * 1024, seed: 3 });
  expect(await bot.h.sendFiles([file])).toBe(200);
  const card = await waitForOAuthCard(bot.h);
  // The card carries the exchange resource for SSO and a sign-in button as the fallback.
  expect(card).toMatchObject({ connectionName: 'todo-graph', exchangeUri: `api://botid-${APP_ID}` });
  expect(card.signInLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/oauth\/signin\?signin=/);
  expect(bot.h.cards()).toHaveLength(0); // no picker before sign-in
  expect(bot.h.emulators.graph.requests.filter((r) => r.authorization)).toHaveLength(0);

  const answer = await teamsSso(bot, card);
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ id: card.exchangeId, connectionName: 'todo-graph' });

  // The pending file continues: the picker arrives without the user sending the file again.
  const picker = await bot.h.waitForCard(1);
  expect(cardText(picker.card)).toContain('contract.pdf');
  const { listId, taskId } = firstTask('Work');
  const pressed = await bot.h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId });
  expect(pressed.status).toBe(200);
  await bot.h.waitForCardText(picker.activityId, /Attached “contract\.pdf”/);
  const attachments = bot.h.emulators.graph.attachments(listId, taskId);
  expect(attachments).toHaveLength(1);
  expect(attachments[0]?.sha256).toBe(file.sha256);
  // Every Graph call carried a token the Graph emulator accepted (from the token service).
  expect(bot.h.emulators.graph.requests.every((r) => r.authorization)).toBe(true);
  expect(bot.id.tokenService.hasToken(MEGAN.id)).toBe(true);
});

test('exchange refused (consent needed) → 412 with failureDetail; the button’s code through signin/verifyState signs in', async () => {
  bot.id.tokenService.requireConsent(MEGAN.aadObjectId);
  expect(await bot.h.sendText('status')).toBe(200);
  const card = await waitForOAuthCard(bot.h);
  const refused = await teamsSso(bot, card);
  expect(refused.status).toBe(412);
  expect(refused.body).toEqual({ id: card.exchangeId, connectionName: 'todo-graph', failureDetail: expect.stringContaining('unable to exchange') });

  // Fallback: the user presses Sign in, consents, Teams sends the code as signin/verifyState.
  const code = await signInWithButton(card.signInLink);
  const wrong = await bot.h.invoke('signin/verifyState', { state: code === '123456' ? '654321' : '123456' });
  expect(wrong.status).toBe(404);
  const verified = await bot.h.invoke('signin/verifyState', { state: code });
  expect(verified.status).toBe(200);
  await waitForText(bot.h, /You are signed in to Microsoft To Do/);
  // The pending `status` runs by itself.
  const status = await bot.h.waitForCard(1);
  expect(cardText(status.card)).toMatch(/Your transfers/);
});

test('the same exchange from three Teams clients at once is processed once; the others get 200 with no body', async () => {
  const file = bot.h.emulators.files.addFile({ name: 'plan.docx', size: 20_000 });
  await bot.h.sendFiles([file]);
  const card = await waitForOAuthCard(bot.h);
  const answers = await Promise.all([teamsSso(bot, card), teamsSso(bot, card), teamsSso(bot, card)]);
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
  const processed = answers.filter((a) => a.body['id'] === card.exchangeId);
  expect(processed).toHaveLength(1);
  expect(answers.filter((a) => Object.keys(a.body).length === 0)).toHaveLength(2);
  await bot.h.waitForCard(1);
  // A client retrying the same exchange later is still a duplicate (the record is in DATA_DIR).
  const late = await teamsSso(bot, card);
  expect(late).toEqual({ status: 200, body: {} });
  expect(bot.h.logs.filter((l) => l.includes('duplicate token exchange')).length).toBe(3);
  expect(bot.h.cards()).toHaveLength(1);
});

test('a malformed exchange or another connection name is a 400; a 6-digit code typed in the chat signs in', async () => {
  const file = bot.h.emulators.files.addFile({ name: 'photo.jpg', size: 40_000 });
  await bot.h.sendFiles([file]);
  const card = await waitForOAuthCard(bot.h);
  expect((await bot.h.invoke('signin/tokenExchange', { id: card.exchangeId, connectionName: 'todo-graph' })).status).toBe(400);
  expect((await teamsSso(bot, card, MEGAN, { connectionName: 'another' })).status).toBe(400);

  expect(await bot.h.sendText('000000')).toBe(200);
  await waitForText(bot.h, /That code did not work/);
  const code = await signInWithButton(card.signInLink);
  expect(await bot.h.sendText(` ${code} `)).toBe(200);
  await waitForText(bot.h, /You are signed in to Microsoft To Do/);
  const picker = await bot.h.waitForCard(1);
  expect(cardText(picker.card)).toContain('photo.jpg');
});

test('sign out: the token service forgets the user, the bot says so, and the next file asks to sign in again', async () => {
  await bot.h.sendText('status');
  await teamsSso(bot, await waitForOAuthCard(bot.h));
  await bot.h.waitForCard(1);
  expect(bot.id.tokenService.hasToken(MEGAN.id)).toBe(true);
  expect(await bot.h.sendText('sign out')).toBe(200);
  await waitForText(bot.h, /You are signed out of Microsoft To Do\./);
  expect(bot.id.tokenService.hasToken(MEGAN.id)).toBe(false);
  const file = bot.h.emulators.files.addFile({ name: 'again.pdf', size: 1000 });
  await bot.h.sendFiles([file]);
  await waitForOAuthCard(bot.h, 2);
  expect(texts(bot.h).filter((t) => /signed out/.test(t))).toHaveLength(1);
});

test('a token service outage (503, reset) is retried: the user notices nothing', async () => {
  bot.id.tokenService.faults.add({ match: { pathIncludes: '/api/usertoken/GetToken' }, action: { type: 'status', status: 503 } });
  bot.id.tokenService.faults.add({ match: { pathIncludes: '/api/botsignin/GetSignInResource' }, action: { type: 'reset' } });
  await bot.h.sendText('status');
  const card = await waitForOAuthCard(bot.h);
  expect((await teamsSso(bot, card)).status).toBe(200);
  await bot.h.waitForCard(1);
  expect(oauthCards(bot.h)).toHaveLength(1);
  expect(bot.id.tokenService.requests.filter((r) => r.status === 503 || r.status === 0).length).toBeGreaterThanOrEqual(1);
});

test('"Attach anyway" after the user signed out: OAuthCard, then the choice continues by itself and the copy goes up as “name (2)”', async () => {
  await bot.h.sendText('status');
  await teamsSso(bot, await waitForOAuthCard(bot.h));
  await bot.h.waitForCard(1);
  const { listId, taskId } = firstTask('Work');
  bot.h.emulators.graph.addAttachment(listId, taskId, { name: 'minutes.docx', content: Buffer.alloc(2_000, 7) });
  const file = bot.h.emulators.files.addFile({ name: 'minutes.docx', size: 2_000 });
  await bot.h.sendFiles([file]);
  const picker = await bot.h.waitForCard(2);
  const asked = await bot.h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId });
  expect(cardText(asked.body.value)).toContain('“minutes.docx” is already on this task');

  expect(await bot.h.sendText('sign out')).toBe(200);
  await waitForText(bot.h, /You are signed out of Microsoft To Do\./);
  const pressed = await bot.h.press(picker.activityId, 'attachAnyway', { pickerId: pickerIdOf(picker.card) });
  expect(pressed.status).toBe(200);
  const card = await waitForOAuthCard(bot.h, 2);
  expect(bot.h.emulators.graph.attachments(listId, taskId)).toHaveLength(1);
  await teamsSso(bot, card);
  await bot.h.waitForCardText(picker.activityId, /Attached “minutes\.docx”/);
  const stored = bot.h.emulators.graph.attachments(listId, taskId);
  expect(stored.map((a) => a.name).sort()).toEqual(['minutes (2).docx', 'minutes.docx']);
  expect(stored.find((a) => a.name === 'minutes (2).docx')?.sha256).toBe(file.sha256);
});
