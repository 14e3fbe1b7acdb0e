import { spawn } from 'node:child_process';

/**
 * `npm run bench` → `node dist/bench/run.js [--only=memory,throughput,pipeline,bot]`.
 * RSS baselines need a real GC, so without --expose-gc this re-runs itself with it; the heavy
 * modules (the bot, botbuilder) load only in the process that measures.
 */

function respawnWithGc(): boolean {
  if (typeof (globalThis as { gc?: unknown }).gc === 'function' || process.env['BENCH_NO_RESPAWN'] === '1') return false;
  const child = spawn(process.execPath, ['--expose-gc', ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_NO_RESPAWN: '1' },
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  });
  return true;
}

async function main(): Promise<void> {
  const { runSuite } = await import('./suite.js');
  await runSuite(process.argv.slice(2));
}

if (require.main === module && !respawnWithGc()) {
  main().catch((err: unknown) => {
    process.stderr.write(`[bench] FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
    // Whatever still holds the loop open after a failure must not keep the bench alive.
    setTimeout(() => process.exit(1), 10_000).unref();
  });
}
