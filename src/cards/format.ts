/**
 * Numbers as people read them on a card. Sizes use 1024 steps with one decimal, like To Do's
 * own limit ("25 MB" = 26,214,400 bytes) and the refusal sentence in src/errors.ts, so a file
 * of 32,925,286 bytes reads "31.4 MB" everywhere.
 */

const UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

function assertAmount(n: number, what: string): void {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${what} must be a finite number ≥ 0, got ${String(n)}`);
}

/** '0 B', '512 B', '1.5 KB', '9.0 MB', '31.4 MB'. */
export function formatBytes(n: number): string {
  assertAmount(n, 'byte count');
  if (Math.round(n) < 1024) return `${Math.round(n)} B`;
  let value = n / 1024;
  let unit = 0;
  // Round first, then decide the unit: 1,048,575 bytes is "1.0 MB", not "1024.0 KB".
  while (Math.round(value * 10) / 10 >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${(Math.round(value * 10) / 10).toFixed(1)} ${UNITS[unit] ?? 'TB'}`;
}

/** '1.3 MB/s'. */
export function formatSpeed(bytesPerSecond: number): string {
  assertAmount(bytesPerSecond, 'speed');
  return `${formatBytes(bytesPerSecond)}/s`;
}

/**
 * A rough duration: 'about 4 s' under a minute, then '2 min', then '1 h 5 min'. Seconds are
 * rounded up so a nearly finished upload never reads "about 0 s".
 */
export function formatDuration(ms: number): string {
  assertAmount(ms, 'duration');
  if (ms <= 59_000) return `about ${Math.max(1, Math.ceil(ms / 1000))} s`;
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

export interface ProgressFigures {
  bytesDone: number;
  /** Undefined when the source did not say how large the file is. */
  total?: number;
  /** Undefined or 0 before a speed has been measured. */
  bytesPerSecond?: number;
}

/** '4.2 MB of 9.0 MB · 1.3 MB/s · about 4 s left' (parts without figures are left out). */
export function progressDetail({ bytesDone, total, bytesPerSecond }: ProgressFigures): string {
  const parts = [total === undefined ? formatBytes(bytesDone) : `${formatBytes(bytesDone)} of ${formatBytes(total)}`];
  const speed = bytesPerSecond !== undefined && Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond : undefined;
  if (speed !== undefined) {
    parts.push(formatSpeed(speed));
    if (total !== undefined && total > bytesDone) {
      parts.push(`${formatDuration(((total - bytesDone) / speed) * 1000)} left`);
    }
  }
  return parts.join(' · ');
}

const WHEN = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });

/** '12 Mar 2026, 14:05 UTC' (Teams does not tell the bot the reader's time zone reliably). */
export function formatWhen(iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : `${WHEN.format(ms)} UTC`;
}
