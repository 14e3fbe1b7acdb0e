import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { EmulatorOps, HostMessage, OpName, OpRequest } from './protocol';

/**
 * The emulator process (emulator-host.ts) seen from the bench: URLs, and one method per
 * operation over IPC. `close()` stops it and waits for it to exit (killing it if it hangs), so a
 * run leaves nothing behind.
 */
export class RemoteEmulators {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly graphBaseUrl: string,
    readonly filesBaseUrl: string,
    readonly serviceUrl: string,
    readonly token: string,
  ) {
    this.exit = new Promise((resolve) => {
      const done = (): void => {
        this.exited = true;
        for (const p of this.pending.values()) p.reject(new Error('the emulator process exited'));
        this.pending.clear();
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) done();
      else child.once('exit', done);
    });
    child.on('message', (m: HostMessage) => {
      if (m.type !== 'result') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
  }

  static async start(): Promise<RemoteEmulators> {
    const child = fork(path.join(__dirname, 'emulator-host.js'), [], {
      // Its own gc lets the bench free the stored attachments between runs.
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const ready = await new Promise<Extract<HostMessage, { type: 'ready' }>>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the emulator process exited during start (code ${code})`));
      child.once('exit', onExit);
      child.once('error', reject);
      child.on('message', function first(m: HostMessage) {
        if (m.type !== 'ready') return;
        child.off('message', first);
        child.off('exit', onExit);
        child.off('error', reject);
        resolve(m);
      });
    });
    return new RemoteEmulators(child, ready.graphBaseUrl, ready.filesBaseUrl, ready.serviceUrl, ready.token);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  call<K extends OpName>(op: K, ...args: EmulatorOps[K][0] extends void ? [] : [EmulatorOps[K][0]]): Promise<EmulatorOps[K][1]> {
    if (this.exited) return Promise.reject(new Error('the emulator process is not running'));
    const id = this.nextId++;
    const request: OpRequest = { id, op, args: args[0] ?? null };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send(request, (err) => {
        if (err) {
          this.pending.delete(id);
          reject(err);
        }
      });
    });
  }

  /** Polls `probe` against the emulators until it returns a value, or fails after `timeoutMs`. */
  async waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await delay(25);
    }
  }

  async close(): Promise<void> {
    if (!this.exited) {
      // Unref'd timers: a bound on waiting must not itself keep the bench alive.
      await Promise.race([this.call('stop').catch(() => undefined), delay(5_000, undefined, { ref: false })]);
      const killed = await Promise.race([this.exit.then(() => false), delay(5_000, undefined, { ref: false }).then(() => true)]);
      if (killed && !this.exited) {
        this.child.kill('SIGKILL');
        await this.exit;
      }
    }
  }
}
