import { request } from 'undici';
import { BotHarness, pickerIdOf } from '../../support/bot-harness';
import { firstOpenTask, startEmulators } from '../../support/emulators';
import { oauthCards, teamsSso, waitForOAuthCard } from '../../support/sign-in';
import { startSignedBot } from '../../support/signed-bot';

jest.setTimeout(90_000);

/**
 * GET /metrics on its own loopback listener (METRICS_PORT) after a transfer that met a 429 and a
 * throttled card update; never on the bot's public port. /readyz with its named checks.
 */
let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function get(url: string): Promise<{ status: number; text: string; type: string | undefined }> {
  const res = await request(url);
  const text = await res.body.text();
  return { status: res.statusCode, text, type: res.headers['content-type'] as string | undefined };
}

/** The value of one sample line, e.g. `todo_attach_transfers_total{outcome="done"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('after a transfer through a 429 and a throttled card update, /metrics says so; the public port does not serve it', async () => {
  h = await BotHarness.start({ env: { METRICS_PORT: '0' } });
  expect(h.app.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  h.emulators.graph.faults.add({ match: { method: 'PUT', pathIncludes: '/content', nth: 2 }, action: { type: 'status', status: 429, retryAfterSeconds: 1 } });
  // More 429s than the connector client retries on its own: the bot sees the throttling.
  h.connector.throttle({ kind: 'update', nth: 1, times: 8, retryAfterSeconds: 0 });
  const size = 4 * 1024 * 1024 + 123;
  const file = h.emulators.files.addFile({ name: 'figures.xlsx', size });
  await h.sendFiles([file]);
  const picker = await h.waitForCard(1);
  const { listId, taskId } = firstOpenTask(h.emulators.graph, 'Work');
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId });
  await h.waitForCardText(picker.activityId, /Attached “figures\.xlsx”/);
  await h.app.runner.settleAll();

  const m = await get(h.app.metricsUrl ?? '');
  expect(m.status).toBe(200);
  expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(sample(m.text, 'todo_attach_transfers_total{outcome="done"}')).toBe(1);
  expect(sample(m.text, 'todo_attach_upload_bytes_total')).toBe(size);
  expect(sample(m.text, 'todo_attach_chunk_put_seconds_count{status="429"}')).toBe(1);
  // A 4 MB file in chunks of 960 KiB: one 429, then every chunk accepted (202, the last 201).
  expect(sample(m.text, 'todo_attach_chunk_put_seconds_count{status="200"}')).toBeGreaterThanOrEqual(4);
  expect(sample(m.text, 'todo_attach_chunk_put_seconds_count{status="201"}')).toBe(1);
  expect(sample(m.text, 'todo_attach_http_429_total{service="graph"}')).toBe(1);
  const throttled = sample(m.text, 'todo_attach_card_updates_total{result="throttled"}') ?? 0;
  expect(throttled).toBeGreaterThanOrEqual(1);
  expect(sample(m.text, 'todo_attach_http_429_total{service="teams"}')).toBe(throttled);
  expect(sample(m.text, 'todo_attach_retries_total{code="GRAPH_THROTTLED"}')).toBe(1);
  expect(sample(m.text, 'todo_attach_retry_wait_seconds_total{code="GRAPH_THROTTLED"}')).toBe(1);
  expect(sample(m.text, 'todo_attach_card_updates_total{result="sent"}')).toBeGreaterThanOrEqual(1);
  expect(sample(m.text, 'todo_attach_transfers_waiting')).toBe(0);
  expect(sample(m.text, 'todo_attach_transfers_running')).toBe(0);
  expect(sample(m.text, 'todo_attach_activities_total{type="invoke"}')).toBe(1);
  expect(sample(m.text, 'todo_attach_activities_total{type="message"}')).toBe(1);
  expect(m.text).toContain('process_resident_memory_bytes');
  // Nothing that identifies a user, a file or a link.
  expect(m.text).not.toMatch(/figures|29:|http:\/\/|Bearer/);

  const onPublicPort = await get(`${h.app.url}/metrics`);
  expect(onPublicPort.status).toBe(404);
  expect((await get(`${h.app.metricsUrl?.replace('/metrics', '/other') ?? ''}`)).status).toBe(404);
});

test('token-service calls are counted by outcome (the credentialed bot signs a user in)', async () => {
  const bot = await startSignedBot({ env: { METRICS_PORT: '0' } });
  try {
    const before = oauthCards(bot.h).length;
    await bot.h.sendText('status');
    const card = await waitForOAuthCard(bot.h, before + 1);
    expect((await teamsSso(bot, card)).status).toBe(200);
    const m = await get(bot.h.app.metricsUrl ?? '');
    expect(sample(m.text, 'todo_attach_token_service_requests_total{operation="getToken",outcome="none"}')).toBeGreaterThanOrEqual(1);
    expect(sample(m.text, 'todo_attach_token_service_requests_total{operation="exchange",outcome="token"}')).toBe(1);
  } finally {
    await bot.close();
  }
});

test('/readyz names its checks; a failing one (a store plugged in, Graph gone) makes it 503 with a sentence, /healthz stays 200', async () => {
  const emulators = await startEmulators();
  h = await BotHarness.start({ emulators });
  const ready = await get(`${h.app.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(JSON.parse(ready.text)).toEqual({ status: 'ready', checks: { jobs: expect.objectContaining({ ok: true }), graph: expect.objectContaining({ ok: true }) } });

  // How another part (a job store on Azure Storage) plugs its health in.
  let storeUp = false;
  h.app.readiness.add({ name: 'store', check: async () => {
    if (!storeUp) throw new Error('The job store on Azure Storage could not be reached.');
  } });
  const storeDown = await get(`${h.app.url}/readyz`);
  expect(storeDown.status).toBe(503);
  expect(JSON.parse(storeDown.text).checks.store).toEqual(expect.objectContaining({ ok: false, detail: 'The job store on Azure Storage could not be reached.' }));
  storeUp = true;
  expect((await get(`${h.app.url}/readyz`)).status).toBe(200);

  // A fresh app (no cached Graph check) with Graph gone.
  h = await h.restart({ whileStopped: () => emulators.graph.close() });
  const graphDown = await get(`${h.app.url}/readyz`);
  expect(graphDown.status).toBe(503);
  const body = JSON.parse(graphDown.text) as { checks: Record<string, { ok: boolean; detail?: string }> };
  expect(body.checks['graph']).toEqual(expect.objectContaining({ ok: false, detail: 'Microsoft Graph could not be reached.' }));
  expect(graphDown.text).not.toMatch(/http:\/\//);
  expect((await get(`${h.app.url}/healthz`)).status).toBe(200);
});
