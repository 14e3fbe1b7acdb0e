import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TransferJob } from '../../../src/jobs/job';
import { startRetention, sweepJobs } from '../../../src/jobs/retention';
import { silentLogger } from '../../../src/log';
import { JobStore } from '../../../src/jobs/store';

/**
 * Job records hold tempauth download URLs (secrets, useless after minutes) and pile up: once a
 * job ends its download URLs leave the disk at once (and memory after a short grace, for Retry),
 * and the record itself is deleted after the retention period. A transfer waiting for its user's
 * sign-in ends after a week (or the retention period, if shorter), then follows the same rules.
 */

const SECRET = 'tempauth=SECRET-TEMPAUTH';
const DAY = 24 * 3600 * 1000;

function job(id: string, state: TransferJob['state'], updatedAt: string): TransferJob {
  return {
    version: 1,
    id,
    userId: '29:user',
    card: { serviceUrl: 'http://127.0.0.1/', conversationId: 'a:1', activityId: '1', reference: {} },
    target: { listId: 'L', listName: 'Work', taskId: 'T', taskTitle: 'Report' },
    files: [
      { name: 'a.pdf', contentType: 'application/pdf', source: { kind: 'download', url: `https://contoso.sharepoint.com/a?${SECRET}` }, state: state === 'running' || state === 'waiting-sign-in' ? 'running' : 'failed', bytesDone: 0 },
      { name: 'b.pdf', contentType: 'application/pdf', source: { kind: 'share', sharingUrl: 'https://contoso.sharepoint.com/sites/x/b.pdf' }, state: 'done', bytesDone: 10 },
    ],
    state,
    createdAt: updatedAt,
    updatedAt,
  };
}

/** A transfer paused for sign-in mid-upload (upload session and Teams download link kept). */
function waiting(id: string, updatedAt: string): TransferJob {
  const file = {
    name: 'a.pdf',
    contentType: 'application/pdf',
    size: 5_000_000,
    source: { kind: 'download' as const, url: `https://contoso.sharepoint.com/a?${SECRET}` },
    state: 'queued' as const,
    bytesDone: 3_932_160,
    session: { uploadUrl: 'https://graph.microsoft.com/v1.0/me/todo/lists/L/tasks/T/attachmentSessions/S', expirationDateTime: updatedAt, nextExpectedRanges: ['3932160-'] },
  };
  return { ...job(id, 'waiting-sign-in', updatedAt), files: [file] };
}

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'retention-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function onDisk(id: string): Promise<string> {
  return readFile(path.join(dataDir, 'jobs', `${id}.json`), 'utf8');
}

test('a running job keeps its download URL on disk (a restart resumes it); an ended one does not', async () => {
  const { store } = await JobStore.open(dataDir);
  await store.save(job('run', 'running', new Date().toISOString()));
  await store.save(job('end', 'failed', new Date().toISOString()));
  expect(await onDisk('run')).toContain(SECRET);
  expect(await onDisk('end')).not.toContain(SECRET);
  // Sharing addresses are not secrets (reading them needs the user's token): Retry still works.
  expect(await onDisk('end')).toContain('https://contoso.sharepoint.com/sites/x/b.pdf');
  // After a restart the ended job loads without it.
  const { store: next, corrupt } = await JobStore.open(dataDir);
  expect(corrupt).toEqual([]);
  expect(JSON.stringify(next.get('end'))).not.toContain(SECRET);
  expect(next.get('run')?.files[0]?.source).toEqual({ kind: 'download', url: `https://contoso.sharepoint.com/a?${SECRET}` });
});

