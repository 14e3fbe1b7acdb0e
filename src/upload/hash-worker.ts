import { Worker } from 'node:worker_threads';

/**
 * SHA-256 of a transfer computed on a worker thread. Hashing 25 MB costs ~15–20 ms of CPU:
 * on the event loop that was the largest part of what the engine costs over a raw copy
 * (issue 15), and it delayed card invokes while many transfers ran. Here the event loop only
 * copies the bytes into a staging buffer; full buffers are transferred (not cloned) to the
 * worker, which hashes them and hands the buffer back for reuse, so hashing makes no garbage.
 *
 * One worker per process, started on first use; it keeps the process alive only while it has
 * work (an await on a digest must not end with the process), and `stopHashWorker()` ends it. A worker that fails makes digests unknown
 * (undefined), never a failed transfer: the digest is a record, not a condition of success.
 */

/**
 * Bytes copied before they are sent to the worker (100 messages for a 25 MB file). Small, since
 * a transfer holds its staging buffer and those in flight on top of its chunk.
 */
const STAGING_BYTES = 262_144;
/** Staging buffers kept for reuse, all transfers together (8 MiB). */
const POOL_MAX = 32;
/** Buffers one hash may have at the worker before its reader waits (the worker fell behind). */
const IN_FLIGHT_MAX = 2;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = hashes.get(m.id);
    if (h === undefined) { h = createHash('sha256'); hashes.set(m.id, h); }
    h.update(new Uint8Array(m.buffer, 0, m.length));
    parentPort.postMessage({ op: 'ack', id: m.id, buffer: m.buffer }, [m.buffer]);
  } else if (m.op === 'digest') {
    const h = hashes.get(m.id) ?? createHash('sha256');
    hashes.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, hex: h.digest('hex') });
  } else if (m.op === 'drop') {
    hashes.delete(m.id);
  }
});
`;

type FromWorker = { op: 'ack'; id: number; buffer: ArrayBuffer } | { op: 'digest'; id: number; hex: string };

interface HashState {
  inFlight: number;
  /** Called whenever the worker acknowledges one of this hash's buffers. */
  onAck?: () => void;
  onDigest?: (hex: string | undefined) => void;
}

class HashWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly hashes = new Map<number, HashState>();
  private readonly pool: ArrayBuffer[] = [];
  /** Messages sent and not yet answered: the worker is ref'd while there are any. */
  private awaiting = 0;

  open(): number {
    const id = this.nextId++;
    this.hashes.set(id, { inFlight: 0 });
    return id;
  }

  state(id: number): HashState | undefined {
    return this.hashes.get(id);
  }

  buffer(): ArrayBuffer {
    return this.pool.pop() ?? new ArrayBuffer(STAGING_BYTES);
  }

  /** Sends a full (or final) staging buffer; false when the worker is gone. */
  send(id: number, buffer: ArrayBuffer, length: number): boolean {
    const state = this.hashes.get(id);
    const worker = this.ensure();
    if (!state || !worker) return false;
    state.inFlight++;
    this.expect(worker, 1);
    worker.postMessage({ op: 'update', id, buffer, length }, [buffer]);
    return true;
  }

  digest(id: number): Promise<string | undefined> {
    const state = this.hashes.get(id);
    const worker = this.ensure();
    if (!state || !worker) {
      this.hashes.delete(id);
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      state.onDigest = resolve;
      this.expect(worker, 1);
      worker.postMessage({ op: 'digest', id });
    });
  }

  drop(id: number): void {
    if (!this.hashes.delete(id)) return;
    this.worker?.postMessage({ op: 'drop', id });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll();
    this.pool.length = 0;
    if (worker) await worker.terminate();
  }

  private ensure(): Worker | undefined {
    if (this.worker) return this.worker;
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.on('message', (m: FromWorker) => this.receive(m));
      worker.on('error', () => this.lose(worker));
      worker.on('exit', () => this.lose(worker));
      // After the listeners: adding a 'message' listener refs the worker's port again.
      worker.unref();
      this.worker = worker;
      return worker;
    } catch {
      return undefined;
    }
  }

  private expect(worker: Worker, change: number): void {
    const before = this.awaiting;
    this.awaiting = Math.max(0, before + change);
    if (before === 0 && this.awaiting > 0) worker.ref();
    if (before > 0 && this.awaiting === 0) worker.unref();
  }

  private receive(m: FromWorker): void {
    if (this.worker) this.expect(this.worker, -1);
    const state = this.hashes.get(m.id);
    if (m.op === 'ack') {
      if (this.pool.length < POOL_MAX && m.buffer.byteLength === STAGING_BYTES) this.pool.push(m.buffer);
      if (!state) return;
      state.inFlight--;
      state.onAck?.();
      return;
    }
    this.hashes.delete(m.id);
    state?.onDigest?.(m.hex);
  }

  private lose(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll();
  }

  /** The worker is gone with the state of every hash: their digests are unknown. */
  private failAll(): void {
    this.awaiting = 0;
    const states = [...this.hashes.values()];
    this.hashes.clear();
    for (const s of states) {
      s.inFlight = 0;
      s.onAck?.();
      s.onDigest?.(undefined);
    }
  }
}

const shared = new HashWorker();

/** Ends the hashing worker (it starts again on the next use). */
export function stopHashWorker(): Promise<void> {
  return shared.stop();
}

/** One SHA-256, fed in order, digested once, computed off the event loop. */
export class OffThreadSha256 {
  private id: number | undefined;
  private staging: Buffer | undefined;
  private filled = 0;
  private lost = false;

  /** Adds bytes (copied: the caller keeps its buffer). */
  update(bytes: Buffer): void {
    if (this.lost) return;
    let from = 0;
    while (from < bytes.length) {
      const staging = (this.staging ??= Buffer.from(shared.buffer()));
      const n = bytes.copy(staging, this.filled, from);
      this.filled += n;
      from += n;
      if (this.filled === staging.length) this.flush();
    }
  }

  /** Resolves once the worker has caught up enough for more bytes (bounded memory per hash). */
  async ready(): Promise<void> {
    const state = this.id === undefined ? undefined : shared.state(this.id);
    while (state && state.inFlight >= IN_FLIGHT_MAX && shared.state(this.id as number) === state) {
      await new Promise<void>((resolve) => (state.onAck = resolve));
    }
  }

  /** The hex digest, or undefined when the worker was lost on the way. */
  async digest(): Promise<string | undefined> {
    if (this.lost) return undefined;
    this.flush();
    this.id ??= shared.open();
    const id = this.id;
    this.id = undefined;
    this.lost = true; // digested once
    return shared.digest(id);
  }

  /** Forgets this hash (its transfer ended without a digest). */
  dispose(): void {
    if (this.id !== undefined) shared.drop(this.id);
    this.id = undefined;
    this.staging = undefined;
    this.lost = true;
  }

  private flush(): void {
    const staging = this.staging;
    if (!staging || this.filled === 0) return;
    this.id ??= shared.open();
    const length = this.filled;
    this.staging = undefined;
    this.filled = 0;
    if (!shared.send(this.id, staging.buffer as ArrayBuffer, length)) this.lost = true;
  }
}
