import { z } from 'zod';
import { AppError } from '../errors';
import type { FaultRule, FaultRuleState } from '../emulators/faults';
import type { BuiltInEmulators } from '../app';

/**
 * The companion page's network panel: a bandwidth limit on the links from the bot to the
 * emulators (download from the file host, upload to Graph) and one-click faults armed on the
 * Graph emulator's next upload chunk, so a person can watch the bot recover.
 */

export const FAULT_KINDS = ['throttle', 'reset', 'expire-session', 'server-error'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Chunks of a large file go to `{uploadUrl}/content` with PUT; small files (under 3 MB) are one POST. */
const NEXT_CHUNK = { method: 'PUT', pathIncludes: '/attachmentSessions/' } as const;

export const FAULT_RULES: Record<FaultKind, { label: string; rule: FaultRule }> = {
  throttle: {
    label: 'Throttling: 429 Too Many Requests with Retry-After: 2 on the next upload chunk',
    rule: { match: { ...NEXT_CHUNK }, action: { type: 'status', status: 429, retryAfterSeconds: 2, graphCode: 'TooManyRequests' } },
  },
  reset: {
    label: 'Connection reset after 64 KiB of the next upload chunk',
    rule: { match: { ...NEXT_CHUNK }, action: { type: 'reset', afterBodyBytes: 65_536 } },
  },
  'expire-session': {
    label: 'Upload session expired at the next upload chunk (404)',
    rule: { match: { ...NEXT_CHUNK }, action: { type: 'expire-session' } },
  },
  'server-error': {
    label: '503 Service Unavailable on the next upload chunk',
    rule: { match: { ...NEXT_CHUNK }, action: { type: 'status', status: 503, graphCode: 'serviceNotAvailable' } },
  },
};

export interface ArmedFault {
  id: string;
  kind: FaultKind | 'custom';
  label: string;
  /** Times it fired so far; a one-shot fault is done once fired ≥ 1. */
  fired: number;
  done: boolean;
}

export interface NetworkState {
  bytesPerSecond: number | null;
  faults: ArmedFault[];
}

export const BandwidthInput = z.strictObject({
  bytesPerSecond: z
    .number({ error: 'must be a number of bytes per second, or null for unlimited' })
    .int('must be a whole number')
    .min(1024, 'must be at least 1024 bytes per second')
    .max(10_000_000_000, 'is too large')
    .nullable(),
});

export const FaultInput = z.strictObject({ kind: z.enum(FAULT_KINDS, { error: `must be one of ${FAULT_KINDS.join(', ')}` }) });

export class NetworkControls {
  private readonly kinds = new Map<string, FaultKind>();

  constructor(private readonly emulators: BuiltInEmulators) {}

  setBandwidth(bytesPerSecond: number | null): void {
    if (bytesPerSecond !== null && (!Number.isSafeInteger(bytesPerSecond) || bytesPerSecond < 1)) {
      throw new AppError('BAD_REQUEST', 'The bandwidth must be a whole number of bytes per second, or unlimited.');
    }
    // Both directions of the bot's work: the download from Teams' file host, the upload to To Do.
    this.emulators.graph.shaping.set({ bytesPerSecond });
    this.emulators.files.shaping.set({ bytesPerSecond });
  }

  arm(kind: FaultKind): ArmedFault {
    const id = this.emulators.graph.faults.add(FAULT_RULES[kind].rule);
    this.kinds.set(id, kind);
    const armed = this.state().faults.find((f) => f.id === id);
    if (!armed) throw new AppError('INTERNAL', 'The fault could not be armed.');
    return armed;
  }

  clearFaults(): void {
    this.emulators.graph.faults.clear();
    this.kinds.clear();
  }

  state(): NetworkState {
    return {
      bytesPerSecond: this.emulators.graph.shaping.get().bytesPerSecond ?? null,
      faults: this.emulators.graph.faults.list().map((f) => this.describe(f)),
    };
  }

  private describe(f: FaultRuleState): ArmedFault {
    const kind = this.kinds.get(f.id);
    return {
      id: f.id,
      kind: kind ?? 'custom',
      label: kind ? FAULT_RULES[kind].label : 'A fault added through the emulator admin API',
      fired: f.fired,
      done: f.fired >= (f.match?.times ?? 1),
    };
  }
}
