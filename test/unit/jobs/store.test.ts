import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { AppError } from '../../../src/errors';
import type { TransferJob } from '../../../src/jobs/job';
import { JobStore } from '../../../src/jobs/store';
import { createLogger } from '../../../src/log';

const SECRET_URL = 'https://contoso.sharepoint.com/download?tempauth=SECRET-TOKEN';

function job(id: string, overrides: Partial<TransferJob> = {}): TransferJob {
  return {
    version: 1,
    id,
    userId: '29:user-a',
    card: { serviceUrl: 'https://smba.trafficmanager.net/emea/', conversationId: 'a:1chat', activityId: '1700000000000', reference: { channelId: 'msteams' } },
    target: { listId: 'list-1', listName: 'Tasks', taskId: 'task-1', taskTitle: 'Quarterly report' },
    files: [{ name: 'report.pdf', contentType: 'application/pdf', size: 1234, source: { kind: 'download', url: SECRET_URL }, state: 'queued', bytesDone: 0 }],
    state: 'running',
    createdAt: '2024-05-01T10:00:00.000Z',
    updatedAt: '2024-05-01T10:00:00.000Z',
    ...overrides,
  };
}

function captureLogs(): { logger: ReturnType<typeof createLogger>; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), text: () => lines.join('') };
}

