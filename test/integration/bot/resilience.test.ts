import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { firstOpenTask } from '../../support/emulators';
import { BotHarness, cardActions, cardText, pickerIdOf } from '../../support/bot-harness';

jest.setTimeout(90_000);

let h: BotHarness;
beforeEach(async () => {
  h = await BotHarness.start();
});
afterEach(async () => {
  await h.close();
});

function workTask(): { listId: string; taskId: string } {
  const { listId, taskId } = firstOpenTask(h.emulators.graph, 'Work');
  return { listId, taskId };
}

/** Sends a file, presses Attach on its picker, returns the card id and the target task. */
async function startTransfer(name: string, size: number): Promise<{ cardId: string; listId: string; taskId: string; sha256: string }> {
  const file = h.emulators.files.addFile({ name, size, seed: size % 97 });
  const before = h.cards().length;
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(before + 1);
  const target = workTask();
  const answer = await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), ...target });
  expect(answer.status).toBe(200);
  return { cardId: picker.activityId, ...target, sha256: file.sha256 };
}

async function jobRecords(): Promise<Array<{ files: Array<{ bytesDone: number; session?: unknown }> }>> {
  const dir = path.join(h.dataDir, 'jobs');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(path.join(dir, n), 'utf8')) as { files: Array<{ bytesDone: number; session?: unknown }> }));
}

test('Cancel mid-file deletes the upload session while the download is still running; the card says so', async () => {
  h.emulators.files.shaping.set({ bytesPerSecond: 2 * 1024 * 1024 });
  const t = await startTransfer('long video.mp4', 12 * 1024 * 1024);
  // Streaming, not download-then-upload: the session exists while bytes are still arriving.
  await h.connector.waitFor(() => h.emulators.graph.sessionCount() === 1 || undefined, 20_000);
  const cancel = await h.press(t.cardId, 'cancel', { transferId: await transferIdOf(t.cardId) });
  expect(cardText(cancel.body.value)).toMatch(/Cancelling/);
  const card = await h.waitForCardText(t.cardId, /Cancelled/);
  expect(cardActions(card.card).map((a) => a.verb)).toContain('retry');
  expect(h.emulators.graph.sessionCount()).toBe(0);
  expect(h.emulators.graph.attachments(t.listId, t.taskId)).toHaveLength(0);
  expect(h.emulators.graph.requests.some((r) => r.method === 'DELETE' && r.path.includes('attachmentSessions'))).toBe(true);
});

async function transferIdOf(cardId: string): Promise<string> {
  const card = await h.connector.waitFor(() => {
    const c = h.cards().find((x) => x.activityId === cardId);
    const id = c && cardActions(c.card).find((a) => a.verb === 'cancel' || a.verb === 'retry')?.data['transferId'];
    return typeof id === 'string' ? id : undefined;
  });
  return card;
}

test('Graph throttling (429/503 with Retry-After) and connection resets mid-upload are survived: one intact attachment', async () => {
  const g = h.emulators.graph.faults;
  g.add({ match: { method: 'PUT', pathIncludes: '/content', nth: 1 }, action: { type: 'status', status: 429, retryAfterSeconds: 1 } });
  g.add({ match: { method: 'PUT', pathIncludes: '/content', nth: 3 }, action: { type: 'reset', afterBodyBytes: 100_000 } });
  g.add({ match: { method: 'PUT', pathIncludes: '/content', nth: 5 }, action: { type: 'status', status: 503, retryAfterSeconds: 0 } });
  const t = await startTransfer('board deck.pptx', 7 * 1024 * 1024);
  await h.waitForCardText(t.cardId, /Attached “board deck\.pptx”/);
  const stored = h.emulators.graph.attachments(t.listId, t.taskId);
  expect(stored).toHaveLength(1);
  expect(stored[0]?.sha256).toBe(t.sha256);
});

test('the card says what failed in a sentence, with the support code, and Retry works', async () => {
  h.emulators.graph.faults.add({ match: { method: 'POST', pathIncludes: 'createUploadSession', times: 50 }, action: { type: 'status', status: 403, graphCode: 'ErrorAccessDenied' } });
  const t = await startTransfer('policy.pdf', 4 * 1024 * 1024);
  const failed = await h.waitForCardText(t.cardId, /Could not attach/);
  const text = cardText(failed.card);
  expect(text).toContain('Microsoft To Do refused access to this list or task.');
  expect(text).toMatch(/Support code: [0-9a-f-]{36}/);
  expect(text).not.toMatch(/at .*\.ts:\d+|Error:/);
  h.emulators.graph.faults.clear();
  const retry = await h.press(t.cardId, 'retry', { transferId: await transferIdOf(t.cardId) });
  expect(cardText(retry.body.value)).toMatch(/Attaching/);
  await h.waitForCardText(t.cardId, /Attached “policy\.pdf”/);
  expect(h.emulators.graph.attachments(t.listId, t.taskId)).toHaveLength(1);
});

