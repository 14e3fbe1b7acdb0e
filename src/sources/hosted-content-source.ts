import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { hostedContentUrl } from '../graph/hosted-contents';
import type { TokenProvider } from '../graph/types';
import type { ByteSource } from '../upload/types';
import type { DownloadPace } from './download-pace';
import { createHttpDownloadSource } from './http-download';

export interface HostedContentSourceOptions {
  graphBaseUrl: string;
  tokenProvider: TokenProvider;
  allowHttpLoopback?: boolean;
  dispatcher?: Dispatcher;
  /** One rate and deadline for the file, across every fresh download link. */
  pace?: DownloadPace;
}

/**
 * A pasted image: `GET …/hostedContents/{id}/$value` with the user's bearer token. The URL is
 * checked to be a hosted content link on the Graph origin (hostedContentUrl), and the only host
 * allowed is Graph's own, so the token cannot be sent anywhere else (redirects drop it too).
 * Each request asks for a token: a long transfer can outlive one.
 */
export function createHostedContentSource(contentUrl: string, options: HostedContentSourceOptions): ByteSource {
  const url = hostedContentUrl(contentUrl, options.graphBaseUrl);
  const graphHost = new URL(url).host;
  let current: ByteSource | undefined;
  const fresh = async (): Promise<ByteSource> => {
    current?.close?.();
    current = createHttpDownloadSource(url, {
      allowedHosts: [graphHost],
      allowHttpLoopback: options.allowHttpLoopback ?? false,
      headers: { authorization: `Bearer ${await options.tokenProvider()}` },
      ...(options.dispatcher !== undefined ? { dispatcher: options.dispatcher } : {}),
      ...(options.pace !== undefined ? { pace: options.pace } : {}),
    });
    return current;
  };
  return {
    async probeSize(signal: AbortSignal): Promise<number | undefined> {
      const s = await fresh();
      return s.probeSize?.(signal);
    },
    async open(offset: number, signal: AbortSignal): Promise<Readable> {
      // The response kept by probeSize serves the open(0) that follows; otherwise ask again.
      const s = offset === 0 && current ? current : await fresh();
      return s.open(offset, signal);
    },
    close(): void {
      current?.close?.();
      current = undefined;
    },
  };
}
