import { randomBytes } from 'node:crypto';
import { listByName, startEmulators } from '../../support/emulators';
import { ConversationHelpers, MEGAN, cardText, channelThread, messageActionValue, sharePointUrl, type InvokeAnswer } from '../../support/bot-harness';
import { startSignedBot, type SignedBot } from '../../support/signed-bot';
import { signInWithButton } from '../../support/sign-in';

jest.setTimeout(60_000);

/**
 * The message action "Attach to To Do" signs in through the sign-in link (documented message
 * extension SSO covers search and link unfurling only): an `auth` answer with an openUrl
 * action, then Teams' second fetchTask carrying `value.state`, redeemed at the token service.
 */
let bot: SignedBot;
let teams: ConversationHelpers;
beforeEach(async () => {
  const emulators = await startEmulators();
  bot = await startSignedBot({ emulators, env: { ALLOWED_DOWNLOAD_HOSTS: `${new URL(emulators.files.baseUrl).host},*.sharepoint.com` } });
  teams = new ConversationHelpers(bot.h);
});
afterEach(async () => {
  await bot.close();
});

const thread = channelThread('1732791000000');

function sharedFile(name: string, size: number): { webUrl: string; sha256: string } {
  const hosted = bot.h.emulators.files.addFile({ name, size });
  const webUrl = sharePointUrl(name);
  bot.h.emulators.graph.addSharedFile({ webUrl, name, size: hosted.size, downloadUrl: hosted.url });
  return { webUrl, sha256: hosted.sha256 };
}

function payload(file: { webUrl: string }, name: string): Parameters<typeof messageActionValue>[0] {
  return { id: '1732791000000', html: '<p>Final drawings</p>', attachments: [{ id: randomBytes(4).toString('hex'), contentType: 'reference', contentUrl: file.webUrl, name }] };
}

function fetchTask(value: Record<string, unknown>): Promise<InvokeAnswer> {
  return teams.invoke(thread, 'composeExtension/fetchTask', value);
}

function signInLinkOf(answer: InvokeAnswer): string {
  expect(answer.status).toBe(200);
  const auth = answer.body['composeExtension'] as { type?: string; suggestedActions?: { actions?: Array<{ type?: string; value?: string; title?: string }> } };
  expect(auth.type).toBe('auth');
  const action = auth.suggestedActions?.actions?.[0];
  expect(action).toMatchObject({ type: 'openUrl', title: 'Sign in' });
  return String(action?.value);
}

test('fetchTask without a token answers the auth sign-in action; the re-sent fetchTask with state opens the dialog; the file attaches', async () => {
  const file = sharedFile('Drawings rev C.pdf', 700_000);
  const value = messageActionValue(payload(file, 'Drawings rev C.pdf'));
  const link = signInLinkOf(await fetchTask(value));
  expect(bot.h.emulators.graph.requests).toHaveLength(0);

  const code = await signInWithButton(link);
  const dialog = await fetchTask({ ...value, state: code });
  const task = dialog.body['task'] as { type?: string; value?: { card?: { content?: unknown } } };
  expect(task.type).toBe('continue');
  expect(cardText(task.value?.card?.content)).toContain('Drawings rev C.pdf');

  // Signed in now: the next use of the action opens the dialog straight away.
  const again = await fetchTask(value);
  expect((again.body['task'] as { type?: string }).type).toBe('continue');

  const offerId = JSON.stringify(task.value?.card?.content).match(/"offerId":"([0-9a-f-]{36})"/)?.[1];
  const list = listByName(bot.h.emulators.graph, 'Work');
  const target = bot.h.emulators.graph.tasks(list.id).find((t) => t.status !== 'completed');
  const submitted = await teams.invoke(thread, 'composeExtension/submitAction', {
    commandId: 'attachToTodo',
    commandContext: 'message',
    data: { action: 'attach', offerId, listId: list.id, taskId: target?.id, file_0: 'true', linkToMessage: 'false' },
  });
  expect(JSON.stringify(submitted.body)).toMatch(/Follow the progress in your chat with me/);
  await teams.waitForCardText(() => teams.personalChatId(), /Attached “Drawings rev C\.pdf”/);
  const attachments = bot.h.emulators.graph.attachments(list.id, target?.id ?? '');
  expect(attachments).toHaveLength(1);
  expect(attachments[0]?.sha256).toBe(file.sha256);
});

test('a state that does not redeem asks to sign in again; a submit after signing out says so in the dialog', async () => {
  const file = sharedFile('notes.txt', 2_000);
  const value = messageActionValue(payload(file, 'notes.txt'));
  signInLinkOf(await fetchTask({ ...value, state: '999999' }));

  const code = await signInWithButton(signInLinkOf(await fetchTask(value)));
  expect(((await fetchTask({ ...value, state: code })).body['task'] as { type?: string }).type).toBe('continue');
  await bot.h.sendText('sign out', MEGAN);
  const submitted = await teams.invoke(thread, 'composeExtension/submitAction', { commandId: 'attachToTodo', commandContext: 'message', data: { action: 'attach' } });
  expect(submitted.body).toEqual({ task: { type: 'message', value: expect.stringMatching(/sign-in to Microsoft To Do has ended/) } });
});
