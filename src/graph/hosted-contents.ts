import { AppError } from '../errors';
import { encodeSegments } from './paths';

/**
 * Pasted images in chat and channel messages: `…/messages/{id}/hostedContents/{id}/$value`
 * (delegated Chat.Read / ChannelMessage.Read.All). The URL comes from the message HTML, so it
 * is accepted only when it is on the configured Graph origin and has exactly that shape: the
 * bearer token goes nowhere else.
 */
const SHAPES: ReadonlyArray<readonly string[]> = [
  ['chats', '*', 'messages', '*', 'hostedContents', '*', '$value'],
  ['chats', '*', 'messages', '*', 'replies', '*', 'hostedContents', '*', '$value'],
  ['teams', '*', 'channels', '*', 'messages', '*', 'hostedContents', '*', '$value'],
  ['teams', '*', 'channels', '*', 'messages', '*', 'replies', '*', 'hostedContents', '*', '$value'],
];

function refused(): AppError {
  return new AppError('DOWNLOAD_HOST_NOT_ALLOWED', 'The image is not a Microsoft Graph hosted content link.', { status: 403 });
}

/** The canonical absolute URL (segments re-encoded) of a hosted content's bytes, or a refusal. */
export function hostedContentUrl(contentUrl: string, graphBaseUrl: string): string {
  let url: URL;
  let base: URL;
  try {
    url = new URL(contentUrl);
    base = new URL(graphBaseUrl.replace(/\/+$/, ''));
  } catch {
    throw refused();
  }
  if (url.origin !== base.origin || url.username !== '' || url.password !== '' || url.search !== '') throw refused();
  const basePath = base.pathname.replace(/\/+$/, '');
  if (!url.pathname.startsWith(`${basePath}/`)) throw refused();
  let segments: string[];
  try {
    segments = url.pathname.slice(basePath.length + 1).split('/').map((s) => decodeURIComponent(s));
  } catch {
    throw refused();
  }
  const shape = SHAPES.find((s) => s.length === segments.length && s.every((want, i) => (want === '*' ? (segments[i] ?? '') !== '' : segments[i] === want)));
  if (!shape) throw refused();
  const last = segments.pop();
  return `${base.origin}${basePath}${encodeSegments(...segments)}/${last ?? '$value'}`;
}

/** True when the URL looks like a hosted content link (any host): used to list images in a message. */
export function looksLikeHostedContent(contentUrl: string): boolean {
  return /\/hostedContents\/[^/]+\/\$value$/.test(contentUrl.split('?')[0] ?? '');
}
