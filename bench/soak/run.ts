import path from 'node:path';
import { runSoak, type SoakResult } from './soak';

/**
 * `npm run soak`: 300 transfers, 20 at a time, bounded at 10 minutes (see bench/README.md).
 * Options: --transfers=N --concurrency=N --minutes=N --seed=N. Progress goes to stderr; the
 * last line of stdout is one JSON object. Exits 1 when anything was lost, duplicated or
 * corrupted, a failure said no sentence, or the bot left something open.
 */

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
  return value;
}

export function verdict(r: SoakResult): string[] {
  const problems: string[] = [];
  if (r.lost > 0) problems.push(`${r.lost} transfer(s) lost`);
  if (r.duplicateAttachments > 0) problems.push(`${r.duplicateAttachments} duplicate attachment(s)`);
  if (r.hashMismatches > 0) problems.push(`${r.hashMismatches} hash mismatch(es)`);
  if (r.failed.some((f) => f.sentence.trim() === '')) problems.push('a failure without a sentence');
  if (r.unfinishedRecords > 0) problems.push(`${r.unfinishedRecords} job record(s) left unfinished`);
  if (r.logs.secretsFound) problems.push('a secret in the logs');
  if (!r.exitedOnItsOwn) problems.push(`the bot's process did not exit after stopping (${r.openHandleTypes.join(', ')})`);
  return problems;
}

async function main(): Promise<void> {
  const seed = process.argv.some((a) => a.startsWith('--seed=')) ? option('seed', 0) : undefined;
  const result = await runSoak({
    transfers: option('transfers', 300),
    concurrency: option('concurrency', 20),
    timeLimitMs: option('minutes', 10) * 60_000,
    ...(seed !== undefined ? { seed } : {}),
    bot: { script: path.join(__dirname, 'bot-process.js') },
    say: (line) => process.stderr.write(`[soak] ${line}\n`),
  });
  const problems = verdict(result);
  for (const p of problems) process.stderr.write(`[soak] PROBLEM: ${p}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`[soak] FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 10_000).unref();
  });
}
