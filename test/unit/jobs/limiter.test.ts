import { FairLimiter } from '../../../src/jobs/limiter';

/** A task that runs until released, recording when it started. */
function gate(started: string[], name: string): { task: () => Promise<string>; release: () => void } {
  let release: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (release = resolve));
  return {
    task: async () => {
      started.push(name);
      await done;
      return name;
    },
    release: () => release(),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('one key runs at most maxPerKey tasks; other keys use the remaining slots', async () => {
  const limiter = new FairLimiter({ max: 3, maxPerKey: 1 });
  const started: string[] = [];
  const a = [gate(started, 'a1'), gate(started, 'a2'), gate(started, 'a3')];
  const b = gate(started, 'b1');
  const runs = [...a.map((g) => limiter.run('alice', g.task)), limiter.run('bob', b.task)];
  await tick();
  expect(started).toEqual(['a1', 'b1']);
  expect(limiter.runningFor('alice')).toBe(1);
  expect(limiter.queuedFor('alice')).toBe(2);
  a[0]?.release();
  await tick();
  expect(started).toEqual(['a1', 'b1', 'a2']);
  for (const g of [...a, b]) g.release();
  await expect(Promise.all(runs)).resolves.toEqual(['a1', 'a2', 'a3', 'b1']);
});

test('freed slots go round-robin between keys, not first come first served', async () => {
  const limiter = new FairLimiter({ max: 1, maxPerKey: 1 });
  const started: string[] = [];
  const gates = new Map<string, ReturnType<typeof gate>>();
  const run = (key: string, name: string): Promise<string> => {
    const g = gate(started, name);
    gates.set(name, g);
    return limiter.run(key, g.task);
  };
  const all = [run('alice', 'a1'), run('alice', 'a2'), run('alice', 'a3'), run('bob', 'b1'), run('carol', 'c1')];
  for (const name of ['a1', 'b1', 'c1', 'a2', 'a3']) {
    await tick();
    expect(started.at(-1)).toBe(name);
    gates.get(name)?.release();
  }
  await Promise.all(all);
  expect(started).toEqual(['a1', 'b1', 'c1', 'a2', 'a3']);
});

test('a waiting task that is aborted leaves the queue; the limit per key may vary by key', async () => {
  const limiter = new FairLimiter({ max: 4, maxPerKey: (key) => (key === 'vip' ? 2 : 1) });
  const started: string[] = [];
  const v = [gate(started, 'v1'), gate(started, 'v2'), gate(started, 'v3')];
  const runs = v.map((g, i) => {
    const abort = new AbortController();
    const p = limiter.run('vip', g.task, abort.signal);
    if (i === 2) abort.abort(new Error('cancelled by user'));
    return p.catch((err: Error) => `rejected: ${err.message}`);
  });
  await tick();
  expect(started).toEqual(['v1', 'v2']);
  await expect(runs[2]).resolves.toBe('rejected: cancelled by user');
  expect(limiter.queued).toBe(0);
  for (const g of v) g.release();
  await Promise.all(runs.slice(0, 2));
  expect(limiter.running).toBe(0);
});
