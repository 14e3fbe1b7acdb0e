import path from 'node:path';
import { verdict } from '../../../bench/soak/run';
import { FAULT_KINDS, runSoak } from '../../../bench/soak/soak';

jest.setTimeout(300_000);

/**
 * The soak's short variant (npm run soak runs 300): 30 transfers through the real bot in its own
 * process, 10 at a time, each exposed at random to 429s, 503s, resets, expired sessions,
 * expired tokens and dropped downloads. Every transfer ends attached, intact and once; nothing
 * is lost; the bot stops with nothing left open.
 */
test('30 transfers under faults: all attached once and intact, none lost, the bot exits clean', async () => {
  const root = path.join(__dirname, '../../..');
  const result = await runSoak({
    transfers: 30,
    concurrency: 10,
    timeLimitMs: 4 * 60_000,
    seed: 42,
    bot: { script: path.join(root, 'bench/soak/bot-process.ts'), execArgv: ['-r', path.join(root, 'test/support/ts-register.cjs')] },
  });
  expect(verdict(result)).toEqual([]);
  expect(result.failed).toEqual([]);
  expect(result.completed).toBe(30);
  expect(result.lost).toBe(0);
  expect(result.duplicateAttachments).toBe(0);
  expect(result.hashMismatches).toBe(0);
  // The faults were there and were met.
  for (const kind of FAULT_KINDS) expect(result.faults[kind]).toBeGreaterThan(0);
  expect(result.faultsFired).toBeGreaterThan(10);
  expect(result.tokenExpiries).toBeGreaterThanOrEqual(1);
  expect(result.metrics.retries).toBeGreaterThan(0);
  expect(result.logs.secretsFound).toBe(false);
  expect(result.unfinishedRecords).toBe(0);
  expect(result.exitedOnItsOwn).toBe(true);
});
