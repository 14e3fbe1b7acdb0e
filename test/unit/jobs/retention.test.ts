import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TransferJob } from '../../../src/jobs/job';
import { sweepJobs } from '../../../src/jobs/retention';
import { JobStore } from '../../../src/jobs/store';

/**
 * Job records hold tempauth download URLs (secrets, useless after minutes) and pile up: once a
 * job ends its download URLs leave the disk at once (and memory after a short grace, for Retry),
 * and the record itself is deleted after the retention period.
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
