import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../errors';

/**
 * Fault injection for the emulators: each rule matches requests by method and path and,
 * on the nth match, makes the emulator misbehave the way the real service sometimes does
 * (throttling, resets mid-body, partial chunk acceptance, expired sessions, latency).
 */
export interface FaultMatch {
  /** HTTP method, case-insensitive; any when absent. */
  method?: string;
  /** Substring of the request path (raw or percent-decoded); any when absent. */
  pathIncludes?: string;
  /** 1-based: fire on the nth matching request (default 1). */
  nth?: number;
  /** How many times to fire, on consecutive matches from the nth (default 1). */
  times?: number;
}

export type FaultAction =
  /** Answer this status (with Graph error JSON) instead of handling. */
  | { type: 'status'; status: number; retryAfterSeconds?: number; graphCode?: string }
  /**
   * Destroy the socket. Requests with a body: after reading `afterBodyBytes` of it (default 0);
   * when the whole body arrives within that many bytes the request IS handled and only the
   * answer is lost. Requests without a body: after writing that many response-body bytes
   * (0: before anything is written; the request is still handled).
   */
  | { type: 'reset'; afterBodyBytes?: number }
  /** Graph chunk PUT only: keep only the first `acceptBytes` of the chunk. */
  | { type: 'partial'; acceptBytes: number }
  /** Graph session requests: expire the addressed session before handling (→ 404). */
  | { type: 'expire-session' }
  /** Delay the answer (before the request is handled). */
  | { type: 'latency'; ms: number };

export interface FaultRule {
  match?: FaultMatch;
  action: FaultAction;
}

export interface FaultRuleState extends FaultRule {
  id: string;
  /** Matching requests seen so far. */
  matched: number;
  /** Times the rule fired so far. */
  fired: number;
}

const sentence = (s: string) => ({ error: s });

const matchSchema = z.strictObject({
  method: z.string(sentence('must be an HTTP method such as "PUT"')).min(1, 'must be an HTTP method such as "PUT"').optional(),
  pathIncludes: z.string(sentence('must be text')).min(1, 'must not be empty').optional(),
  nth: z.number(sentence('must be a number')).int('must be a whole number').min(1, 'counts from 1').optional(),
  times: z.number(sentence('must be a number')).int('must be a whole number').min(1, 'must be at least 1').optional(),
});

const actionSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('status'),
      status: z.number(sentence('must be a number')).int('must be a whole number').min(400, 'must be an error status (400-599)').max(599, 'must be an error status (400-599)'),
      retryAfterSeconds: z.number(sentence('must be a number of seconds')).min(0, 'cannot be negative').optional(),
      graphCode: z.string(sentence('must be text')).min(1, 'must not be empty').optional(),
    }),
    z.strictObject({
      type: z.literal('reset'),
      afterBodyBytes: z.number(sentence('must be a number of bytes')).int('must be a whole number').min(0, 'cannot be negative').optional(),
    }),
    z.strictObject({
      type: z.literal('partial'),
      acceptBytes: z.number(sentence('must be a number of bytes')).int('must be a whole number').min(0, 'cannot be negative'),
    }),
    z.strictObject({ type: z.literal('expire-session') }),
    z.strictObject({
      type: z.literal('latency'),
      ms: z.number(sentence('must be a number of milliseconds')).int('must be a whole number').min(0, 'cannot be negative').max(600_000, 'must be at most 600000'),
    }),
  ],
  sentence('must be one of status, reset, partial, expire-session, latency'),
);

/** Validates admin-route input (POST /_emulator/faults). */
export const faultRuleSchema = z.strictObject({
  match: matchSchema.optional(),
  action: actionSchema,
});

export class Faults {
  private readonly rules: FaultRuleState[] = [];

  /** Adds a rule; returns its id. */
  add(rule: FaultRule): string {
    const parsed = faultRuleSchema.safeParse(rule);
    if (!parsed.success) throw new AppError('BAD_REQUEST', describeIssues(parsed.error));
    const id = randomUUID();
    this.rules.push({ id, match: parsed.data.match, action: parsed.data.action, matched: 0, fired: 0 });
    return id;
  }

  remove(id: string): boolean {
    const i = this.rules.findIndex((r) => r.id === id);
    if (i < 0) return false;
    this.rules.splice(i, 1);
    return true;
  }

  clear(): void {
    this.rules.length = 0;
  }

  /** Copies of the rules with their counters. */
  list(): FaultRuleState[] {
    return this.rules.map((r) => ({ ...r, match: r.match && { ...r.match }, action: { ...r.action } }));
  }

  /**
   * Counts this request against every rule and returns the actions that fire, in the order
   * the rules were added.
   */
  take(method: string, rawPath: string, decodedPath: string): FaultAction[] {
    const fired: FaultAction[] = [];
    for (const rule of this.rules) {
      const m = rule.match ?? {};
      if (m.method !== undefined && m.method.toUpperCase() !== method.toUpperCase()) continue;
      if (m.pathIncludes !== undefined && !rawPath.includes(m.pathIncludes) && !decodedPath.includes(m.pathIncludes)) continue;
      rule.matched++;
      const nth = m.nth ?? 1;
      const times = m.times ?? 1;
      if (rule.matched >= nth && rule.fired < times) {
        rule.fired++;
        fired.push(rule.action);
      }
    }
    return fired;
  }
}

/** One sentence naming what is wrong with admin input. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The input is not valid.';
  const where = issue.path.length > 0 ? issue.path.join('.') : 'the input';
  return `Invalid ${where}: ${issue.message.replace(/\.$/, '')}.`;
}
