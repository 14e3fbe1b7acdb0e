import { randomBytes } from 'node:crypto';
import { listByName, startEmulators } from '../../support/emulators';
import {
  CHANNEL,
  ConversationHelpers,
  MEGAN,
  addSharePointFile,
  cardInput,
  cardText,
  channelThread,
  messageActionValue,
  pickerIdOf,
  referenceAttachment,
  type InvokeAnswer,
} from '../../support/bot-harness';
import { startSignedBot, type SignedBot } from '../../support/signed-bot';
import { oauthCards } from '../../support/sign-in';

jest.setTimeout(60_000);

/**
 * GRAPH_AUTH=application: the bot's own client-credentials token (Entra emulator, with the
 * admin-granted Tasks.ReadWrite.All) and /users/{aadObjectId}/todo paths; no sign-in at all.
 */
let bot: SignedBot;
beforeAll(async () => {
  const emulators = await startEmulators();
  // SharePoint hosts allowed, so a shared file is refused for being shared, not for its host.
  bot = await startSignedBot({
    emulators,
    env: { GRAPH_AUTH: 'application', OAUTH_CONNECTION_NAME: undefined, ALLOWED_DOWNLOAD_HOSTS: `${new URL(emulators.files.baseUrl).host},*.sharepoint.com` },
  });
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

test('shared files and pasted images are refused with a sentence (the app’s Files.Read.All would read what the user cannot open); nothing is read', async () => {
  const teams = new ConversationHelpers(bot.h);
  const root = '1732791000777';
  const thread = channelThread(root);
  const shared = addSharePointFile(bot.h.emulators, 'Board minutes (restricted).docx', 30_000);
  const content = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2_000)]);
  const image = bot.h.emulators.graph.addHostedContent({ where: { teamId: CHANNEL.teamId, channelId: CHANNEL.channelId }, messageId: root, content });
  const graphBefore = bot.h.emulators.graph.requests.length;
  const filesBefore = bot.h.emulators.files.requests.length;

  const opened: InvokeAnswer = await teams.invoke(
    thread,
    'composeExtension/fetchTask',
    messageActionValue({ id: root, html: `<p>Minutes</p><p><img src="${image.url}" alt="image"></p>`, attachments: [referenceAttachment('Board minutes (restricted).docx', shared.webUrl)] }),
  );
  expect(opened.status).toBe(200);
  const card = (opened.body['task'] as { value?: { card?: { content?: Record<string, unknown> } } }).value?.card?.content ?? {};
  const refusal = (name: string): string =>
    `${name} was not attached: here this app reads files shared in Teams and images in messages with its own permissions, not yours, so it only takes files sent to it directly. Send the file to me in our 1:1 chat instead.`;
  // The shared file is refused in the dialog (its size probe is where sources are opened).
  expect(cardInput(card, 'file_0')).toMatchObject({ value: 'false', title: refusal('“Board minutes (restricted).docx”') });
  // Images are not probed in the dialog: the transfer refuses the image, and its card says why.
  const { listId, taskId } = (() => {
    const list = listByName(bot.h.emulators.graph, 'Work');
    return { listId: list.id, taskId: bot.h.emulators.graph.tasks(list.id).find((t) => t.status !== 'completed')?.id ?? '' };
  })();
  const attachedBefore = bot.h.emulators.graph.attachments(listId, taskId).length;
  const offerId = JSON.stringify(card).match(/"offerId":"([^"]+)"/)?.[1];
  const submitted = await teams.invoke(thread, 'composeExtension/submitAction', { commandId: 'attachToTodo', commandContext: 'message', data: { action: 'attach', offerId, listId, taskId, file_0: 'true', file_1: 'true', linkToMessage: 'false' } });
  expect(submitted.status).toBe(200);
  await bot.h.app.runner.settleAll();
  const ended = await teams.waitForCardText(() => teams.personalChatId(), /was not attached/);
  expect(cardText(ended.card)).toContain(refusal('“Image 1 from the message.png”'));
  expect(bot.h.emulators.graph.attachments(listId, taskId)).toHaveLength(attachedBefore);
  // Neither the sharing link nor the image was read with the app's token.
  const read = bot.h.emulators.graph.requests.slice(graphBefore).filter((r) => r.path.includes('/shares/') || r.path.includes('/hostedContents/'));
  expect(read).toEqual([]);
  expect(bot.h.emulators.files.requests.length).toBe(filesBefore);
});
