import { AppError, toAppError } from '../errors';
import { withRetry, type RetryPolicy } from '../retry';
import type { AttachmentSink, AttachmentSummary, UploadEvent, UploadTarget } from './types';

export interface CheckContext {
  sink: AttachmentSink;
  target: UploadTarget;
  size: number;
  signal: AbortSignal;
  retryPolicy: RetryPolicy;
  onEvent?: (event: UploadEvent) => void;
}

/** A 404 on the task itself (not on an upload session): the task was deleted. */
export function isTaskGone(err: AppError): boolean {
  return err.code === 'TASK_NOT_FOUND' || err.code === 'GRAPH_NOT_FOUND';
}

export function taskNotFoundError(cause: AppError): AppError {
  if (cause.code === 'TASK_NOT_FOUND') return cause;
  return new AppError('TASK_NOT_FOUND', 'The task no longer exists in Microsoft To Do.', {
    status: cause.status ?? 404,
    requestId: cause.requestId,
    clientRequestId: cause.clientRequestId,
    cause,
  });
}

/** Lists the task's attachments, retrying per policy; a missing task becomes TASK_NOT_FOUND. */
export async function listAttachments(ctx: CheckContext): Promise<AttachmentSummary[]> {
  try {
    return await withRetry(ctx.retryPolicy, () => ctx.sink.listAttachments(ctx.target, ctx.signal), {
      signal: ctx.signal,
      onRetry: ({ attempt, waitMs, error }) => ctx.onEvent?.({ type: 'retry', attempt, waitMs, code: error.code }),
    });
  } catch (raw) {
    const err = toAppError(raw);
    throw isTaskGone(err) ? taskNotFoundError(err) : err;
  }
}

/**
 * The attachment this transfer created, if a request whose answer was lost (or a session that
 * completed just before it expired) already made it: same name and size, and not among the
 * attachments the task had before the transfer started. This is what keeps retries from
 * attaching the file twice.
 */
export async function findOurAttachment(ctx: CheckContext, preexisting: ReadonlySet<string>): Promise<AttachmentSummary | undefined> {
  const list = await listAttachments(ctx);
  return list.find((a) => a.name === ctx.target.fileName && a.size === ctx.size && !preexisting.has(a.id));
}
