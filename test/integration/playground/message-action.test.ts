import { createHash, randomBytes } from 'node:crypto';
import { cardInput, cardText } from '../../support/bot-harness';
import { companionApi, invokeMessageExtension, PlaygroundChat, playgroundMessagePayload, startTestStack, type ChatEvent, type TestStack } from '../../support/playground';
import type { PlaygroundIds } from '../../../src/playground/playground-api';

/**
 * The message action through the real Agents Playground, without a browser: the companion
 * page posts a channel message with a file, then "…" → Attach to To Do is driven through the
 * Playground's invoke API exactly as its UI sends it (fetchTask with the message payload its
 * client builds, submitAction with the dialog's data). The progress card must appear in the
 * Playground's personal chat and end with the done card; the bytes are compared by SHA-256.
 */

jest.setTimeout(60_000);

let t: TestStack;
let chat: PlaygroundChat;
let ids: PlaygroundIds;
let channelId: string;

beforeAll(async () => {
  t = await startTestStack();
  chat = await PlaygroundChat.connect(t.playgroundUrl);
  const api = t.stack.playground.api();
  if (!api) throw new Error('the Playground API is not available');
  ids = await api.config();
  if (!ids.channel) throw new Error('the Playground has no team channel');
  channelId = ids.channel.id;
});

afterAll(async () => {
  await chat?.close();
  await t?.close();
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

type Card = Record<string, unknown>;

/** The Playground's `value` for a message action invoked on this message (its UI's shape). */
function actionValue(post: ChatEvent, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    commandId: 'attachToTodo',
    commandContext: 'message',
    context: { theme: 'default' },
    messagePayload: playgroundMessagePayload(post, { botId: ids.bot.id, botName: ids.bot.name, channel: true }),
    ...extra,
  };
}

/** What pressing a dialog button sends as `data`: the button's data plus every input's value (Adaptive Cards' Action.Submit). */
function submitData(card: Card, action: 'attach' | 'showTasks', inputs: Record<string, string>): Record<string, unknown> {
  let buttonData: Record<string, unknown> | undefined;
  const values: Record<string, unknown> = {};
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o['type'] === 'Action.Submit' && (o['data'] as { action?: unknown } | undefined)?.action === action) buttonData = o['data'] as Record<string, unknown>;
    if (typeof o['type'] === 'string' && o['type'].startsWith('Input.') && typeof o['id'] === 'string') values[o['id']] = o['value'] ?? '';
    Object.values(o).forEach(walk);
  };
  walk(card);
  if (!buttonData) throw new Error(`the dialog has no ${action} button: ${cardText(card).slice(0, 300)}`);
  return { ...values, ...inputs, ...buttonData };
}

function dialogCard(answer: Awaited<ReturnType<typeof invokeMessageExtension>>): Card {
  expect(answer.status).toBe(200);
  const task = answer.body.task as { type?: string; value?: { title?: string; card?: { content?: Card } } } | undefined;
  if (task?.type !== 'continue' || !task.value?.card?.content) throw new Error(`the Playground did not relay a dialog: ${JSON.stringify(answer.body).slice(0, 300)}`);
  expect(task.value.title).toBe('Attach to To Do');
  return task.value.card.content;
}

function choices(card: Card, inputId: string): Array<{ title: string; value: string }> {
  return (cardInput(card, inputId)?.['choices'] as Array<{ title: string; value: string }> | undefined) ?? [];
}

