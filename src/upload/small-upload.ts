import { AppError, cancelledError, toAppError } from '../errors';
import { findOurAttachment, isTaskGone, taskNotFoundError, type CheckContext } from './attachments-check';
import { sha256Hex } from './hashing';
import { RetryBudget } from './retry-budget';
import { SourceCursor } from './source-cursor';
import { sizeMismatchError, toSourceError } from './source-errors';
import type { ByteSource, UploadOptions, UploadResult } from './types';

export interface SmallUploadContext extends CheckContext {
  source: ByteSource;
  options: UploadOptions;
  preexisting: ReadonlySet<string>;
}

/**
 * Files under 3 MB (and empty ones, which an upload session cannot take) go in one POST with
 * contentBytes. The bytes are read into one Buffer: bounded by the 3 MB limit.
 */
export async function uploadSmall(ctx: SmallUploadContext): Promise<UploadResult> {
  const bytes = await readWhole(ctx);
  const sha256 = sha256Hex(bytes);
  const budget = new RetryBudget(ctx.retryPolicy, ctx.signal, ctx.onEvent);
  const found = (attachmentId: string): UploadResult => {
    ctx.onEvent?.({ type: 'found-existing', attachmentId });
    ctx.options.onProgress?.({ bytesDone: ctx.size, total: ctx.size });
    return { attachmentId, size: ctx.size, sha256 };
  };
  // A resumed or retried transfer (it carries the earlier snapshot) may have POSTed already,
  // e.g. just before a shutdown: look before POSTing again.
  if (ctx.options.preexistingAttachmentIds !== undefined) {
    const earlier = await findOurAttachment(ctx, ctx.preexisting);
    if (earlier) return found(earlier.id);
  }
  for (;;) {
    try {
      const created = await ctx.sink.createSmallAttachment(ctx.target, bytes, ctx.signal);
      ctx.options.onProgress?.({ bytesDone: ctx.size, total: ctx.size });
      return { attachmentId: created.id, size: ctx.size, sha256 };
    } catch (raw) {
      if (ctx.signal.aborted) throw cancelledError(ctx.signal.reason);
      const err = toAppError(raw);
      if (isTaskGone(err)) throw taskNotFoundError(err);
      // A POST whose answer was lost may have created the attachment: look before re-POSTing,
      // and before giving up (so a failure is never reported for a file that did arrive).
      if (answerMayBeLost(err)) {
        const existing = await findOurAttachment(ctx, ctx.preexisting).catch(() => undefined);
        if (existing) return found(existing.id);
      }
      await budget.wait(err);
    }
  }
}

/** 429, 503 and 401 are answers: the request was not carried out. Anything else may have been. */
function answerMayBeLost(err: AppError): boolean {
  return !(err.status === 429 || err.status === 503 || err.status === 401 || err.code === 'GRAPH_THROTTLED' || err.code === 'GRAPH_UNAUTHORIZED');
}

async function readWhole(ctx: SmallUploadContext): Promise<Buffer> {
  const { size, signal } = ctx;
  const out = Buffer.allocUnsafe(size);
  const budget = new RetryBudget(ctx.retryPolicy, signal, ctx.onEvent);
  let got = 0;
  for (;;) {
    let cursor: SourceCursor | undefined;
    try {
      cursor = new SourceCursor(await ctx.source.open(got, signal));
      for (;;) {
        // One byte more than announced is enough to notice a source longer than its size.
        const piece = await cursor.read(size - got + 1, signal);
        if (piece === null) break;
        if (got + piece.length > size) throw sizeMismatchError(size, 'long');
        piece.copy(out, got);
        got += piece.length;
        budget.reset();
      }
      if (got < size) throw sizeMismatchError(size, 'short', got);
      return out;
    } catch (raw) {
      const err = toSourceError(raw);
      if (err.code === 'SOURCE_SIZE_MISMATCH' || err.code === 'CANCELLED') throw err;
      // A dropped download resumes at the first byte not yet read.
      await budget.wait(err);
    } finally {
      cursor?.destroy();
    }
  }
}
