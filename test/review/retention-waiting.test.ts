import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TransferJob } from '../../src/jobs/job';
import { startRetention, sweepJobs } from '../../src/jobs/retention';
import { JobStore } from '../../src/jobs/store';
import { silentLogger } from '../../src/log';

/**
 * REVIEW FINDING (retention vs the waiting-sign-in state, src/jobs/retention.ts:22-45): a job
 * waiting for its user's sign-in is never "ended", so no sweep ever touches it. A user who signs
 * out (or whose consent is revoked) and never comes back leaves the record, with its Teams
 * tempauth download URL (a secret, useless after minutes) and its upload URL, on disk and in
 * memory forever; JOB_RETENTION_DAYS ("records are deleted after …") does not hold, and nothing
 * bounds how many such records pile up. After a day the upload session and the download link
 * have long expired, so keeping them buys no resume either.
 */

const SECRET = 'tempauth=SECRET-TEMPAUTH';
const DAY = 24 * 3600 * 1000;

function waiting(id: string, updatedAt: string): TransferJob {
  return {
    version: 1,
    id,
    userId: '29:user',
    card: { serviceUrl: 'http://127.0.0.1/', conversationId: 'a:1', activityId: '1', reference: {} },
    target: { listId: 'L', listName: 'Work', taskId: 'T', taskTitle: 'Report' },
    files: [
      {
        name: 'a.pdf',
        contentType: 'application/pdf',
        size: 5_000_000,
        source: { kind: 'download', url: `https://contoso.sharepoint.com/a?${SECRET}` },
        state: 'queued',
        bytesDone: 3_932_160,
        session: { uploadUrl: 'https://graph.microsoft.com/v1.0/me/todo/lists/L/tasks/T/attachmentSessions/S', expirationDateTime: updatedAt, nextExpectedRanges: ['3932160-'] },
      },
    ],
    state: 'waiting-sign-in',
    createdAt: updatedAt,
    updatedAt,
  };
}

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'review-retention-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

test('REVIEW: a transfer left waiting for sign-in keeps its tempauth download link on disk forever (400 days after, retention 30 days)', async () => {
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
