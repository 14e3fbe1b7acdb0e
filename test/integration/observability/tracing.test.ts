import { context, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { BotHarness, pickerIdOf } from '../../support/bot-harness';
import { firstOpenTask } from '../../support/emulators';

jest.setTimeout(90_000);

/**
 * The spans an Application Insights operator gets (any exporter: here an in-memory one): one per
 * activity, one per transfer (its own trace, linked to the activity that started it), one per
 * Graph request with Graph's request-id and our client-request-id, and never a URL or a token.
 */
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

let h: BotHarness;
beforeEach(async () => {
  exporter.reset();
  h = await BotHarness.start();
});
afterEach(async () => {
  await h.close();
});

const named = (prefix: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name.startsWith(prefix));
const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;
const sameTrace = (a: SpanContext, b: SpanContext): boolean => a.traceId === b.traceId;

test('a transfer through a 429: spans for the activities, the job and each Graph request, ids as attributes, no URL or token anywhere', async () => {
  h.emulators.graph.faults.add({ match: { method: 'PUT', pathIncludes: '/content', nth: 2 }, action: { type: 'status', status: 429, retryAfterSeconds: 0 } });
  const file = h.emulators.files.addFile({ name: 'traced budget.xlsx', size: 4 * 1024 * 1024 });
  await h.sendFiles([file]);
  const picker = await h.waitForCard(1);
  const { listId, taskId } = firstOpenTask(h.emulators.graph, 'Work');
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId });
  await h.waitForCardText(picker.activityId, /Attached “traced budget\.xlsx”/);
  await h.app.runner.settleAll();

  const [message] = named('activity message');
  const [invoke] = named('activity adaptiveCard/action');
  expect(message?.attributes).toEqual(expect.objectContaining({ 'bot.activity.type': 'message', 'http.response.status_code': 200 }));
  expect(invoke?.attributes).toEqual(expect.objectContaining({ 'bot.activity.type': 'invoke', 'bot.activity.name': 'adaptiveCard/action' }));

  const transfers = named('transfer');
  expect(transfers).toHaveLength(1);
  const job = transfers[0] as ReadableSpan;
  expect(job.attributes).toEqual(expect.objectContaining({ 'transfer.files': 1, 'transfer.outcome': 'done' }));
  // Its own trace, linked to the invoke that started it.
  expect(sameTrace(job.spanContext(), (invoke as ReadableSpan).spanContext())).toBe(false);
  expect(job.links.map((l) => l.context.spanId)).toEqual([(invoke as ReadableSpan).spanContext().spanId]);

  // Graph requests of the picker belong to the message's trace; those of the upload to the job's.
  const graph = named('graph ');
  const pickerCalls = graph.filter((s) => parentOf(s) === message?.spanContext().spanId);
  expect(pickerCalls.map((s) => s.name)).toEqual(expect.arrayContaining(['graph listTaskLists']));
  const puts = graph.filter((s) => s.name === 'graph putChunk');
  expect(puts.length).toBeGreaterThanOrEqual(5);
  for (const put of puts) expect(parentOf(put)).toBe(job.spanContext().spanId);
  const throttled = puts.filter((s) => s.attributes['http.response.status_code'] === 429);
  expect(throttled).toHaveLength(1);
  expect(throttled[0]?.status.code).toBe(2); // ERROR
  for (const s of graph) {
    expect(s.attributes['graph.client_request_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.attributes['graph.request_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.attributes['http.request.method']).toMatch(/^(GET|POST|PUT|DELETE|PATCH)$/);
  }

  // Nothing in any span names a URL, a token or the file.
  const everything = JSON.stringify(exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
  expect(everything).not.toMatch(/https?:\/\/|Bearer|eyJ|tempauth|traced budget/);
  expect(everything).not.toContain(h.emulators.token);
});

test('a transfer that fails: the job span says so with the error code; the Graph span of the refusal too', async () => {
  h.emulators.graph.faults.add({ match: { method: 'POST', pathIncludes: 'createUploadSession', times: 50 }, action: { type: 'status', status: 403, graphCode: 'ErrorAccessDenied' } });
  const file = h.emulators.files.addFile({ name: 'refused.pdf', size: 4 * 1024 * 1024 });
  await h.sendFiles([file]);
  const picker = await h.waitForCard(1);
  const { listId, taskId } = firstOpenTask(h.emulators.graph, 'Work');
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId });
  await h.waitForCardText(picker.activityId, /Could not attach/);
  await h.app.runner.settleAll();
  const [job] = named('transfer');
  expect(job?.attributes['transfer.outcome']).toBe('failed');
  const refusal = named('graph createUploadSession')[0];
  expect(refusal?.attributes).toEqual(expect.objectContaining({ 'http.response.status_code': 403 }));
});
