/**
 * One error vocabulary for the whole app: every failure that can reach a user or a log is an
 * AppError with a stable `code`. Users see `userMessage(err)` (a sentence chosen by code); logs
 * get the code, status and ids. Messages never contain URLs (see src/redact.ts).
 */

export const ERROR_CODES = [
  'GRAPH_THROTTLED',
  'GRAPH_UNAVAILABLE',
  'GRAPH_SERVER_ERROR',
  'GRAPH_UNAUTHORIZED',
  'GRAPH_FORBIDDEN',
  'GRAPH_NOT_FOUND',
  'GRAPH_BAD_REQUEST',
  'GRAPH_CONFLICT',
  'GRAPH_PAYLOAD_TOO_LARGE',
  'GRAPH_BAD_RESPONSE',
  'NETWORK_ERROR',
  'UPLOAD_SESSION_EXPIRED',
  'UPLOAD_INCOMPLETE',
  'FILE_TOO_LARGE',
  'SOURCE_SIZE_MISMATCH',
  'DOWNLOAD_HOST_NOT_ALLOWED',
  'DOWNLOAD_FAILED',
  'DOWNLOAD_EXPIRED',
  'DOWNLOAD_NOT_FOUND',
  'DOWNLOAD_TOO_SLOW',
  'SOURCE_NOT_SUPPORTED',
  'TASK_NOT_FOUND',
  'CLOUD_NOT_SUPPORTED',
  'CANCELLED',
  'RETRY_EXHAUSTED',
  'CONFIG_INVALID',
  'SIGN_IN_REQUIRED',
  'SIGN_IN_UNAVAILABLE',
  'TEAMS_THROTTLED',
  'TEAMS_ERROR',
  'BAD_REQUEST',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorOptions {
  status?: number;
  retryAfterMs?: number;
  requestId?: string;
  clientRequestId?: string;
  graphCode?: string;
  /** Whether retrying the same request may succeed (throttling, 5xx, resets). */
  retryable?: boolean;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly requestId: string | undefined;
  readonly clientRequestId: string | undefined;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.requestId = options.requestId;
    this.clientRequestId = options.clientRequestId;
    this.retryable = options.retryable ?? false;
  }

  /** What a log line gets: code and ids, never a URL or token. */
  toLog(): Record<string, unknown> {
    return {
      code: this.code,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      requestId: this.requestId,
      clientRequestId: this.clientRequestId,
      message: this.message,
    };
  }
}

/** An error answered by Microsoft Graph (or by the network on the way to it). */
export class GraphError extends AppError {
  /** Graph's own `error.code`, e.g. "ErrorItemNotFound". */
  readonly graphCode: string | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(code, message, options);
    this.name = 'GraphError';
    this.graphCode = options.graphCode;
  }

  override toLog(): Record<string, unknown> {
    return { ...super.toLog(), graphCode: this.graphCode };
  }
}

/**
 * Abort reason for a transfer stopped by a shutdown rather than by its user: the upload
 * session is kept (not deleted) so the next start resumes it, exactly as after a crash.
 */
export class TransferSuspended extends Error {
  constructor() {
    super('The transfer was suspended by a shutdown.');
    this.name = 'TransferSuspended';
  }
}

/**
 * Abort reason for a transfer paused because its user signed out: like a shutdown, the upload
 * session is kept, and the job waits for the user's next sign-in.
 */