test('a channel post with a file: "…" → Attach to To Do, dialog, submit, progress card in the personal chat, bytes intact', async () => {
  const name = 'Contract - Fabrikam (signed).pdf';
  const bytes = randomBytes(6 * 1024 * 1024);
  // Slowed so the card in the personal chat is seen changing before it is done.
  expect((await companionApi(t.companionUrl, 'PUT', '/api/network/bandwidth', { bytesPerSecond: 2 * 1024 * 1024 })).status).toBe(200);

  const sent = await companionApi<{ target: string; sha256: string }>(t.companionUrl, 'POST', `/api/files?name=${encodeURIComponent(name)}&target=channel`, bytes);
  expect(sent.status).toBe(200);
  expect(sent.body).toMatchObject({ target: 'channel', sha256: sha256(bytes) });
  const post = await chat.waitFor(
    (events) => events.find((e) => e.action === 'createMessage' && e.conversationId === channelId && e.attachments.some((a) => a.contentType === 'reference')),
    15_000,
    'the channel post with the file',
  );

  // The post names the file in a line of text, right above the file (one activity, two bubbles).
  const line = chat.events.find((e) => e.action === 'createMessage' && e.conversationId === channelId && post.messageId.startsWith(`${e.messageId}-`));
  expect(line?.text).toBe(`📎 ${name} (6.0 MB). To attach it to a task: “…” on the file below → Attach to To Do.`);

  // "…" → the message action: the Playground relays the bot's dialog.
  const who = { userId: ids.user.id, conversationId: channelId };
  const first = dialogCard(await invokeMessageExtension(t.playgroundUrl, who, 'composeExtension/fetchTask', actionValue(post)));
  // The file was read through Graph /shares: its size is known, and it is offered, switched on.
  expect(cardInput(first, 'file_0')).toMatchObject({ label: name, value: 'true', title: 'Attach this file · 6.0 MB' });
  expect(t.stack.emulators.graph.requests.some((r) => r.path.includes('/shares/') && r.status === 200)).toBe(true);

  // Choose the Work list, show its tasks, pick one, Attach.
  const work = choices(first, 'listId').find((c) => c.title === 'Work');
  if (!work) throw new Error('the dialog does not offer the Work list');
  const second = dialogCard(
    await invokeMessageExtension(t.playgroundUrl, who, 'composeExtension/submitAction', actionValue(post, { data: submitData(first, 'showTasks', { listId: work.value }) })),
  );
  const task = choices(second, 'taskId').find((c) => c.title.startsWith('Quarterly report'));
  if (!task) throw new Error(`the Work list's tasks are not offered: ${cardText(second).slice(0, 300)}`);
  const attach = actionValue(post, { data: submitData(second, 'attach', { listId: work.value, taskId: task.value, file_0: 'true' }) });
  const closed = await invokeMessageExtension(t.playgroundUrl, who, 'composeExtension/submitAction', attach);
  expect(closed.status).toBe(200);
  // The dialog says the transfer started; progress goes on in the personal chat.
  expect(closed.body.task).toEqual({ type: 'message', value: `Attaching the file to “${task.title}”. Follow the progress in your chat with me.` });
  // Pressing Attach again starts nothing twice.
  const again = await invokeMessageExtension(t.playgroundUrl, who, 'composeExtension/submitAction', attach);
  expect(again.body.task).toEqual({ type: 'message', value: 'These files are already being attached. Follow the progress in your chat with me.' });

  const created = await chat.waitFor(
    (events) => events.find((e) => e.action === 'createMessage' && e.conversationId === ids.personalChatId && e.card !== undefined && cardText(e.card).includes(name)),
    20_000,
    'the progress card in the personal chat',
  );
  const updates = await chat.waitFor(
    (events) => {
      const mine = events.filter((e) => e.action === 'updateMessage' && e.messageId === created.messageId);
      return mine.some((u) => /Attached “Contract - Fabrikam \(signed\)\.pdf”/.test(cardText(u.card))) ? mine : undefined;
    },
    40_000,
    'the done card',
  );
  expect(updates.some((u) => /\d%/.test(cardText(u.card)))).toBe(true);
  expect(cardText(updates.at(-1)?.card)).toContain('Open in To Do');
  // One card, in the personal chat; nothing of it went to the channel.
  expect(chat.events.filter((e) => e.action === 'createMessage' && e.card !== undefined && cardText(e.card).includes(name))).toHaveLength(1);

  const stored = t.stack.emulators.graph.attachments(work.value, task.value);
  expect(stored.map((a) => a.name)).toEqual([name]);
  expect(stored[0]?.sha256).toBe(sha256(bytes));
  expect(t.logs.join('')).not.toMatch(/tempauth=/);
});
