import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JobSource } from '../jobs/job';
import { contentTypeFor } from '../sources/content-type';
import { MAX_URL_LENGTH } from './limits';

/** A file a message offers us, before anyone picked a task for it. */
export interface FileOffer {
  name: string;
  contentType: string;
  source: JobSource;
  /** Known only after probing: Teams attachments carry no size. */
  size?: number;
  /** Why this file cannot be attached (too large, host not allowed), as a sentence. */
  refusal?: string;
  /**
   * Where the file lives for good (its SharePoint/OneDrive address), when Teams says: a file
   * too large to attach can go on the task as a link to it.
   */
  webUrl?: string;
  /** Too large for To Do, but it has a durable address: offered as a link instead (issue 14 §3). */
  linkOnly?: boolean;
  /** Which file this is, hashed (see FileJob.sourceKey). */
  sourceKey?: string;
}

/** A short, non-secret key for a file's identity (never the address itself in clear). */
export function sourceKeyOf(kind: 'teams' | 'share' | 'hosted', id: string): string {
  return createHash('sha256').update(`${kind}:${id}`).digest('hex').slice(0, 32);
}

export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

const DownloadInfoAttachment = z.object({
  contentType: z.literal(FILE_DOWNLOAD_INFO),
  name: z.string().trim().min(1).max(400),
  /** The file's OneDrive address (the sender's "Microsoft Teams Chat Files"); never fetched. */
  contentUrl: z.string().max(MAX_URL_LENGTH).url().optional().catch(undefined),
  content: z.object({
    downloadUrl: z.string().max(MAX_URL_LENGTH).url(),
    fileType: z.string().optional(),
    uniqueId: z.string().optional(),
  }),
});

/**
 * Files in a 1:1 chat message: `file.download.info` attachments (manifest supportsFiles).
 * The attachment's name is used exactly as Teams gave it (spaces and all).
 */
export function fileOffersFromAttachments(attachments: readonly unknown[] | undefined): FileOffer[] {
  const offers: FileOffer[] = [];
  for (const raw of attachments ?? []) {
    const parsed = DownloadInfoAttachment.safeParse(raw);
    if (!parsed.success) continue;
    const a = parsed.data;
    offers.push({
      name: a.name,
      contentType: contentTypeFor(a.name, a.content.fileType),
      source: { kind: 'download', url: a.content.downloadUrl },
      ...(a.contentUrl !== undefined ? { webUrl: a.contentUrl } : {}),
      ...(a.content.uniqueId ? { sourceKey: sourceKeyOf('teams', a.content.uniqueId) } : {}),
    });
  }
  return offers;
}

/**
 * Why the file attachments of a message could not be read, as a sentence for the user (the
 * first that failed decides); undefined when there are none. Every refusal says its reason.
 */
export function unreadableReason(attachments: readonly unknown[] | undefined): string | undefined {
  const raw = (attachments ?? []).find(
    (a) => typeof a === 'object' && a !== null && (a as { contentType?: unknown }).contentType === FILE_DOWNLOAD_INFO,
  ) as { name?: unknown; content?: { downloadUrl?: unknown } | null } | undefined;
  if (raw === undefined) return undefined;
  const name = typeof raw.name === 'string' ? raw.name.trim() : '';
  if (name === '') return 'The file has no name, so To Do could not store it. Give it a name and send it again.';
  if (name.length > 400) return 'The file’s name is longer than 400 characters, more than To Do keeps. Shorten it and send the file again.';
  const url = raw.content?.downloadUrl;
  if (typeof url !== 'string' || url === '') return `Teams sent “${name.slice(0, 100)}” without a link to download it from. Please send it again.`;
  if (url.length > MAX_URL_LENGTH) return `The download link Teams gave for “${name.slice(0, 100)}” is longer than I accept, so I did not use it. Please send the file again.`;
  return `Teams sent “${name.slice(0, 100)}” in a form I do not understand. Please send it again.`;
}

/** True when a message has attachments of the file kind, valid or not (to explain a refusal). */
export function hasFileAttachments(attachments: readonly unknown[] | undefined): boolean {
  return (attachments ?? []).some(
    (a) => typeof a === 'object' && a !== null && (a as { contentType?: unknown }).contentType === FILE_DOWNLOAD_INFO,
  );
}

const ReferenceAttachment = z.object({
  contentType: z.literal('reference'),
  contentUrl: z.string().max(MAX_URL_LENGTH).url(),
  name: z.string().trim().min(1).max(400),
});

/**
 * Files in group chats, channels and message-extension payloads: `reference` attachments to
 * SharePoint/OneDrive (bots get no `file.download.info` there). Read through Graph /shares.
 */
export function shareOffersFromAttachments(attachments: readonly unknown[] | undefined): FileOffer[] {
  const offers: FileOffer[] = [];
  for (const raw of attachments ?? []) {
    const parsed = ReferenceAttachment.safeParse(raw);
    if (!parsed.success) continue;
    const url = parsed.data.contentUrl;
    offers.push({ name: parsed.data.name, contentType: contentTypeFor(parsed.data.name), source: { kind: 'share', sharingUrl: url }, webUrl: url, sourceKey: sourceKeyOf('share', url) });
  }
  return offers;
}