test('the sweep forgets download URLs an hour after a job ended and deletes records past the retention', async () => {
  const now = Date.parse('2025-03-31T12:00:00.000Z');
  const { store } = await JobStore.open(dataDir);
  await store.save(job('fresh', 'failed', new Date(now - 10 * 60_000).toISOString()));
  await store.save(job('hour', 'failed', new Date(now - 2 * 3600_000).toISOString()));
  await store.save(job('old', 'done', new Date(now - 31 * DAY).toISOString()));
  await store.save(job('old-running', 'running', new Date(now - 90 * DAY).toISOString()));
  expect(JSON.stringify(store.get('fresh'))).toContain(SECRET);
  const result = await sweepJobs(store, { retentionMs: 30 * DAY, now: () => now });
  expect(result).toEqual({ deleted: 1, forgotten: 1 });
  // Kept in memory for a quick Retry; gone once the link is long expired.
  expect(JSON.stringify(store.get('fresh'))).toContain(SECRET);
  expect(JSON.stringify(store.get('hour'))).not.toContain(SECRET);
  expect(store.get('old')).toBeUndefined();
  // A transfer still running is never deleted, however old.
  expect(store.get('old-running')).toBeDefined();
  expect((await readdir(path.join(dataDir, 'jobs'))).sort()).toEqual(['fresh.json', 'hour.json', 'old-running.json']);
});

test('a transfer waiting for its user to sign in has not ended: its download URL stays on disk and the sweep keeps it', async () => {
  const now = Date.parse('2025-03-31T12:00:00.000Z');
  const { store } = await JobStore.open(dataDir);
  await store.save(job('waiting', 'waiting-sign-in', new Date(now - 2 * 3600_000).toISOString()));
  expect(await onDisk('waiting')).toContain(SECRET);
  expect(await sweepJobs(store, { retentionMs: 30 * DAY, now: () => now })).toEqual({ deleted: 0, forgotten: 0 });
  // After a restart it still has what it needs to resume once the user signs in.
  const { store: next } = await JobStore.open(dataDir);
  expect(next.get('waiting')?.files[0]?.source).toEqual({ kind: 'download', url: `https://contoso.sharepoint.com/a?${SECRET}` });
});

test('a transfer left waiting for sign-in does not keep its tempauth download link forever: 400 days on (retention 30 days) it is ended and deleted', async () => {
  const now = Date.parse('2026-06-01T12:00:00.000Z');
  const { store } = await JobStore.open(dataDir);
  await store.save(waiting('abandoned', new Date(now - 400 * DAY).toISOString()));
  await sweepJobs(store, { retentionMs: 30 * DAY, now: () => now });
  // A restart runs the sweep again at start.
  const { store: next } = await JobStore.open(dataDir);
  const retention = await startRetention(next, { retentionMs: 30 * DAY, now: () => now }, silentLogger());
  retention.stop();

  const file = path.join(dataDir, 'jobs', 'abandoned.json');
  const text = await readFile(file, 'utf8').catch(() => '');
  // Expected: long past the retention period, the record is ended and deleted (at least its secrets dropped).
  expect(text).not.toContain(SECRET);
  expect(next.get('abandoned')).toBeUndefined();
});

test('a transfer waiting for sign-in for more than a week ends as failed with a sentence; its link leaves the disk, the record stays for the retention period', async () => {
  const now = Date.parse('2026-06-01T12:00:00.000Z');
  const { store } = await JobStore.open(dataDir);
  await store.save(waiting('week', new Date(now - 8 * DAY).toISOString()));
  await store.save(waiting('days', new Date(now - 6 * DAY).toISOString()));
  const ended: TransferJob[] = [];
  await sweepJobs(store, { retentionMs: 30 * DAY, now: () => now, onEnded: (j) => void ended.push(j) });

  expect(ended.map((j) => j.id)).toEqual(['week']);
  const week = store.get('week');
  expect(week?.state).toBe('failed');
  expect(week?.files[0]).toMatchObject({ state: 'failed', error: { message: 'The transfer stopped because you did not sign in again within 7 days.' } });
  expect(week?.files[0]?.session).toBeUndefined();
  // It stopped when its week ran out: that is when the retention period starts.
  expect(week?.updatedAt).toBe(new Date(now - DAY).toISOString());
  expect(await onDisk('week')).not.toContain(SECRET);
  expect(JSON.stringify(week)).not.toContain(SECRET);
  // Six days: still waiting, everything kept for the resume.
  expect(store.get('days')?.state).toBe('waiting-sign-in');
  expect(await onDisk('days')).toContain(SECRET);

  // A retention shorter than a week bounds the wait too.
  const { store: short } = await JobStore.open(dataDir);
  await sweepJobs(short, { retentionMs: 4 * DAY, now: () => now });
  expect(short.get('days')?.files[0]?.error?.message).toBe('The transfer stopped because you did not sign in again within 4 days.');
});
