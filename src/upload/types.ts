import type { Readable } from 'node:stream';
import type { RetryPolicy } from '../retry';

/**
 * The engine's two small interfaces (tus-js-client habit): a source of bytes that can be
 * reopened at any offset, and a sink that says what it accepted. The engine knows neither
 * Teams nor Graph URLs.
 */
export interface ByteSource {
  /** Size in bytes when known before reading (Teams gives none for chat files). */
  size?: number;
  /** A stream of the bytes from `offset` to the end. Reopened at the offset the server asks for. */
  open(offset: number, signal: AbortSignal): Promise<Readable>;
  /**
   * Learns the size without reading the body when the source can (e.g. Content-Length of a
   * download); undefined when unknown. Optional: the engine spools to disk when still unknown.
   */
  probeSize?(signal: AbortSignal): Promise<number | undefined>;
  /**
   * Releases anything held between calls (e.g. a download response kept from probeSize for the
   * open(0) that usually follows). Optional; the engine calls it when the transfer ends.
   */
  close?(): void;
}

/** Where the attachment goes. */
export interface UploadTarget {
  listId: string;
  taskId: string;
  fileName: string;
  contentType: string;
}

export interface AttachmentSummary {
  id: string;
  name: string;
  size: number;
  /** ISO time the attachment was last modified (created, for a new attachment). */
  lastModifiedDateTime?: string;
}

export interface UploadSessionInfo {
  uploadUrl: string;
  expirationDateTime?: string;
  nextExpectedRanges: string[];
}

export type ChunkAnswer =
  | { done: false; nextExpectedRanges: string[] }
  | { done: true; attachmentId: string | undefined };

export interface ChunkRequest {
  session: UploadSessionInfo;
  /** First byte of this chunk. */
  start: number;
  /** Last byte of this chunk, inclusive. */
  end: number;
  total: number;
  /** Exactly end - start + 1 bytes; may still be arriving from the source (cut-through). */
  body: Readable;
  signal: AbortSignal;
}

/** What the engine needs of To Do. Implemented by the Graph client (src/graph/). */
export interface AttachmentSink {
  listAttachments(target: UploadTarget, signal: AbortSignal): Promise<AttachmentSummary[]>;
  /** One POST with contentBytes, for small and empty files. */
  createSmallAttachment(target: UploadTarget, bytes: Buffer, signal: AbortSignal): Promise<AttachmentSummary>;
  createUploadSession(target: UploadTarget, size: number, signal: AbortSignal): Promise<UploadSessionInfo>;
  /** PUT one chunk. Throws an AppError (UPLOAD_SESSION_EXPIRED on 404) when it is not accepted. */
  putChunk(request: ChunkRequest): Promise<ChunkAnswer>;
  /** Ask where the session stands (GET on the session), for resuming after a failure. */
  getUploadSession?(session: UploadSessionInfo, signal: AbortSignal): Promise<UploadSessionInfo>;
  deleteUploadSession(session: UploadSessionInfo, signal: AbortSignal): Promise<void>;
}

export interface UploadProgress {
  bytesDone: number;
  total: number;
}

export interface UploadOptions {
  chunkBytes?: number;
  retryPolicy?: RetryPolicy;
  signal?: AbortSignal;
  onProgress?: (progress: UploadProgress) => void;
  /**
   * Called when an upload session exists, so a job can store it and resume after a restart.
   * Awaited before the first PUT: after a crash, a record without the session would start a
   * second session for a file the first one may already have completed.
   */
  onSession?: (session: UploadSessionInfo, size: number) => void | Promise<void>;
  /** Resume an existing session (from a stored job) instead of creating one. */
  resumeSession?: UploadSessionInfo;
  /** Time this transfer first started (ISO); attachments created after it count as ours. */
  startedAt?: string;
  /** Directory for spooling sources of unknown size. Defaults to the OS temp dir. */
  spoolDir?: string;
  /** Where to emit diagnostic events (retries, session restarts). */
  onEvent?: (event: UploadEvent) => void;
  /**
   * Ids of the task's attachments before this transfer first started (from a stored job after
   * a restart). An attachment with the file's name and size that is not among them is ours,
   * which is how a retry avoids attaching twice. Taken by the engine when not given.
   */
  preexistingAttachmentIds?: readonly string[];
  /**
   * Called with the snapshot of attachment ids before the first upload request, and awaited:
   * the POST (or session) that follows is not idempotent, so the snapshot must be stored
   * durably first, or a restart after a crash takes a new one that already holds our file.
   */
  onPreexisting?: (ids: string[]) => void | Promise<void>;
  /** Bound on the session DELETE after a cancel or failure (ms, default 5000): cancelling must not hang. */
  cleanupTimeoutMs?: number;
  /** Instrumentation: the most source bytes held in memory at once, reported when the transfer ends. */
  onBufferHighWater?: (bytes: number) => void;
}

export type UploadEvent =
  | { type: 'retry'; attempt: number; waitMs: number; code: string }
  | { type: 'session-created'; size: number }
  | { type: 'session-expired' }
  | { type: 'resumed'; offset: number }
  | { type: 'found-existing'; attachmentId: string };

export interface UploadResult {
  attachmentId: string | undefined;
  size: number;
  /**
   * SHA-256 (hex) of the bytes sent, computed while streaming. Undefined only when the
   * transfer resumed a stored session mid-file after a restart (the prefix was sent by an
   * earlier process and is not read again just to hash it).
   */
  sha256: string | undefined;
}
