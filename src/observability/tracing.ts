import { context, trace, SpanKind, SpanStatusCode, type Attributes, type Link, type Span } from '@opentelemetry/api';
import { toAppError } from '../errors';
import { redactText } from '../redact';

/**
 * Spans for Application Insights (or any OpenTelemetry exporter): one per activity, per job and
 * per Graph request. Without a registered tracer provider (no APPLICATIONINSIGHTS_CONNECTION_STRING)
 * the API hands out no-op spans, so this costs next to nothing.
 *
 * Attributes are ids, counts, codes and statuses only. Every string passes through the same
 * redaction as the logs (src/redact.ts), so a URL or token can never become an attribute.
 */

export type AttributeValues = Record<string, string | number | boolean | undefined>;

const TRACER = 'todo-attach';

function tracer() {
  return trace.getTracer(TRACER);
}

/** Attributes with undefined values dropped and every string redacted. */
export function safeAttributes(values: AttributeValues): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'string' ? redactText(v) : v;
  }
  return out;
}

export function setSafeAttributes(span: Span, values: AttributeValues): void {
  span.setAttributes(safeAttributes(values));
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: AttributeValues;
  /**
   * A new trace linked to the current span instead of a child of it: a transfer runs long after
   * the invoke that started it has been answered.
   */
  detached?: boolean;
}

/**
 * Runs `fn` inside a span (the active one for everything it awaits). A thrown error marks the
 * span failed with its stable code; the message is redacted.
 */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = trace.getSpan(context.active());
  const links: Link[] = options.detached && parent ? [{ context: parent.spanContext() }] : [];
  const span = tracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: safeAttributes(options.attributes ?? {}), links, ...(options.detached ? { root: true } : {}) },
    context.active(),
  );
  try {
    return await context.with(trace.setSpan(context.active(), span), () => fn(span));
  } catch (err) {
    const e = toAppError(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: redactText(e.message) });
    setSafeAttributes(span, { 'error.type': e.code });
    throw err;
  } finally {
    span.end();
  }
}

export { SpanKind, SpanStatusCode };