let dataDir: string;
const jobsDir = () => path.join(dataDir, 'jobs');

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'jobstore-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('JobStore', () => {
  test('records saved by one store are loaded by the next (a restart)', async () => {
    const { store } = await JobStore.open(dataDir);
    await store.save(job('job-1'));
    await store.save(job('job-2', { userId: '29:user-b', state: 'done' }));

    const { store: reopened, corrupt } = await JobStore.open(dataDir);
    expect(corrupt).toEqual([]);
    expect(reopened.get('job-1')).toEqual(job('job-1'));
    expect(reopened.get('job-2')?.state).toBe('done');
    expect(reopened.list().map((j) => j.id).sort()).toEqual(['job-1', 'job-2']);
    expect(reopened.listByUser('29:user-b').map((j) => j.id)).toEqual(['job-2']);
    expect(reopened.get('missing')).toBeUndefined();
  });

  test('record files are readable by the owner only (they hold download URLs)', async () => {
    const { store } = await JobStore.open(dataDir);
    await store.save(job('job-1'));
    expect((await stat(path.join(jobsDir(), 'job-1.json'))).mode & 0o777).toBe(0o600);
  });

  test('writes leave no temporary files, and one left by a crash is removed on open', async () => {
    const { store } = await JobStore.open(dataDir);
    await store.save(job('job-1'));
    await store.save(job('job-1', { updatedAt: '2024-05-01T10:01:00.000Z' }));
    expect(await readdir(jobsDir())).toEqual(['job-1.json']);

    // kill -9 between writing the temporary file and renaming it: half a record.
    await writeFile(path.join(jobsDir(), 'job-1.json.tmp-deadbeef'), '{"version":1,"id":"job-1","us');
    const { store: reopened, corrupt } = await JobStore.open(dataDir);
    expect(corrupt).toEqual([]);
    expect(reopened.get('job-1')?.updatedAt).toBe('2024-05-01T10:01:00.000Z');
    expect(await readdir(jobsDir())).toEqual(['job-1.json']);
  });

  test('unreadable records are moved to corrupt/, reported and logged without their content; valid ones load', async () => {
    const { store } = await JobStore.open(dataDir);
    await store.save(job('good'));
    await writeFile(path.join(jobsDir(), 'garbage.json'), `{"url": "${SECRET_URL}", oops`);
    await writeFile(path.join(jobsDir(), 'invalid.json'), JSON.stringify({ ...job('invalid'), state: 'exploded' }));
    await writeFile(path.join(jobsDir(), 'renamed.json'), JSON.stringify(job('other-id')));
    const logs = captureLogs();

    const { store: reopened, corrupt } = await JobStore.open(dataDir, logs.logger);

    expect(reopened.list().map((j) => j.id)).toEqual(['good']);
    expect(corrupt).toEqual([
      { file: 'garbage.json', reason: 'not valid JSON', movedTo: 'corrupt/garbage.json' },
      { file: 'invalid.json', reason: expect.stringMatching(/^does not match the job schema \(state: /), movedTo: 'corrupt/invalid.json' },
      { file: 'renamed.json', reason: 'the id inside the record does not match the file name', movedTo: 'corrupt/renamed.json' },
    ]);
    expect((await readdir(path.join(jobsDir(), 'corrupt'))).sort()).toEqual(['garbage.json', 'invalid.json', 'renamed.json']);
    // Set aside, not deleted: the bytes are still there for someone to inspect.
    expect(await readFile(path.join(jobsDir(), 'corrupt', 'garbage.json'), 'utf8')).toContain('oops');
    expect(logs.text()).toContain('garbage.json');
    expect(logs.text()).toContain('not valid JSON');
    expect(logs.text()).not.toContain('SECRET-TOKEN');
    expect(logs.text()).not.toContain('contoso.sharepoint.com/download');
  });

  test('a second corrupt record of the same name does not overwrite the first one set aside', async () => {
    await JobStore.open(dataDir);
    await writeFile(path.join(jobsDir(), 'job-9.json'), 'first');
    await JobStore.open(dataDir);
    await writeFile(path.join(jobsDir(), 'job-9.json'), 'second');
    const { corrupt } = await JobStore.open(dataDir);
    expect(corrupt[0]?.movedTo).toMatch(/^corrupt\/job-9\.json\..+/);
    const names = await readdir(path.join(jobsDir(), 'corrupt'));
    const contents = await Promise.all(names.map((n) => readFile(path.join(jobsDir(), 'corrupt', n), 'utf8')));
    expect(contents.sort()).toEqual(['first', 'second']);
  });

  test('concurrent saves of one id end with the last one issued, on disk and in memory', async () => {
    const { store } = await JobStore.open(dataDir);
    const saves = Array.from({ length: 50 }, (_, i) => store.save(job('job-1', { files: [{ ...job('job-1').files[0]!, bytesDone: i }] })));
    expect(store.get('job-1')?.files[0]?.bytesDone).toBe(49);
    await Promise.all(saves);
    const onDisk = JSON.parse(await readFile(path.join(jobsDir(), 'job-1.json'), 'utf8')) as TransferJob;
    expect(onDisk.files[0]?.bytesDone).toBe(49);
    expect(await readdir(jobsDir())).toEqual(['job-1.json']);
  });

  test('a save issued from a settled save (no await in between) is still written', async () => {
    const { store } = await JobStore.open(dataDir);
    let second: Promise<void> | undefined;
    await store.save(job('job-1')).then(() => {
      second = store.save(job('job-1', { state: 'done' }));
    });
    await second;
    const { store: reopened } = await JobStore.open(dataDir);
    expect(reopened.get('job-1')?.state).toBe('done');
  });

  test('flush waits for every pending write (graceful shutdown)', async () => {
    const { store } = await JobStore.open(dataDir);
    for (let i = 0; i < 10; i++) void store.save(job(`job-${i}`, { state: 'done' }));
    await store.flush();
    expect((await readdir(jobsDir())).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `job-${i}.json`).sort());
  });

  test('delete removes the record, even when a save of it is still in flight', async () => {
    const { store } = await JobStore.open(dataDir);
    void store.save(job('job-1'));
    await store.delete('job-1');
    await store.flush();
    expect(store.get('job-1')).toBeUndefined();
    expect(await readdir(jobsDir())).toEqual([]);
    const { store: reopened } = await JobStore.open(dataDir);
    expect(reopened.list()).toEqual([]);
  });

  test('ids that are not safe file names are refused, and nothing is written', async () => {
    const { store } = await JobStore.open(dataDir);
    for (const id of ['../escape', 'a/b', 'with space', 'dot.json', '']) {
      await expect(store.save(job(id))).rejects.toBeInstanceOf(AppError);
    }
    await expect(store.delete('../x')).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await readdir(jobsDir())).toEqual([]);
    expect(await readdir(dataDir)).toEqual(['jobs']);
  });

  test('a record that does not match the schema is refused instead of written', async () => {
    const { store } = await JobStore.open(dataDir);
    await expect(store.save({ ...job('job-1'), files: [] })).rejects.toThrow(/invalid job record: files/);
    expect(store.get('job-1')).toBeUndefined();
    expect(await readdir(jobsDir())).toEqual([]);
  });
});
