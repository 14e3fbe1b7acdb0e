import type { Dispatcher } from 'undici';
import { redactText } from '../redact';

/**
 * GET /readyz: named checks, each a function that resolves when its part is ready and throws a
 * sentence when not. The app registers its own (job store loaded, Graph or the emulators
 * reachable); other parts plug in theirs with `add()` (a job store on Azure Storage adds its
 * health, for example). /healthz stays a plain liveness answer.
 */
export interface ReadinessCheck {
  name: string;
  check(signal: AbortSignal): Promise<void>;
  /** A result is reused this long, so /readyz polled hard does not hammer what it checks (default 0). */
  cacheMs?: number;
}

export interface CheckResult {
  ok: boolean;
  /** Why it is not ready, as a sentence (redacted: never a URL). */
  detail?: string;
  ms: number;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

const CHECK_TIMEOUT_MS = 3_000;

export class Readiness {
  private readonly checks: ReadinessCheck[] = [];
  private readonly last = new Map<string, { at: number; result: Promise<CheckResult> }>();

  add(check: ReadinessCheck): this {
    if (this.checks.some((c) => c.name === check.name)) throw new RangeError(`a readiness check named ${check.name} exists already`);
    this.checks.push(check);
    return this;
  }

  get names(): string[] {
    return this.checks.map((c) => c.name);
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(this.checks.map(async (c) => [c.name, await this.run(c)] as const));
    return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
  }

  private run(c: ReadinessCheck): Promise<CheckResult> {
    const cached = this.last.get(c.name);
    // A check in flight is shared by concurrent callers; a finished one is reused while fresh.
    if (cached && Date.now() - cached.at < Math.max(c.cacheMs ?? 0, 0)) return cached.result;
    const result = runOnce(c);
    this.last.set(c.name, { at: Date.now(), result });
    return result;
  }
}

async function runOnce(c: ReadinessCheck): Promise<CheckResult> {
  const started = Date.now();
  try {
    await c.check(AbortSignal.timeout(CHECK_TIMEOUT_MS));
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    const text = err instanceof Error ? err.message : 'not ready';
    return { ok: false, detail: redactText(text), ms: Date.now() - started };
  }
}

/**
 * Reachable = some HTTP answer came back (a 401 from Graph without a token counts: the service
 * is there). Nothing is sent but a GET without credentials.
 */
export function httpReachable(name: string, what: string, url: string, dispatcher: Dispatcher, cacheMs = 10_000): ReadinessCheck {
  const target = new URL(url);
  return {
    name,
    cacheMs,
    async check(signal) {
      try {
        const res = await dispatcher.request({ origin: target.origin, path: `${target.pathname}${target.search}`, method: 'GET', signal });
        await res.body.dump().catch(() => undefined);
      } catch {
        throw new Error(`${what} could not be reached.`);
      }
    },
  };
}
