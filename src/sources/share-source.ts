import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { SharedDriveItem } from '../graph/shares';
import type { ByteSource } from '../upload/types';
import { assertDownloadAllowed } from './allowed-hosts';
import type { DownloadPace } from './download-pace';
import { createHttpDownloadSource } from './http-download';

/** What the source needs of Graph /shares (GraphSharesClient, acting for the user). */
export interface SharesApi {
  getDriveItem(sharingUrl: string, signal?: AbortSignal): Promise<SharedDriveItem>;
  contentLocation(sharingUrl: string, signal?: AbortSignal): Promise<string>;
}

export interface ShareSourceOptions {
  shares: SharesApi;
  /** Checked for the sharing URL (before any request) and for the download host Graph redirects to. */
  allowedHosts: readonly string[];
  allowHttpLoopback?: boolean;
  dispatcher?: Dispatcher;
  /** One rate and deadline for the file, across every fresh download link. */
  pace?: DownloadPace;
}

/**
 * A SharePoint/OneDrive file named by a sharing URL (a `reference` attachment). Size comes from
 * `/shares/{id}/driveItem`; bytes from `/shares/{id}/driveItem/content`, whose 302 leads to a
 * pre-authenticated, short-lived download URL: every open asks Graph for a fresh one and fetches
 * it WITHOUT Authorization, with `Range` to resume at the offset the engine asks for.
 */
export function createShareSource(sharingUrl: string, options: ShareSourceOptions): ByteSource {
  const allowHttpLoopback = options.allowHttpLoopback ?? false;
  // Server-side request forgery guard: a URL named in an activity is refused before anything is asked.
  assertDownloadAllowed(sharingUrl, options.allowedHosts, { allowHttpLoopback });
  let current: ByteSource | undefined;
  const drop = (): void => {
    current?.close?.();
    current = undefined;
  };
  return {
    async probeSize(signal: AbortSignal): Promise<number | undefined> {
      return (await options.shares.getDriveItem(sharingUrl, signal)).size;
    },
    async open(offset: number, signal: AbortSignal): Promise<Readable> {
      drop();
      const location = await options.shares.contentLocation(sharingUrl, signal);
      current = createHttpDownloadSource(location, {
        allowedHosts: options.allowedHosts,
        allowHttpLoopback,
        ...(options.dispatcher !== undefined ? { dispatcher: options.dispatcher } : {}),
        ...(options.pace !== undefined ? { pace: options.pace } : {}),
      });
      return current.open(offset, signal);
    },
    close: drop,
  };
}
