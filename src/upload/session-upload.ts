import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { AppError, cancelledError, toAppError, TransferSuspended } from '../errors';
import { withRetry } from '../retry';
import { findOurAttachment, isTaskGone, taskNotFoundError, type CheckContext } from './attachments-check';
import { nextChunkInRange, READ_AHEAD_BYTES } from './chunk-plan';
import { ChunkBuffer } from './chunk-buffer';
import { OrderedHasher } from './hashing';
import { parseRanges, resumeOffset } from './ranges';
import { RetryBudget } from './retry-budget';
import type { ByteSource, ChunkAnswer, UploadOptions, UploadResult, UploadSessionInfo } from './types';

export interface SessionUploadContext extends CheckContext {
  source: ByteSource;
  chunkBytes: number;
  options: UploadOptions;
  preexisting: ReadonlySet<string>;
}

/** After this many expired sessions the transfer gives up (each restart re-sends the file). */
export const MAX_SESSION_RESTARTS = 3;
/** Deleting a session on the way out must not hang a cancelled transfer. */
export const SESSION_DELETE_TIMEOUT_MS = 5_000;

export function uploadInSession(ctx: SessionUploadContext): Promise<UploadResult> {
  return new SessionTransfer(ctx).run();
}

/** 404 on an upload session: it expired or never existed; only a new session helps. */
function isSessionGone(err: AppError): boolean {
  return err.code === 'UPLOAD_SESSION_EXPIRED' || err.code === 'GRAPH_NOT_FOUND';
}

/**
 * One file through one upload session (a new one only when it expires). Each step sends the
 * next chunk the server asks for, always continuing from the ranges it reports.
 */
class SessionTransfer {
  private session: UploadSessionInfo | undefined;
  private restarts = 0;
  /** The server's accepted offset (first byte it still expects). */
  private accepted = 0;
  private answersWithoutProgress = 0;
  /** A PUT ending at the last byte went out: the server may have completed the attachment. */
  private finalPutSent = false;
  private readonly hasher = new OrderedHasher();
  private readonly buffer: ChunkBuffer;
  private readonly budget: RetryBudget;

  constructor(private readonly ctx: SessionUploadContext) {
    this.buffer = new ChunkBuffer({
      source: ctx.source,
      total: ctx.size,
      hasher: this.hasher,
      signal: ctx.signal,
      skipByReading: ctx.options.resumeSession === undefined,
    });
    this.budget = new RetryBudget(ctx.retryPolicy, ctx.signal, ctx.onEvent);
  }

  async run(): Promise<UploadResult> {
    try {
      const early = await this.begin();
      if (early) return early;
      for (;;) {
        const result = await this.step();
        if (result) return result;
      }
    } catch (raw) {
      const err = this.ctx.signal.aborted ? cancelledError(this.ctx.signal.reason) : toAppError(raw);
      // Suspended by a shutdown, or no token until the user signs in again: keep the session,
      // the stored job resumes it (at the next start, or after the sign-in).
      if (this.ctx.signal.reason instanceof TransferSuspended || err.code === 'SIGN_IN_REQUIRED') throw err;
      // Cancelled or failed: no attachment may appear later from this session.
      await this.abandonSession();
      // Cancelled while the last chunk was on its way: To Do may have completed it anyway.
      // Then the file is attached, and saying "nothing was attached" would invite a duplicate.
      const arrived = err.code === 'CANCELLED' && this.finalPutSent ? await this.attachedDespiteCancel() : undefined;
      if (arrived) return arrived;
      throw err;
    } finally {
      this.buffer.close();
      this.ctx.options.onBufferHighWater?.(this.buffer.highWater);
    }
  }

  private async begin(): Promise<UploadResult | undefined> {
    const stored = this.ctx.options.resumeSession;
    if (!stored) {
      await this.createSession();
      return undefined;
    }
    this.session = { ...stored };
    if (this.ctx.sink.getUploadSession) {
      if ((await this.askSession()) === 'gone') return this.afterSessionGone();
    } else {
      // Nothing to ask: replay from 0 and let the sink's 416 resync say where the server is.
      this.session = { ...stored, nextExpectedRanges: ['0-'] };
    }
    this.accepted = resumeOffset(parseRanges(this.session.nextExpectedRanges)) ?? 0;
    this.ctx.onEvent?.({ type: 'resumed', offset: this.accepted });
    return undefined;
  }

