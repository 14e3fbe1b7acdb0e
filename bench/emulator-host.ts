import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { BotConnectorEmulator } from '../src/emulators/bot-connector';
import { FileHostEmulator } from '../src/emulators/file-host';
import { GraphTodoEmulator } from '../src/emulators/graph-todo';
import type { EmulatorOps, HostMessage, OpRequest } from './protocol';
import { LOOP_RESOLUTION_MS, loopDelayOf } from './util';

/**
 * The emulators (Graph To Do, file host, Bot Connector) in a process of their own, driven over
 * IPC by the bench. They stand for remote services: kept out of the measured process, the
 * attachments they store (500 MB in the memory run) do not count as the engine's memory, and
 * their CPU work does not sit on the bot's event loop.
 */

async function main(): Promise<void> {
  const graph = await GraphTodoEmulator.start();
  const files = await FileHostEmulator.start({});
  const connector = await BotConnectorEmulator.start();

  let loop: IntervalHistogram | undefined;
  let closing: Promise<void> | undefined;
  let pickerGraph: GraphTodoEmulator | undefined;
  const close = (): Promise<void> => {
    closing ??= Promise.all([graph.close(), files.close(), connector.close(), pickerGraph?.close()]).then(() => undefined);
    return closing;
  };

  const ops: { [K in keyof EmulatorOps]: (args: EmulatorOps[K][0]) => EmulatorOps[K][1] | Promise<EmulatorOps[K][1]> } = {
    addFile: (input) => files.addFile(input),
    removeFile: (id) => files.removeFile(id),
    shape: ({ graph: g, files: f }) => {
      graph.shaping.set({ bytesPerSecond: g });
      files.shaping.set({ bytesPerSecond: f });
    },
    lists: () => graph.lists().map((l) => ({ id: l.id, displayName: l.displayName })),
    addList: (displayName) => {
      const l = graph.addList(displayName);
      return { id: l.id, displayName: l.displayName };
    },
    addTask: ({ listId, title }) => {
      const t = graph.addTask(listId, title);
      return { id: t.id, title: t.title };
    },
    deleteTask: ({ listId, taskId }) => graph.deleteTask(listId, taskId),
    attachments: ({ listId, taskId }) => graph.attachments(listId, taskId).map((a) => ({ id: a.id, name: a.name, size: a.size, sha256: a.sha256 })),
    sessionCount: () => graph.sessionCount(),
    messages: (conversationId) => connector.messages(conversationId).map((m) => ({ activityId: m.activityId, body: m.body, updateCount: m.updateCount })),
    maxUpdatesPerSecond: () => connector.maxUpdatesPerSecond(),
    updateTimes: () =>
      connector.activities
        .filter((a) => a.kind === 'update')
        .map((a) => ({ activityId: a.activityId, at: a.at, final: JSON.stringify(a.body).includes('Attached “') })),
    clearConnector: () => connector.clear(),
    startPickerGraph: async ({ lists, tasksPerList, latencyMs, pageSize, titles }) => {
      await pickerGraph?.close();
      pickerGraph = await GraphTodoEmulator.start({ seed: false, pageSize });
      const weeks = 6 * 7 * 24 * 3_600_000;
      let n = 0;
      for (let l = 0; l < lists; l++) {
        const list = pickerGraph.addList(`List ${l + 1}`);
        for (let t = 0; t < tasksPerList; t++, n++) {
          // Spread over the last weeks, like a real account (the ranker's recency prior reads them).
          pickerGraph.addTask(list.id, titles[n % titles.length] ?? `Task ${n}`, { createdMs: Date.now() - Math.round((weeks * ((n * 7919) % 1000)) / 1000) });
        }
      }
      // Every Graph request answered after a delay, as across a real network.
      pickerGraph.faults.add({ action: { type: 'latency', ms: latencyMs }, match: { times: Number.MAX_SAFE_INTEGER } });
      return { graphBaseUrl: pickerGraph.baseUrl, token: pickerGraph.tokens[0] ?? '', requests: pickerGraph.requests.length };
    },
    pickerGraphRequests: () => pickerGraph?.requests.length ?? 0,
    stopPickerGraph: async () => {
      await pickerGraph?.close();
      pickerGraph = undefined;
    },
    cpuMicros: () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    },
    loopDelay: (action) => {
      if (action === 'start') {
        loop?.disable();
        loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
        loop.enable();
        return null;
      }
      if (!loop) return null;
      loop.disable();
      const figures = loopDelayOf(loop);
      loop = undefined;
      return figures;
    },
    gc: async () => {
      (globalThis as { gc?: () => void }).gc?.();
      return process.memoryUsage().rss;
    },
    stop: async () => {
      await close();
    },
  };

  const send = (message: HostMessage): void => {
    process.send?.(message);
  };

  process.on('message', (raw: OpRequest) => {
    const handler = ops[raw.op] as (args: unknown) => unknown;
    void (async () => {
      try {
        const result = await handler(raw.args);
        send({ type: 'result', id: raw.id, ok: true, result: result === undefined ? null : result });
      } catch (err) {
        send({ type: 'result', id: raw.id, ok: false, error: err instanceof Error ? err.message : 'emulator operation failed' });
      }
      if (raw.op === 'stop') process.disconnect?.();
    })();
  });
  // The bench went away (crash, Ctrl+C): do not outlive it.
  process.on('disconnect', () => {
    void close().finally(() => process.exit(0));
  });

  send({
    type: 'ready',
    graphBaseUrl: graph.baseUrl,
    filesBaseUrl: files.baseUrl,
    serviceUrl: connector.serviceUrl,
    token: graph.tokens[0] ?? '',
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator host failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
