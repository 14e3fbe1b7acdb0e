import type { Dispatcher } from 'undici';
import type { Logger } from '../log';
import type { RetryPolicy } from '../retry';
import { badResponseError } from './errors';
import { GraphHttp, type GraphHttpOptions } from './http';
import { asRecord } from './parse';
import { encodeSegments } from './paths';
import type { TokenProvider } from './types';

/**
 * Files stored in SharePoint/OneDrive (channel and group-chat files, message-extension
 * payloads), read through Graph `/shares` with the user's delegated token.
 */

/** Graph's sharing id for a URL: `u!` + base64url of the URL without padding ("Encoding sharing URLs"). */
export function sharingIdFor(url: string): string {
  return `u!${Buffer.from(url, 'utf8').toString('base64url')}`;
}

export function driveItemPath(sharingUrl: string): string {
  return `/shares${encodeSegments(sharingIdFor(sharingUrl))}/driveItem`;
}

export function driveItemContentPath(sharingUrl: string): string {
  return `${driveItemPath(sharingUrl)}/content`;
}

export interface SharedDriveItem {
  id: string;
  name: string;
  /** Bytes; undefined when Graph does not say (folders, some notebooks). */
  size: number | undefined;
  mimeType: string | undefined;
}

export interface GraphSharesClientOptions {
  baseUrl: string;
  tokenProvider: TokenProvider;
  retryPolicy?: RetryPolicy;
  dispatcher?: Dispatcher;
  logger?: Logger;
  onRequest?: GraphHttpOptions['onRequest'];
  onRetry?: GraphHttpOptions['onRetry'];
}

export class GraphSharesClient {
  private readonly http: GraphHttp;

  constructor(options: GraphSharesClientOptions) {
    this.http = new GraphHttp(options);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** `GET /shares/{id}/driveItem`: name and size without downloading. */
  async getDriveItem(sharingUrl: string, signal?: AbortSignal): Promise<SharedDriveItem> {
    const res = await this.http.json({
      operation: 'getSharedDriveItem',
      method: 'GET',
      target: { path: driveItemPath(sharingUrl) },
      signal,
      // Deleted, moved or never shared with this user: the file is not there for them.
      notFoundCode: 'DOWNLOAD_NOT_FOUND',
      replay: 'idempotent',
    });
    const body = asRecord(res.body);
    const id = body?.['id'];
    if (!body || typeof id !== 'string') throw badResponseError('a drive item without an id', res.clientRequestId);
    const size = body['size'];
    const file = asRecord(body['file']);
    const mime = file?.['mimeType'];
    return {
      id,
      name: typeof body['name'] === 'string' ? body['name'] : '',
      size: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined,
      mimeType: typeof mime === 'string' ? mime : undefined,
    };
  }

  /**
   * `GET /shares/{id}/driveItem/content` answers 302 with a pre-authenticated download URL on
   * another host. We take the Location and never follow it here: the bearer token must not
   * travel to the download host (it is fetched without Authorization by the source).
   */
  async contentLocation(sharingUrl: string, signal?: AbortSignal): Promise<string> {
    const res = await this.http.json({
      operation: 'getSharedContent',
      method: 'GET',
      target: { path: driveItemContentPath(sharingUrl) },
      signal,
      notFoundCode: 'DOWNLOAD_NOT_FOUND',
      alsoAccept: [302],
      replay: 'idempotent',
    });
    const raw = res.headers['location'];
    const location = Array.isArray(raw) ? raw[0] : raw;
    if (res.status !== 302 || typeof location !== 'string' || location === '') {
      throw badResponseError('file content without a download location', res.clientRequestId, { status: res.status });
    }
    try {
      return new URL(location, this.http.baseUrl).toString();
    } catch {
      throw badResponseError('an invalid download location', res.clientRequestId);
    }
  }
}