  private async step(): Promise<UploadResult | undefined> {
    const { ctx } = this;
    if (ctx.signal.aborted) throw cancelledError(ctx.signal.reason);
    // The source failed while reading ahead: no PUT went out, the server's ranges still hold.
    const readAheadFailure = this.buffer.takeFailure();
    if (readAheadFailure) return this.failed(readAheadFailure, false);

    const session = this.requireSession();
    const first = parseRanges(session.nextExpectedRanges)[0];
    if (first === undefined || first.start >= ctx.size) return this.nothingLeftToSend();
    // Never past the end of a closed range: the server asked for exactly those bytes.
    const span = nextChunkInRange(first, ctx.size, ctx.chunkBytes);

    const attempt = new AbortController();
    const onAbort = (): void => attempt.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let bodyFailed = false;
    let answer: ChunkAnswer;
    let body: Readable | undefined;
    try {
      await this.buffer.seek(span.start);
      // One chunk held until accepted, plus at most READ_AHEAD_BYTES read while To Do considers it.
      const readAheadLimit = Math.min(ctx.size, span.end + 1 + Math.min(ctx.chunkBytes, READ_AHEAD_BYTES));
      const bytes = this.buffer.range(span.start, span.end + 1, attempt.signal, () => this.buffer.prefetch(readAheadLimit));
      body = Readable.from(
        guardBody(bytes, (err) => {
          // Only the source's own failure stops the PUT. A dropped connection reaches the body
          // too (the stream throws it into the generator as it is destroyed): that is the
          // sink's failure, to be retried, not a cancellation.
          if (!this.buffer.isSourceFailure(err)) return;
          bodyFailed = true;
          attempt.abort();
        }),
        { objectMode: false },
      );
      if (span.end === ctx.size - 1) this.finalPutSent = true;
      answer = await ctx.sink.putChunk({ session, start: span.start, end: span.end, total: ctx.size, body, signal: attempt.signal });
    } catch (raw) {
      body?.destroy();
      // A source failure (download dropped mid-chunk) is the cause, not what the sink made of
      // the broken body. The buffer reopens the source at the first byte not yet buffered.
      const sourceFailure = bodyFailed || body === undefined ? this.buffer.takeFailure() : undefined;
      return this.failed(sourceFailure ?? toAppError(raw), body !== undefined);
    } finally {
      attempt.abort();
      ctx.signal.removeEventListener('abort', onAbort);
    }

    if (answer.done) return this.finish(answer.attachmentId);
    this.session = { ...session, nextExpectedRanges: answer.nextExpectedRanges };
    const next = resumeOffset(parseRanges(answer.nextExpectedRanges));
    if (next === undefined) return this.nothingLeftToSend();
    if (next > this.accepted) {
      this.accepted = next;
      this.answersWithoutProgress = 0;
      this.budget.reset();
      ctx.options.onProgress?.({ bytesDone: next, total: ctx.size });
    } else if (++this.answersWithoutProgress > ctx.retryPolicy.maxAttempts) {
      throw new AppError('UPLOAD_INCOMPLETE', 'To Do kept asking for bytes it had already been sent.');
    } else {
      this.accepted = next;
    }
    return undefined;
  }

  /** Decides what a failed step means: retry, new session, or the end. */
  private async failed(err: AppError, afterPut: boolean): Promise<UploadResult | undefined> {
    if (this.ctx.signal.aborted) throw cancelledError(this.ctx.signal.reason);
    if (err.code === 'TASK_NOT_FOUND') throw err;
    if (afterPut && isSessionGone(err)) return this.afterSessionGone();
    await this.budget.wait(err);
    if (!afterPut) return undefined;
    // After a failed PUT nobody knows what the server kept: ask it, or replay the same chunk
    // (a sink without getUploadSession answers the overlap with the ranges, a 416 resync).
    if (this.ctx.sink.getUploadSession && (await this.askSession()) === 'gone') return this.afterSessionGone();
    return undefined;
  }

  /** GET on the session for its ranges, with retries; 'gone' on 404. */
  private async askSession(): Promise<'ok' | 'gone'> {
    const get = this.ctx.sink.getUploadSession?.bind(this.ctx.sink);
    if (!get) return 'ok';
    for (;;) {
      const session = this.requireSession();
      try {
        const info = await get(session, this.ctx.signal);
        this.session = { ...session, nextExpectedRanges: info.nextExpectedRanges };
        return 'ok';
      } catch (raw) {
        if (this.ctx.signal.aborted) throw cancelledError(this.ctx.signal.reason);
        const err = toAppError(raw);
        if (isSessionGone(err)) return 'gone';
        await this.budget.wait(err);
      }
    }
  }

