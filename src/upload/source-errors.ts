import { AppError, cancelledError, isAbortError } from '../errors';

/** Node/undici error codes of a connection that dropped: reading again may work. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns whatever a byte source threw into an AppError. Sources should throw AppErrors
 * themselves; anything else is classified by its code, and its message (which may hold a path
 * or URL) is not copied.
 */
export function toSourceError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isAbortError(err)) return cancelledError(err);
  const code = errorCode(err);
  const transient = code !== undefined && TRANSIENT_CODES.has(code);
  return new AppError('DOWNLOAD_FAILED', `Reading the file failed${code ? ` (${code})` : ''}.`, { retryable: transient });
}

export function sizeMismatchError(expected: number, what: 'short' | 'long', got?: number): AppError {
  const detail = what === 'short' ? `ended after ${got ?? 'fewer'} bytes` : 'gave more bytes';
  return new AppError('SOURCE_SIZE_MISMATCH', `The file was announced as ${expected} bytes but ${detail}.`);
}
