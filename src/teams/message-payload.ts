import { z } from 'zod';
import { looksLikeHostedContent } from '../graph/hosted-contents';
import { decodeEntities } from '../html-entities';
import { contentTypeFor } from '../sources/content-type';
import type { DialogFile, SourceMessage } from './dialog-offers';
import { shareOffersFromAttachments, sourceKeyOf } from './file-offers';
import { MAX_FILES_PER_CARD, MAX_KEPT_MESSAGE_CHARS, MAX_URL_LENGTH } from './limits';

/**
 * `value.messagePayload` of a message action (composeExtension/fetchTask): the message's id,
 * HTML body, attachments and deep link. Only what we use is read; the rest is ignored.
 */
const MessagePayload = z.looseObject({
  id: z.string().min(1).max(200),
  linkToMessage: z.string().max(2000).nullish(),
  body: z.looseObject({ contentType: z.string().optional(), content: z.string().max(1_000_000).nullish() }).nullish(),
  attachments: z.array(z.unknown()).max(100).nullish(),
});

export interface ParsedMessage {
  message: SourceMessage;
  /** The first MAX_FILES_PER_CARD files and images. */
  files: DialogFile[];
  /** How many the message had in all. */
  offered: number;
}

export function parseMessagePayload(value: unknown): ParsedMessage | undefined {
  const parsed = MessagePayload.safeParse(value);
  if (!parsed.success) return undefined;
  const p = parsed.data;
  const html = p.body?.content ?? '';
  const isHtml = (p.body?.contentType ?? 'html').toLowerCase() === 'html';
  const text = isHtml ? htmlToText(html) : html.trim();
  const files: DialogFile[] = [];
  let offered = 0;
  const add = (file: Omit<DialogFile, 'id'>): void => {
    // Only the first few are kept (and probed): a message may carry thousands of images.
    if (files.length < MAX_FILES_PER_CARD) files.push({ ...file, id: String(files.length) });
    offered++;
  };
  for (const offer of shareOffersFromAttachments((p.attachments ?? []).map(referenceFromContent))) add({ ...offer, kind: 'file' });
  let image = 0;
  for (const src of isHtml ? imageSources(html) : []) {
    if (src.length > MAX_URL_LENGTH || !looksLikeHostedContent(src)) continue;
    image++;
    const name = `Image ${image} from the message.png`;
    // Pasted images are PNG in Teams; the hosted content's own Content-Type is not known until read.
    add({ kind: 'image', name, contentType: contentTypeFor(name), source: { kind: 'hosted-content', contentUrl: src }, sourceKey: sourceKeyOf('hosted', src) });
  }
  const link = p.linkToMessage && /^https:\/\//i.test(p.linkToMessage) ? p.linkToMessage : undefined;
  return { message: { id: p.id, link, text: text.slice(0, MAX_KEPT_MESSAGE_CHARS) }, files, offered };
}

const ReferenceContent = z.looseObject({ contentUrl: z.string().optional(), name: z.string().optional() });

/**
 * The Agents Playground hands a message action the message's attachments as
 * `{ id, contentType, content: JSON.stringify(content) }`, without `contentUrl` and `name`; a
 * `reference` attachment that lacks them takes them from its `content` (object or JSON text).
 * Teams sends them at the top level, and those always win. The address still goes through the
 * download allow-list like any other.
 */
export function referenceFromContent(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const a = raw as Record<string, unknown>;
  if (a['contentType'] !== 'reference' || (typeof a['contentUrl'] === 'string' && typeof a['name'] === 'string')) return raw;
  let content: unknown = a['content'];
  if (typeof content === 'string') {
    try {
      content = JSON.parse(content) as unknown;
    } catch {
      return raw;
    }
  }
  const c = ReferenceContent.safeParse(content);
  if (!c.success) return raw;
  return { ...a, contentUrl: a['contentUrl'] ?? c.data.contentUrl, name: a['name'] ?? c.data.name };
}

/** `src` of every `<img>` in the HTML, entities decoded. */
export function imageSources(html: string): string[] {
  const out: string[] = [];
  const re = /<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    const raw = m[1] ?? m[2];
    if (raw) out.push(decodeEntities(raw));
  }
  return out;
}

/** Plain text of a Teams message body: block elements become line breaks, tags go, entities decode. */
export function htmlToText(html: string): string {
  const withBreaks = html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6]|blockquote|tr)>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(withBreaks)
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '')
    .join('\n');
}

/** The default new-task title: the message's first line, cut to To Do's 255 characters. */
export function firstLine(text: string, max = 255): string {
  const line = (text.split('\n')[0] ?? '').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

/** The linked resource's displayName: the message's first few words. */
export function firstWords(text: string, words = 8, max = 80): string {
  const all = text.replace(/\s+/g, ' ').trim().split(' ').filter((w) => w !== '');
  let out = all.slice(0, words).join(' ');
  if (out.length > max) out = out.slice(0, max - 1).trimEnd();
  return out.length < text.replace(/\s+/g, ' ').trim().length ? `${out}…` : out;
}