  /**
   * The session answered 404. If it had completed (its final answer lost) the attachment is
   * there: done, no duplicate. Otherwise start again from byte 0 in a new session.
   */
  private async afterSessionGone(): Promise<UploadResult | undefined> {
    this.session = undefined; // gone: nothing to delete
    this.ctx.onEvent?.({ type: 'session-expired' });
    const found = await findOurAttachment(this.ctx, this.ctx.preexisting);
    if (found) {
      this.ctx.onEvent?.({ type: 'found-existing', attachmentId: found.id });
      return this.finish(found.id);
    }
    if (++this.restarts > MAX_SESSION_RESTARTS) {
      throw new AppError('UPLOAD_SESSION_EXPIRED', 'The upload session expired too many times.', { status: 404 });
    }
    await this.createSession();
    this.answersWithoutProgress = 0;
    // The new session starts from byte 0: a resumed transfer can now hash the whole file.
    // Seeking first drops any read still in flight, so nothing lands after the restart.
    await this.buffer.seek(0);
    this.hasher.restartIfBroken();
    return undefined;
  }

  /** Every byte was sent but the server neither completed nor asks for more. */
  private async nothingLeftToSend(): Promise<UploadResult> {
    const found = await findOurAttachment(this.ctx, this.ctx.preexisting);
    if (found) return this.finish(found.id);
    throw new AppError('UPLOAD_INCOMPLETE', 'To Do did not complete the upload after receiving every byte.');
  }

  private async createSession(): Promise<void> {
    const { ctx } = this;
    let info: UploadSessionInfo;
    try {
      info = await withRetry(ctx.retryPolicy, () => ctx.sink.createUploadSession(ctx.target, ctx.size, ctx.signal), {
        signal: ctx.signal,
        onRetry: ({ attempt, waitMs, error }) => ctx.onEvent?.({ type: 'retry', attempt, waitMs, code: error.code }),
      });
    } catch (raw) {
      const err = toAppError(raw);
      throw isTaskGone(err) ? taskNotFoundError(err) : err;
    }
    this.session = info;
    this.accepted = resumeOffset(parseRanges(info.nextExpectedRanges)) ?? 0;
    ctx.onEvent?.({ type: 'session-created', size: ctx.size });
    // Stored before the first PUT (see UploadOptions.onSession).
    await ctx.options.onSession?.(info, ctx.size);
  }

  private async finish(attachmentId: string | undefined): Promise<UploadResult> {
    this.session = undefined; // completed: must never be deleted
    let id = attachmentId;
    if (id === undefined) {
      // No Location on the final answer: the id is worth one listing, not a failure.
      id = await findOurAttachment(this.ctx, this.ctx.preexisting).then(
        (a) => a?.id,
        () => undefined,
      );
    }
    this.ctx.options.onProgress?.({ bytesDone: this.ctx.size, total: this.ctx.size });
    return { attachmentId: id, size: this.ctx.size, sha256: this.hasher.digest(this.ctx.size) };
  }

  private requireSession(): UploadSessionInfo {
    if (!this.session) throw new AppError('INTERNAL', 'No upload session.');
    return this.session;
  }

  /** Looks for our attachment with a fresh, short-lived signal (the transfer's own is aborted). */
  private async attachedDespiteCancel(): Promise<UploadResult | undefined> {
    const bound = this.ctx.options.cleanupTimeoutMs ?? SESSION_DELETE_TIMEOUT_MS;
    const check = { ...this.ctx, signal: AbortSignal.timeout(bound), retryPolicy: { ...this.ctx.retryPolicy, maxAttempts: 1 } };
    const found = await findOurAttachment(check, this.ctx.preexisting).catch(() => undefined);
    if (!found) return undefined;
    this.ctx.onEvent?.({ type: 'found-existing', attachmentId: found.id });
    this.ctx.options.onProgress?.({ bytesDone: this.ctx.size, total: this.ctx.size });
    // The hash is only known if every byte passed through this process's hasher.
    return { attachmentId: found.id, size: this.ctx.size, sha256: undefined };
  }

  /** DELETE the session with a fresh, short-lived signal: the transfer's own may be aborted. */
  private async abandonSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    const bound = this.ctx.options.cleanupTimeoutMs ?? SESSION_DELETE_TIMEOUT_MS;
    const timer = new AbortController();
    const signal = AbortSignal.any([AbortSignal.timeout(bound), timer.signal]);
    try {
      await Promise.race([
        this.ctx.sink.deleteUploadSession(session, signal).catch(() => undefined),
        // A sink that ignores its signal must not hang cancellation either.
        delay(bound, undefined, { signal: timer.signal, ref: false }).catch(() => undefined),
      ]);
    } finally {
      timer.abort();
    }
  }
}

/** Reports a body failure (the engine decides whether the source is to blame) and rethrows. */
async function* guardBody(bytes: AsyncGenerator<Buffer>, onFailure: (err: unknown) => void): AsyncGenerator<Buffer> {
  try {
    yield* bytes;
  } catch (err) {
    onFailure(err);
    throw err;
  }
}