test('a task deleted mid-upload ends in a clear failure, not a hang', async () => {
  h.emulators.files.shaping.set({ bytesPerSecond: 3 * 1024 * 1024 });
  const t = await startTransfer('minutes.docx', 9 * 1024 * 1024);
  await h.connector.waitFor(() => h.emulators.graph.sessionCount() === 1 || undefined, 20_000);
  h.emulators.graph.deleteTask(t.listId, t.taskId);
  const failed = await h.waitForCardText(t.cardId, /Could not attach/);
  expect(cardText(failed.card)).toContain('The task could not be found in Microsoft To Do.');
});

test('Teams throttling of card updates is retried: the final card is never lost', async () => {
  h.connector.throttle({ kind: 'update', nth: 1, times: 6, retryAfterSeconds: 0 });
  const t = await startTransfer('scan.pdf', 5 * 1024 * 1024);
  await h.waitForCardText(t.cardId, /Attached “scan\.pdf”/);
  expect(h.connector.rejections.length).toBeGreaterThanOrEqual(6);
});

test('restart mid-upload resumes from the stored session and leaves exactly one attachment', async () => {
  h.emulators.files.shaping.set({ bytesPerSecond: 3 * 1024 * 1024 });
  const t = await startTransfer('dataset.csv', 12 * 1024 * 1024);
  // Wait until the record on disk holds an upload session with some bytes accepted.
  await waitUntil(async () => (await jobRecords()).some((j) => j.files.some((f) => f.session !== undefined && f.bytesDone > 0)));
  h.emulators.files.shaping.set({ bytesPerSecond: undefined });
  h = await h.restart();
  await h.waitForCardText(t.cardId, /Attached “dataset\.csv”/);
  const stored = h.emulators.graph.attachments(t.listId, t.taskId);
  expect(stored).toHaveLength(1);
  expect(stored[0]?.sha256).toBe(t.sha256);
  // It resumed: the second process did not start over from byte 0 on a new session.
  expect(h.emulators.graph.requests.filter((r) => r.path.endsWith('createUploadSession'))).toHaveLength(1);
});

test('a stored session that expired while the bot was down: the card says the upload started again, and ends attached once', async () => {
  h.emulators.files.shaping.set({ bytesPerSecond: 3 * 1024 * 1024 });
  const t = await startTransfer('survey results.zip', 12 * 1024 * 1024);
  await waitUntil(async () => (await jobRecords()).some((j) => j.files.some((f) => f.session !== undefined && f.bytesDone > 0)));
  h = await h.restart({ whileStopped: () => void h.emulators.graph.expireAllSessions() });
  // Progress goes back to the start of a new session: the card says why.
  const restarted = await h.waitForCardText(t.cardId, /had to start again/);
  expect(cardText(restarted.card)).toContain("The upload had to start again: To Do's upload session expired.");
  const done = await h.waitForCardText(t.cardId, /Attached “survey results\.zip”/);
  expect(cardText(done.card)).not.toMatch(/had to start again/);
  const stored = h.emulators.graph.attachments(t.listId, t.taskId);
  expect(stored).toHaveLength(1);
  expect(stored[0]?.sha256).toBe(t.sha256);
});

test('a download host outside the allow-list is refused before anything is fetched', async () => {
  expect(await h.sendFiles([{ name: 'payroll.xlsx', url: 'https://evil.example.com/steal?tempauth=abc' }])).toBe(200);
  const picker = await h.waitForCard(1);
  expect(cardText(picker.card)).toContain('“payroll.xlsx” is stored somewhere this app is not allowed to download from');
  expect(cardActions(picker.card).map((a) => a.verb)).not.toContain('attach');
});

