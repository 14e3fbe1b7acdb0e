import { planAttach, type ChosenFile } from '../../../src/teams/attach-plan';
import type { FileJob, TransferJob } from '../../../src/jobs/job';
import type { AttachmentSummary } from '../../../src/upload/types';

const target = { listId: 'L', listName: 'Work', taskId: 'T', taskTitle: 'Renewal' };
const signal = new AbortController().signal;

function offer(fileId: string, name: string, size: number | undefined, extra: Partial<ChosenFile['offer']> = {}): ChosenFile {
  return { fileId, offer: { name, size, contentType: 'application/pdf', source: { kind: 'download', url: `https://files/${fileId}` }, ...extra } };
}

function job(state: TransferJob['state'], files: Array<Partial<FileJob> & { name: string }>, taskId = 'T'): TransferJob {
  return {
    version: 1,
    id: `j${Math.random().toString(36).slice(2)}`,
    userId: 'u',
    card: { serviceUrl: '', conversationId: '', reference: {} },
    target: { ...target, taskId },
    files: files.map((f) => ({ contentType: 'x', source: { kind: 'download' }, state: 'done', bytesDone: 0, ...f })),
    state,
    createdAt: '',
    updatedAt: '',
  };
}

function deps(attachments: AttachmentSummary[], jobs: TransferJob[] = []) {
  const calls: string[] = [];
  return {
    calls,
    listAttachments: async (t: { taskId: string }) => {
      calls.push(t.taskId);
      return attachments;
    },
    jobs,
  };
}

test('name and size of an attachment: already there (with when); other files get free names, one after another', async () => {
  const d = deps([{ id: 'a1', name: 'report.pdf', size: 100, lastModifiedDateTime: '2026-03-12T14:05:00Z' }]);
  const plan = await planAttach(d, target, [offer('0', 'report.pdf', 100), offer('1', 'Report.PDF', 200), offer('2', 'report.pdf', 300)], { signal });
  expect(plan.already).toEqual([{ fileId: '0', name: 'report.pdf', detail: 'already on this task (attached 12 Mar 2026, 14:05 UTC)' }]);
  expect(plan.files.map((f) => [f.fileId, f.attachName])).toEqual([
    ['1', 'Report (2).PDF'],
    ['2', 'report (3).pdf'],
  ]);
});

test('force: the file already there goes too, under a free name', async () => {
  const plan = await planAttach(deps([{ id: 'a1', name: 'report.pdf', size: 100 }]), target, [offer('0', 'report.pdf', 100)], { signal, force: true });
  expect(plan.already).toEqual([]);
  expect(plan.files[0]?.attachName).toBe('report (2).pdf');
});

test('SHA-256s from our own transfers: known to differ → not the same file; known equal → the same file under any name', async () => {
  const jobs = [
    // Our earlier transfer made attachment a1 (hash AAA) on this task.
    job('done', [{ name: 'notes.txt', attachmentId: 'a1', sha256: 'AAA', size: 100, sourceKey: 'k-a' }]),
    // File k-b (hash BBB) was attached elsewhere before.
    job('done', [{ name: 'notes.txt', attachmentId: 'zz', sha256: 'BBB', size: 100, sourceKey: 'k-b' }], 'OTHER'),
    // File k-c (hash AAA, i.e. the same bytes as a1) was attached elsewhere too.
    job('done', [{ name: 'copy.txt', attachmentId: 'yy', sha256: 'AAA', size: 100, sourceKey: 'k-c' }], 'OTHER'),
  ];
  const d = deps([{ id: 'a1', name: 'notes.txt', size: 100 }], jobs);
  const different = await planAttach(d, target, [offer('0', 'notes.txt', 100, { sourceKey: 'k-b' })], { signal });
  expect(different.already).toEqual([]);
  expect(different.files[0]?.attachName).toBe('notes (2).txt');
  const same = await planAttach(d, target, [offer('0', 'renamed.txt', 100, { sourceKey: 'k-c' })], { signal });
  expect(same.already[0]?.detail).toBe('already on this task as “notes.txt”');
});

test('a namesake of the same size on its way to the task in another transfer counts as there; its name is taken either way', async () => {
  const running = job('running', [{ name: 'scan.pdf', size: 50, state: 'running' }]);
  const d = deps([], [running]);
  const plan = await planAttach(d, target, [offer('0', 'scan.pdf', 50), offer('1', 'scan.pdf', 60)], { signal });
  expect(plan.already).toEqual([{ fileId: '0', name: 'scan.pdf', detail: 'being attached to this task right now' }]);
  expect(plan.files.map((f) => f.attachName)).toEqual(['scan (2).pdf']);
});

test('links and refused files need no look at the attachments; a new task none either', async () => {
  const d = deps([{ id: 'a1', name: 'x.pdf', size: 1 }]);
  const plan = await planAttach(d, target, [offer('0', 'big.mov', 30_000_000, { linkOnly: true, webUrl: 'https://x' }), offer('1', 'bad.exe', 1, { refusal: 'no' })], { signal });
  expect(d.calls).toEqual([]);
  expect(plan.files.map((f) => f.fileId)).toEqual(['0']);
  const fresh = await planAttach(d, target, [offer('0', 'x.pdf', 1)], { signal, newTask: true });
  expect(d.calls).toEqual([]);
  expect(fresh.files[0]?.attachName).toBeUndefined();
});

test('an unknown size is never called a duplicate, but the name stays distinct', async () => {
  const plan = await planAttach(deps([{ id: 'a1', name: 'x.pdf', size: 10 }]), target, [offer('0', 'x.pdf', undefined)], { signal });
  expect(plan.already).toEqual([]);
  expect(plan.files[0]?.attachName).toBe('x (2).pdf');
});