export class SignInPause extends TransferSuspended {
  constructor() {
    super();
    this.message = 'The transfer was paused until its user signs in again.';
    this.name = 'SignInPause';
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

export function cancelledError(cause?: unknown): AppError {
  return new AppError('CANCELLED', 'The transfer was cancelled.', { cause });
}

/** Converts anything thrown into an AppError without leaking its message to users. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isAbortError(err)) return cancelledError(err);
  return new AppError('INTERNAL', 'Unexpected internal error.', { cause: err });
}

export function isAbortError(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    'name' in err &&
    ((err as { name: unknown }).name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR')
  );
}

/** The sentence a user sees for an error, chosen by code. */
export function userMessage(err: unknown, fileName?: string): string {
  const e = toAppError(err);
  const file = fileName ? `“${fileName}”` : 'The file';
  switch (e.code) {
    case 'FILE_TOO_LARGE':
      return e.message;
    case 'GRAPH_THROTTLED':
    case 'GRAPH_UNAVAILABLE':
    case 'GRAPH_SERVER_ERROR':
    case 'NETWORK_ERROR':
    case 'RETRY_EXHAUSTED':
      return 'Microsoft To Do was busy or unreachable for too long. Nothing was attached; please try again in a few minutes.';
    case 'GRAPH_UNAUTHORIZED':
      return 'Your sign-in to Microsoft To Do expired and could not be renewed. Please sign in again and retry.';
    case 'GRAPH_FORBIDDEN':
      return 'Microsoft To Do refused access to this list or task. Check that you can still edit it.';
    case 'TASK_NOT_FOUND':
    case 'GRAPH_NOT_FOUND':
      return 'The task could not be found in Microsoft To Do. It may have been deleted; pick another task and retry.';
    case 'UPLOAD_SESSION_EXPIRED':
    case 'UPLOAD_INCOMPLETE':
      return 'The upload to Microsoft To Do was interrupted and could not be resumed. Please retry.';
    case 'DOWNLOAD_HOST_NOT_ALLOWED':
      return `${file} is stored somewhere this app is not allowed to download from, so it was not attached.`;
    case 'DOWNLOAD_EXPIRED':
      return `The link Teams gave for ${file} has expired. Please send the file again.`;
    case 'DOWNLOAD_NOT_FOUND':
      return `${file} could not be found where Teams stored it. It may have been deleted or moved.`;
    case 'DOWNLOAD_TOO_SLOW':
      return `${file} came too slowly from where Teams stored it, so I stopped to keep room for other transfers. Please try again later.`;
    case 'SOURCE_NOT_SUPPORTED':
      return `${file} was not attached: here this app reads files shared in Teams and images in messages with its own permissions, not yours, so it only takes files sent to it directly. Send the file to me in our 1:1 chat instead.`;
    case 'DOWNLOAD_FAILED':
    case 'SOURCE_SIZE_MISMATCH':
      return `${file} could not be downloaded from Teams. Please try again.`;
    case 'CLOUD_NOT_SUPPORTED':
      return 'Microsoft To Do attachments are not available in this cloud.';
    case 'CANCELLED':
      return 'The transfer was cancelled. Nothing was attached.';
    case 'GRAPH_PAYLOAD_TOO_LARGE':
      return `${file} is too large for Microsoft To Do.`;
    case 'BAD_REQUEST':
      return e.message;
    case 'SIGN_IN_REQUIRED':
      return 'Please sign in to Microsoft To Do first: use the Sign in button I sent you.';
    case 'SIGN_IN_UNAVAILABLE':
      return 'The Microsoft sign-in service could not be reached. Nothing was attached; please try again in a few minutes.';
    default:
      return 'Something went wrong on our side. Nothing was attached; please try again.';
  }
}

export const MAX_ATTACHMENT_BYTES = 26_214_400;

/**
 * "… is 31.4 MB; To Do accepts files up to 25 MB". Sizes round to one decimal, but up near the
 * limit, so a file just over it never reads "25.0 MB"; when only a lower bound is known (spooling stopped early),
 * the sentence says "more than 25 MB".
 */
export function fileTooLargeError(name: string, size: number, sizeIsLowerBound = false): AppError {
  const mb = size / 1_048_576;
  const rounded = Math.round(mb * 10) / 10 > 25 ? Math.round(mb * 10) / 10 : Math.ceil(mb * 10) / 10;
  const shown = sizeIsLowerBound ? 'more than 25 MB' : `${rounded.toFixed(1)} MB`;
  return new AppError('FILE_TOO_LARGE', `“${name}” is ${shown}; To Do accepts files up to 25 MB.`, { status: 413 });
}