test('logs never contain a token, a download URL or an upload URL', async () => {
  const file = h.emulators.files.addFile({ name: 'secret plans.pdf', size: 5 * 1024 * 1024 });
  h.emulators.graph.faults.add({ match: { method: 'PUT', pathIncludes: '/content', nth: 1 }, action: { type: 'status', status: 500 } });
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(1);
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), ...workTask() });
  await h.waitForCardText(picker.activityId, /Attached/);
  const sessionUrls = h.emulators.graph.requests.filter((r) => r.path.includes('attachmentSessions')).map((r) => r.path.split('/attachmentSessions/')[1]?.split('/')[0] ?? '');
  const all = h.logs.join('\n');
  expect(h.logs.length).toBeGreaterThan(5);
  expect(all).not.toContain(h.emulators.token);
  expect(all).not.toContain(new URL(file.url).search.slice(1));
  expect(all).not.toMatch(/tempauth/i);
  for (const id of new Set(sessionUrls)) if (id) expect(all).not.toContain(id);
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}

test('after a restart, an expired download link makes the card ask for the file again', async () => {
  h.emulators.files.shaping.set({ bytesPerSecond: 2 * 1024 * 1024 });
  const file = h.emulators.files.addFile({ name: 'handbook.pdf', size: 12 * 1024 * 1024 });
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(1);
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), ...workTask() });
  await waitUntil(async () => (await jobRecords()).some((j) => j.files.some((f) => f.session !== undefined && f.bytesDone > 0)));
  h.emulators.files.expireFile(file.id);
  h = await h.restart();
  const failed = await h.waitForCardText(picker.activityId, /Could not attach/);
  expect(cardText(failed.card)).toContain('The link Teams gave for “handbook.pdf” has expired. Please send the file again.');
  expect(h.emulators.graph.attachments(workTask().listId, workTask().taskId)).toHaveLength(0);
});

test('a corrupt job record is set aside and reported; the bot still starts and serves', async () => {
  await mkdir(path.join(h.dataDir, 'jobs'), { recursive: true });
  await writeFile(path.join(h.dataDir, 'jobs', 'broken1.json'), '{"version":1,"id":"broken1", truncated');
  h = await h.restart();
  expect(h.logs.join('\n')).toMatch(/corrupt/);
  const corrupt = await readdir(path.join(h.dataDir, 'jobs', 'corrupt'));
  expect(corrupt.length).toBe(1);
  expect(await h.sendText('help')).toBe(200);
});

test('a download without Content-Length (chunked) is spooled in DATA_DIR/spool (0700) and attached intact', async () => {
  const file = h.emulators.files.addFile({ name: 'recording.m4a', size: 5 * 1024 * 1024 + 3, sendContentLength: false });
  const before = h.cards().length;
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(before + 1);
  const target = workTask();
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), ...target });
  await h.waitForCardText(picker.activityId, /Attached “recording\.m4a”/);
  const stored = h.emulators.graph.attachments(target.listId, target.taskId);
  expect(stored.map((a) => [a.size, a.sha256])).toEqual([[file.size, file.sha256]]);
  const spool = path.join(h.dataDir, 'spool');
  expect((await stat(spool)).mode & 0o777).toBe(0o700);
  // The temporary copy is gone once the file is attached.
  expect(await readdir(spool)).toEqual([]);
});

test('a finished job keeps no download URL on disk, and its record is deleted after the retention period', async () => {
  const t = await startTransfer('invoice.pdf', 200_000);
  await h.waitForCardText(t.cardId, /Attached “invoice\.pdf”/);
  await h.app.store.flush();
  const dir = path.join(h.dataDir, 'jobs');
  const [name] = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  if (!name) throw new Error('no job record');
  const text = await readFile(path.join(dir, name), 'utf8');
  expect(text).not.toContain('tempauth');
  expect(text).not.toContain(h.emulators.files.baseUrl);
  // Still listed while recent…
  await h.sendText('status');
  expect(cardText((await h.waitForCard(2)).card)).toContain('invoice.pdf');
  // …and gone once it ended longer ago than JOB_RETENTION_DAYS (30 by default).
  const record = JSON.parse(text) as { updatedAt: string };
  record.updatedAt = new Date(Date.now() - 31 * 24 * 3600 * 1000).toISOString();
  await writeFile(path.join(dir, name), JSON.stringify(record), { mode: 0o600 });
  h = await h.restart();
  expect((await readdir(dir)).filter((n) => n.endsWith('.json'))).toEqual([]);
  await h.sendText('status');
  expect(cardText((await h.waitForCard(3)).card)).toMatch(/no transfers yet/);
});
