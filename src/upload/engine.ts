import { AppError, cancelledError, fileTooLargeError, MAX_ATTACHMENT_BYTES, toAppError } from '../errors';
import { DEFAULT_RETRY_POLICY, withRetry } from '../retry';
import { listAttachments, type CheckContext } from './attachments-check';
import { DEFAULT_CHUNK_BYTES, SMALL_UPLOAD_LIMIT, validateChunkSize } from './chunk-plan';
import { uploadInSession } from './session-upload';
import { uploadSmall } from './small-upload';
import { spoolToTempFile, type Spooled } from './spool';
import { toSourceError } from './source-errors';
import type { AttachmentSink, ByteSource, UploadOptions, UploadResult, UploadTarget } from './types';

/**
 * Streams one file from a byte source into a To Do task attachment.
 *
 * - Size: announced, probed, or learnt by spooling to a temporary file (never memory); over
 *   25 MB fails before To Do is called at all.
 * - Empty and small files (< 3 MB): one POST. Larger: one upload session, chunks cut through
 *   from the source while it is still arriving, each kept in memory only until accepted.
 * - Continues from the server's ranges after every answer and every failure; retries per
 *   `options.retryPolicy`; never leaves a duplicate attachment or a half-made one on cancel.
 */
export async function uploadAttachment(
  source: ByteSource,
  target: UploadTarget,
  sink: AttachmentSink,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const signal = options.signal ?? new AbortController().signal;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const chunkProblem = validateChunkSize(chunkBytes);
  if (chunkProblem) throw new AppError('CONFIG_INVALID', `The upload chunk size ${chunkProblem}.`);
  const retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const onEvent = options.onEvent;
  let spooled: Spooled | undefined;
  try {
    if (signal.aborted) throw cancelledError(signal.reason);
    let from = source;
    let size = source.size ?? (await probeSize(source, signal, options));
    if (size === undefined) {
      spooled = await spoolToTempFile(source, { dir: options.spoolDir, fileName: target.fileName, signal, retryPolicy, onEvent });
      from = spooled.source;
      size = spooled.size;
    }
    if (size > MAX_ATTACHMENT_BYTES) throw fileTooLargeError(target.fileName, size);

    const check: CheckContext = { sink, target, size, signal, retryPolicy, onEvent };
    const preexisting = await snapshotAttachments(check, options);
    // An upload session cannot take 0 bytes; a stored session is only resumed for real content.
    if (size < SMALL_UPLOAD_LIMIT && !(options.resumeSession && size > 0)) {
      return await uploadSmall({ ...check, source: from, options, preexisting });
    }
    return await uploadInSession({ ...check, source: from, options, preexisting, chunkBytes });
  } catch (err) {
    if (signal.aborted) throw cancelledError(signal.reason);
    throw toAppError(err);
  } finally {
    source.close?.();
    await spooled?.remove();
  }
}

async function probeSize(source: ByteSource, signal: AbortSignal, options: UploadOptions): Promise<number | undefined> {
  const probe = source.probeSize?.bind(source);
  if (!probe) return undefined;
  return withRetry(
    options.retryPolicy ?? DEFAULT_RETRY_POLICY,
    async () => {
      try {
        return await probe(signal);
      } catch (err) {
        throw toSourceError(err);
      }
    },
    {
      signal,
      onRetry: ({ attempt, waitMs, error }) => options.onEvent?.({ type: 'retry', attempt, waitMs, code: error.code }),
    },
  );
}

/**
 * The ids of the task's attachments before anything is sent, so that after a lost answer or an
 * expired session "a new attachment with this name and size" can only be ours. Carried across a
 * restart through options.preexistingAttachmentIds. Also fails early when the task is gone.
 */
async function snapshotAttachments(check: CheckContext, options: UploadOptions): Promise<ReadonlySet<string>> {
  const ids = options.preexistingAttachmentIds ? [...options.preexistingAttachmentIds] : (await listAttachments(check)).map((a) => a.id);
  await options.onPreexisting?.(ids);
  return new Set(ids);
}
