import { metrics as otelMetrics, type Attributes } from '@opentelemetry/api';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * What an operator watches, in one place: Prometheus text on GET /metrics (prom-client, served by
 * metrics-server.ts on its own loopback listener) and the same instruments through the
 * OpenTelemetry API, which reach Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING
 * is set (azure-monitor.ts registers the meter provider before this object is made; without it
 * the OpenTelemetry side is a no-op).
 *
 * Labels are bounded sets (outcomes, error codes, operations, HTTP statuses): never ids, names
 * or URLs, so the series count cannot grow with use.
 */

type Labels<K extends string> = Partial<Record<K, string | number>>;

/** A counter in both worlds. */
class DualCounter<K extends string> {
  private readonly prom: Counter<K>;
  private readonly otel;

  constructor(registry: Registry, name: string, help: string, labelNames: readonly K[], unit?: string) {
    this.prom = new Counter({ name, help, labelNames: [...labelNames], registers: [registry] });
    this.otel = otelMetrics.getMeter('todo-attach').createCounter(name, { description: help, ...(unit ? { unit } : {}) });
  }

  inc(labels: Labels<K>, value = 1): void {
    if (value <= 0) return;
    this.prom.inc(labels, value);
    this.otel.add(value, labels as Attributes);
  }
}

export interface QueueFigures {
  /** Transfers holding a slot. */
  running: number;
  /** Transfers waiting for a slot (jobs waiting in line). */
  waiting: number;
}

export class AppMetrics {
  readonly registry = new Registry();
  private readonly transfers: DualCounter<'outcome'>;
  private readonly refusals: DualCounter<'reason'>;
  private readonly bytes: DualCounter<never>;
  private readonly chunkPut: Histogram<'status'>;
  private readonly chunkPutOtel;
  private readonly graphRequests: DualCounter<'operation' | 'status'>;
  private readonly retries: DualCounter<'code'>;
  private readonly retryWait: DualCounter<'code'>;
  private readonly throttled: DualCounter<'service'>;
  private readonly cardUpdates: DualCounter<'result'>;
  private readonly tokenService: DualCounter<'operation' | 'outcome'>;
  private readonly activities: DualCounter<'type'>;
  private queue: () => QueueFigures = () => ({ running: 0, waiting: 0 });

  constructor() {
    const r = this.registry;
    collectDefaultMetrics({ register: r });
    this.transfers = new DualCounter(r, 'todo_attach_transfers_total', 'Transfers that reached an outcome (done, failed, cancelled, waiting-sign-in).', ['outcome']);
    this.refusals = new DualCounter(r, 'todo_attach_transfers_refused_total', 'Transfers refused before they started (user-limit: the per-user admission limit).', ['reason']);
    this.bytes = new DualCounter(r, 'todo_attach_upload_bytes_total', 'Bytes To Do accepted (moved from Teams to To Do).', [], 'By');
    this.chunkPut = new Histogram({
      name: 'todo_attach_chunk_put_seconds',
      help: 'Time of each upload-session chunk PUT to Graph, by HTTP status (0: no answer).',
      labelNames: ['status'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
    this.chunkPutOtel = otelMetrics.getMeter('todo-attach').createHistogram('todo_attach_chunk_put_seconds', { description: 'Time of each chunk PUT to Graph.', unit: 's' });
    this.graphRequests = new DualCounter(r, 'todo_attach_graph_requests_total', 'Graph requests by operation and HTTP status (0: no answer).', ['operation', 'status']);
    this.retries = new DualCounter(r, 'todo_attach_retries_total', 'Retries (Graph, downloads, token service, engine), by the error code that caused them.', ['code']);
    this.retryWait = new DualCounter(r, 'todo_attach_retry_wait_seconds_total', 'Time spent waiting before retries (Retry-After or backoff), by error code.', ['code'], 's');
    this.throttled = new DualCounter(r, 'todo_attach_http_429_total', '429 answers seen, by service (graph, teams, download, token-service).', ['service']);
    this.cardUpdates = new DualCounter(r, 'todo_attach_card_updates_total', 'Card updates: sent, throttled (Teams still answered 429 after the connector client’s own retries) or failed.', ['result']);
    this.tokenService = new DualCounter(r, 'todo_attach_token_service_requests_total', 'Bot Framework Token Service calls by operation and outcome (token, none, error).', ['operation', 'outcome']);
    this.activities = new DualCounter(r, 'todo_attach_activities_total', 'Activities received on /api/messages, by type.', ['type']);
    const queue = (): QueueFigures => this.queue();
    new Gauge({
      name: 'todo_attach_transfers_running',
      help: 'Transfers holding a transfer slot now.',
      registers: [r],
      collect() {
        this.set(queue().running);
      },
    });
    new Gauge({
      name: 'todo_attach_transfers_waiting',
      help: 'Transfers waiting in line for a slot now.',
      registers: [r],
      collect() {
        this.set(queue().waiting);
      },
    });
    const meter = otelMetrics.getMeter('todo-attach');
    meter.createObservableGauge('todo_attach_transfers_running', { description: 'Transfers holding a slot.' }).addCallback((o) => o.observe(queue().running));
    meter.createObservableGauge('todo_attach_transfers_waiting', { description: 'Transfers waiting in line.' }).addCallback((o) => o.observe(queue().waiting));
  }

  /** Where the running/waiting gauges read from (the job runner's limiter). */
  watchQueue(source: () => QueueFigures): void {
    this.queue = source;
  }

  transferEnded(outcome: string): void {
    this.transfers.inc({ outcome });
  }

  transferRefused(reason: string): void {
    this.refusals.inc({ reason });
  }

  bytesAccepted(bytes: number): void {
    this.bytes.inc({}, bytes);
  }

  graphRequest(info: { operation: string; status?: number; durationMs: number }): void {
    const status = info.status ?? 0;
    this.graphRequests.inc({ operation: info.operation, status });
    if (status === 429) this.throttled.inc({ service: 'graph' });
    if (info.operation === 'putChunk') {
      this.chunkPut.observe({ status }, info.durationMs / 1000);
      this.chunkPutOtel.record(info.durationMs / 1000, { status });
    }
  }

  retry(code: string, waitMs: number): void {
    this.retries.inc({ code });
    this.retryWait.inc({ code }, waitMs / 1000);
  }

  http429(service: 'graph' | 'teams' | 'download' | 'token-service'): void {
    this.throttled.inc({ service });
  }

  cardUpdate(result: 'sent' | 'throttled' | 'failed'): void {
    this.cardUpdates.inc({ result });
    if (result === 'throttled') this.throttled.inc({ service: 'teams' });
  }

  tokenServiceCall(operation: string, outcome: 'token' | 'none' | 'error'): void {
    this.tokenService.inc({ operation, outcome });
  }

  activity(type: string): void {
    this.activities.inc({ type });
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
