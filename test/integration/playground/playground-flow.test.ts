import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';
import { cardInput, cardText, pickerIdOf } from '../../support/bot-harness';
import { companionApi, getBytes, PlaygroundChat, pressInPlayground, processAlive, startTestStack, type ChatEvent, type TestStack } from '../../support/playground';
import type { PlaygroundIds } from '../../../src/playground/playground-api';

/**
 * The local playground as `npm start` runs it — bot, emulators, companion page and the real
 * Agents Playground child process — driven without a browser: files go in through the
 * companion page's API, cards are read from the Playground's WebSocket, and buttons are
 * pressed through the Playground's invoke API, exactly as its UI does.
 */

jest.setTimeout(90_000);

let t: TestStack;
let chat: PlaygroundChat;
let ids: PlaygroundIds;

beforeAll(async () => {
  t = await startTestStack();
  chat = await PlaygroundChat.connect(t.playgroundUrl);
  const api = t.stack.playground.api();
  if (!api) throw new Error('the Playground API is not available');
  ids = await api.config();
});

afterAll(async () => {
  await chat?.close();
  await t?.close();
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

type Card = Record<string, unknown>;

function choices(card: Card, inputId: string): Array<{ title: string; value: string }> {
  const input = cardInput(card, inputId);
  return (input?.['choices'] as Array<{ title: string; value: string }> | undefined) ?? [];
}

/** The bot's picker card for this file, as it appeared in the Playground's personal chat. */
async function pickerCardFor(fileName: string): Promise<ChatEvent & { card: Card }> {
  return chat.waitFor(
    (events) =>
      events.find((e): e is ChatEvent & { card: Card } => e.action === 'createMessage' && e.conversationId === ids.personalChatId && e.card !== undefined && cardText(e.card).includes(fileName)),
    30_000,
    `the picker card for ${fileName}`,
  );
}

async function press(messageId: string, verb: string, data: Record<string, unknown>): Promise<Card> {
  const answer = await pressInPlayground(t.playgroundUrl, { userId: ids.user.id, conversationId: ids.personalChatId }, messageId, verb, data);
  expect(answer.status).toBe(200);
  // The Playground relays the bot's invoke response: a card that replaces the one pressed.
  const body = answer.body as { statusCode?: number; value?: { type?: string; value?: unknown } } & Record<string, unknown>;
  const value = (body.value && typeof body.value === 'object' && 'value' in body.value ? body.value.value : body.value) as Card | undefined;
  if (!value || typeof value !== 'object') throw new Error(`the invoke answer has no card: ${JSON.stringify(body).slice(0, 300)}`);
  return value;
}

/** Waits for the card with this message id to show `pattern`; returns every update seen by then. */
async function updatesUntil(messageId: string, pattern: RegExp): Promise<ChatEvent[]> {
  return chat.waitFor(
    (events) => {
      const updates = events.filter((e) => e.action === 'updateMessage' && e.messageId === messageId);
      return updates.some((u) => u.card !== undefined && pattern.test(cardText(u.card))) ? updates : undefined;
    },
    60_000,
    `the card to show ${pattern}`,
  );
}

test('a 9 MB file from the companion page: picker card in the Playground, progress, done, bytes intact', async () => {
  // A bandwidth limit from the network panel makes the transfer take a few seconds, so the
  // card is updated in place several times (the bot updates at most once a second).
  const limited = await companionApi(t.companionUrl, 'PUT', '/api/network/bandwidth', { bytesPerSecond: 2 * 1024 * 1024 });
  expect(limited.status).toBe(200);

  const bytes = randomBytes(9 * 1024 * 1024);
  const sent = await companionApi<{ name: string; size: number; sha256: string; target: string; where: string }>(
    t.companionUrl,
    'POST',
    `/api/files?name=${encodeURIComponent('Q3 budget review.xlsx')}&target=personal`,
    bytes,
  );
  expect(sent.status).toBe(200);
  expect(sent.body).toMatchObject({ name: 'Q3 budget review.xlsx', size: bytes.length, sha256: sha256(bytes), target: 'personal' });
  // The page is never given the download URL (its tempauth is a secret).
  expect(JSON.stringify(sent.body)).not.toMatch(/tempauth|https?:/);

  const picker = await pickerCardFor('Q3 budget review.xlsx');
  expect(cardText(picker.card)).toContain('9.0 MB');

  // Static choices (the Playground has no typeahead): choose the list, show its tasks, pick one.
  const work = choices(picker.card, 'listId').find((c) => c.title === 'Work');
  if (!work) throw new Error('the picker card does not offer the Work list');
  const pickerId = pickerIdOf(picker.card);
  const refreshed = await press(picker.messageId, 'showTasks', { pickerId, listId: work.value, taskSearch: '', newTaskTitle: '' });
  const task = choices(refreshed, 'taskId').find((c) => c.title.startsWith('Quarterly report'));
  if (!task) throw new Error(`the Work list's tasks are not offered: ${cardText(refreshed)}`);

  const attaching = await press(picker.messageId, 'attach', { pickerId, listId: work.value, taskId: task.value, taskSearch: '', newTaskTitle: '' });
  expect(cardText(attaching)).toContain(`Attaching “Q3 budget review.xlsx” to “${task.title}”`);

  const updates = await updatesUntil(picker.messageId, /Attached “Q3 budget review\.xlsx”/);
  const progress = updates.filter((u) => u.card !== undefined && /\d%/.test(cardText(u.card)));
  expect(progress.length).toBeGreaterThanOrEqual(2);
  const done = updates.at(-1);
  expect(cardText(done?.card)).toContain('Open in To Do');

  const stored = t.stack.emulators.graph.attachments(work.value, task.value);
  expect(stored).toHaveLength(1);
  expect(stored[0]?.name).toBe('Q3 budget review.xlsx');
  expect(stored[0]?.sha256).toBe(sha256(bytes));

  // The To Do panel lists it, and its download gives back the same bytes.
  const snapshot = await companionApi<{ lists: Array<{ id: string; tasks: Array<{ id: string; attachments: Array<{ id: string; sha256: string }> }> }> }>(t.companionUrl, 'GET', '/api/todo');
  const listed = snapshot.body.lists.find((l) => l.id === work.value)?.tasks.find((x) => x.id === task.value)?.attachments[0];
  expect(listed?.sha256).toBe(sha256(bytes));
  const qs = new URLSearchParams({ list: work.value, task: task.value, id: listed?.id ?? '' });
  const download = await getBytes(`${t.companionUrl}/api/todo/attachment?${qs.toString()}`);
  expect(download.status).toBe(200);
  expect(sha256(download.bytes)).toBe(sha256(bytes));
  expect(String(download.headers['content-disposition'])).toContain("filename*=UTF-8''Q3%20budget%20review.xlsx");

  // Nothing the bot logged holds the download URL's secret.
  expect(t.logs.join('')).not.toMatch(/tempauth=/);
  await companionApi(t.companionUrl, 'PUT', '/api/network/bandwidth', { bytesPerSecond: null });
});

test('a fault from the network panel (429 with Retry-After) is ridden out: the file still arrives intact', async () => {
  const armed = await companionApi<{ armed: { id: string; kind: string; done: boolean } }>(t.companionUrl, 'POST', '/api/network/faults', { kind: 'throttle' });
  expect(armed.status).toBe(200);
  expect(armed.body.armed).toMatchObject({ kind: 'throttle', done: false });

  const sent = await companionApi<{ sha256: string; size: number }>(t.companionUrl, 'POST', '/api/files/generate', { name: 'site photos.zip', size: 5 * 1024 * 1024, target: 'personal' });
  expect(sent.status).toBe(200);
  const picker = await pickerCardFor('site photos.zip');
  // The preselected list (To Do's default "Tasks") and the first of its own tasks shown (after
  // any suggested ones, which may be in other lists).
  const listId = cardInput(picker.card, 'listId')?.['value'];
  const task = choices(picker.card, 'taskId').find((c) => !c.value.startsWith('suggested:'));
  if (typeof listId !== 'string' || !task) throw new Error('the picker card has no preselected list or no task');
  await press(picker.messageId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId: task.value });

  await updatesUntil(picker.messageId, /Attached “site photos\.zip”/);
  const network = await companionApi<{ faults: Array<{ id: string; fired: number; done: boolean }> }>(t.companionUrl, 'GET', '/api/network');
  expect(network.body.faults.find((f) => f.id === armed.body.armed.id)).toMatchObject({ fired: 1, done: true });
  expect(t.stack.emulators.graph.requests.some((r) => r.method === 'PUT' && r.status === 429)).toBe(true);
  const stored = t.stack.emulators.graph.attachments(listId, task.value).find((a) => a.name === 'site photos.zip');
  expect(stored?.sha256).toBe(sent.body.sha256);
  expect(stored?.size).toBe(5 * 1024 * 1024);

  const cleared = await companionApi<{ faults: unknown[] }>(t.companionUrl, 'DELETE', '/api/network/faults');
  expect(cleared.body.faults).toEqual([]);
});

test('a file for the team channel appears there as a post with a reference attachment, without calling the bot', async () => {
  const jobsBefore = t.stack.app.store.listByUser(ids.user.id).length;
  const sent = await companionApi<{ where: string }>(t.companionUrl, 'POST', '/api/files/generate', { name: 'Contract - Fabrikam (signed).pdf', size: 120_000, target: 'channel' });
  expect(sent.status).toBe(200);
  expect(sent.body.where).toBe(`${ids.channel?.teamName} › ${ids.channel?.name}`);
  const post = await chat.waitFor(
    (events) =>
      events.find(
        (e) =>
          e.action === 'createMessage' &&
          e.conversationId === ids.channel?.id &&
          e.attachments.some((a) => a.contentType === 'reference' && (a.content as { name?: string } | undefined)?.name === 'Contract - Fabrikam (signed).pdf'),
      ),
    15_000,
    'the channel post',
  );
  // As in Teams, the post names the file but holds no download URL (no secret).
  expect(JSON.stringify(post.attachments)).not.toMatch(/tempauth/);
  expect(t.stack.app.store.listByUser(ids.user.id)).toHaveLength(jobsBefore);
});

test('changes need the page’s own header, and the page is only served to loopback names', async () => {
  const res = await fetch(`${t.companionUrl}/api/network/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'reset' }) });
  expect(res.status).toBe(403);
  expect((await companionApi<{ faults: unknown[] }>(t.companionUrl, 'GET', '/api/network')).body.faults).toEqual([]);
  const bad = await companionApi<{ error: string }>(t.companionUrl, 'POST', '/api/network/faults', { kind: 'meteor' });
  expect(bad.status).toBe(400);
  expect(bad.body.error).toMatch(/kind must be one of throttle, reset, expire-session, server-error/);
  // DNS rebinding: another site's name pointed at 127.0.0.1 gets nothing.
  const rebound = await request(`${t.companionUrl}/api/todo`, { headers: { host: `attacker.example:${t.stack.companion.port}` } });
  await rebound.body.dump();
  expect(rebound.statusCode).toBe(421);
  const page = await getBytes(`${t.companionUrl}/`);
  expect(page.status).toBe(200);
  expect(page.bytes.toString('utf8')).toContain('<title>To Do Attach — companion page</title>');
  // No outside resources: every src/href is local.
  expect(page.bytes.toString('utf8')).not.toMatch(/(src|href)="(https?:)?\/\//);
});

test('stopping ends the Playground child process', async () => {
  const pid = t.stack.playground.pid;
  expect(pid).toBeDefined();
  await chat.close();
  await t.close();
  expect(processAlive(pid ?? -1)).toBe(false);
  expect(t.stack.playground.status().state).toBe('unavailable');
});
