import { randomBytes } from 'node:crypto';
import { graphTime, newGraphId } from './store';
import { httpError, type Exchange } from '../http-util';

/**
 * The parts of Graph outside To Do that the message extension reads:
 * - `/shares/{sharing id}/driveItem` and `/driveItem/content` for SharePoint/OneDrive files
 *   (sharing id = `u!` + base64url of the URL without padding). The content request answers
 *   302 to a pre-authenticated download URL on another host (the file host emulator), as Graph
 *   does ("returns a 302 Found response redirecting to a pre-authenticated download URL").
 * - `…/messages/{id}/hostedContents/{id}/$value` for images pasted into chat and channel messages.
 */

export interface SharedFileInput {
  /** The file's SharePoint/OneDrive URL, as a `reference` attachment's contentUrl names it. */
  webUrl: string;
  name: string;
  size: number;
  /** The pre-authenticated URL the content request redirects to (a file host emulator URL). */
  downloadUrl: string;
  mimeType?: string;
}

export interface SharedFile extends SharedFileInput {
  id: string;
  createdDateTime: string;
}

export type MessageLocation = { chatId: string } | { teamId: string; channelId: string };

export interface HostedContentInput {
  where: MessageLocation;
  messageId: string;
  content: Buffer;
  contentType?: string;
}

interface StoredHostedContent {
  key: string;
  id: string;
  content: Buffer;
  contentType: string;
}

export class SharesStore {
  private readonly byUrl = new Map<string, SharedFile>();
  private readonly hosted = new Map<string, StoredHostedContent>();

  addSharedFile(input: SharedFileInput): SharedFile {
    const file: SharedFile = { ...input, id: newGraphId(), createdDateTime: graphTime() };
    this.byUrl.set(input.webUrl, file);
    return file;
  }

  /** The file is deleted from SharePoint: /shares answers 404 itemNotFound from now on. */
  removeSharedFile(webUrl: string): boolean {
    return this.byUrl.delete(webUrl);
  }

  /** Registers a pasted image; returns its hosted content id and the message-relative path. */
  addHostedContent(input: HostedContentInput): { id: string; path: string } {
    // Hosted content ids are base64 text, often ending in '=' (clients must encode them).
    const id = Buffer.from(`id=x_0-${randomBytes(6).toString('hex')},type=1,url=`).toString('base64');
    const path = `${messagePath(input.where, input.messageId)}/hostedContents/${encodeURIComponent(id)}/$value`;
    this.hosted.set(hostedKey(input.where, input.messageId, id), { key: path, id, content: Buffer.from(input.content), contentType: input.contentType ?? 'image/png' });
    return { id, path };
  }

  sharedFileCount(): number {
    return this.byUrl.size;
  }

  fileForSharingId(sharingId: string): SharedFile | undefined {
    if (!sharingId.startsWith('u!')) return undefined;
    const encoded = sharingId.slice(2);
    if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
    return this.byUrl.get(Buffer.from(encoded, 'base64url').toString('utf8'));
  }

  hostedContent(where: MessageLocation, messageId: string, id: string): StoredHostedContent | undefined {
    return this.hosted.get(hostedKey(where, messageId, id));
  }
}

function messagePath(where: MessageLocation, messageId: string): string {
  const m = encodeURIComponent(messageId);
  return 'chatId' in where
    ? `/chats/${encodeURIComponent(where.chatId)}/messages/${m}`
    : `/teams/${encodeURIComponent(where.teamId)}/channels/${encodeURIComponent(where.channelId)}/messages/${m}`;
}

function hostedKey(where: MessageLocation, messageId: string, id: string): string {
  return JSON.stringify(['chatId' in where ? ['chat', where.chatId] : ['channel', where.teamId, where.channelId], messageId, id]);
}

function notFound(): Error {
  return httpError(404, 'The resource could not be found.', 'itemNotFound');
}

/** `segs` is the path after `/v1.0/shares`. */
export async function handleShares(ex: Exchange, store: SharesStore, segs: string[]): Promise<void> {
  const [sharingId, driveItem, content, ...extra] = segs;
  if (sharingId === undefined || driveItem !== 'driveItem' || extra.length > 0 || (content !== undefined && content !== 'content')) {
    throw httpError(404, 'Resource not found for the segment in the request path.', 'ResourceNotFound');
  }
  if (ex.method !== 'GET') throw httpError(405, `The method ${ex.method} is not allowed on this resource.`, 'MethodNotAllowed');
  const file = store.fileForSharingId(sharingId);
  if (!file) throw notFound();
  if (content === undefined) {
    await ex.sendJson(200, {
      id: file.id,
      name: file.name,
      size: file.size,
      webUrl: file.webUrl,
      createdDateTime: file.createdDateTime,
      lastModifiedDateTime: file.createdDateTime,
      file: { mimeType: file.mimeType ?? 'application/octet-stream' },
    });
    return;
  }
  // Graph does not serve the bytes itself: it redirects to a pre-authenticated URL.
  await ex.sendEmpty(302, { location: file.downloadUrl, 'content-length': 0 });
}

/** `segs` is the path after `/v1.0` starting at `chats` or `teams`. */
export async function handleHostedContent(ex: Exchange, store: SharesStore, segs: string[]): Promise<void> {
  let where: MessageLocation | undefined;
  let rest: string[] = [];
  if (segs[0] === 'chats' && segs[1] && segs[2] === 'messages') {
    where = { chatId: segs[1] };
    rest = segs.slice(3);
  } else if (segs[0] === 'teams' && segs[1] && segs[2] === 'channels' && segs[3] && segs[4] === 'messages') {
    where = { teamId: segs[1], channelId: segs[3] };
    rest = segs.slice(5);
  }
  const [messageId, hostedContents, id, leaf, ...extra] = rest;
  if (!where || !messageId || hostedContents !== 'hostedContents' || !id || extra.length > 0 || (leaf !== undefined && leaf !== '$value')) {
    throw httpError(404, 'Resource not found for the segment in the request path.', 'ResourceNotFound');
  }
  if (ex.method !== 'GET') throw httpError(405, `The method ${ex.method} is not allowed on this resource.`, 'MethodNotAllowed');
  const item = store.hostedContent(where, messageId, id);
  if (!item) throw notFound();
  if (leaf === undefined) {
    await ex.sendJson(200, { id: item.id, contentBytes: null, contentType: null });
    return;
  }
  await ex.send(200, { 'content-type': item.contentType, 'content-length': item.content.length }, item.content);
}
