import type { AppMetrics } from './metrics';
import { inSpan, setSafeAttributes, SpanKind } from './tracing';

/**
 * One span per activity received on /api/messages, and the activities counter. The activity is
 * hostile input: only its type and invoke name are read, and only known values become labels
 * (anything else is "other"), so a sender cannot grow the series or smuggle text into a trace.
 */

const KNOWN_TYPES = new Set(['message', 'invoke', 'conversationUpdate', 'installationUpdate', 'messageReaction', 'event', 'typing', 'endOfConversation']);
const KNOWN_INVOKES = new Set([
  'adaptiveCard/action',
  'application/search',
  'composeExtension/fetchTask',
  'composeExtension/submitAction',
  'composeExtension/query',
  'signin/tokenExchange',
  'signin/verifyState',
  'task/fetch',
  'task/submit',
]);

function field(body: unknown, key: string): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const v = (body as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

function known(value: string | undefined, set: ReadonlySet<string>): string | undefined {
  if (value === undefined) return undefined;
  return set.has(value) ? value : 'other';
}

export function tracedActivityHandler<Req extends { body?: unknown }, Res extends { statusCode: number }>(
  handle: (req: Req, res: Res) => Promise<void>,
  metrics: AppMetrics | undefined,
): (req: Req, res: Res) => Promise<void> {
  return (req, res) => {
    const type = known(field(req.body, 'type'), KNOWN_TYPES) ?? 'none';
    const name = type === 'invoke' ? known(field(req.body, 'name'), KNOWN_INVOKES) : undefined;
    metrics?.activity(type);
    return inSpan(`activity ${name ?? type}`, { kind: SpanKind.SERVER, attributes: { 'bot.activity.type': type, 'bot.activity.name': name } }, async (span) => {
      try {
        await handle(req, res);
      } finally {
        setSafeAttributes(span, { 'http.response.status_code': res.statusCode });
      }
    });
  };
}
