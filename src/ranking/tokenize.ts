import { extractDates, monthToken, MONTHS, MONTHS_NEAR_NUMBERS } from './dates';
import { capLength, foldAccents, foldCase } from './normalize';

/**
 * Words out of file names, messages, chat names, task titles and list names: separators,
 * camelCase and letter/digit boundaries split; accents and case folded; dates read as month
 * and year tokens; CJK text (no spaces) cut into overlapping character pairs, as search
 * engines do for Chinese and Japanese. Nothing here throws on any string.
 */

/** Longest text read from each kind of input: the ranker's work stays bounded. */
export const TEXT_CAPS = { fileName: 255, message: 1000, conversationName: 200, title: 300, listName: 200 } as const;

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30fc\u3005]/u;
// Japanese particles between words: a title has no spaces, these are where words end.
const CJK_PARTICLES = /[のをにへでとがはもや]/u;
const WORD_PARTS = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|\p{L}+/gu;
// The same for ASCII chunks (most of them), without the cost of Unicode property classes.
const ASCII_WORD_PARTS = /[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+/g;
const EXTENSION = /\.[A-Za-z][A-Za-z0-9]{0,4}$/;
const COPY_SUFFIX = /\s*[([]\d{1,3}[)\]]\s*$/;

/** The name a person gave the file: extension and the "(2)" of a copied download dropped. */
export function fileNameStem(fileName: string): string {
  return fileName.replace(EXTENSION, '').replace(COPY_SUFFIX, '');
}

/** Message text as people read it: markup, entities and links out. */
export function plainText(text: string): string {
  return text
    .replace(/<[^>]{0,500}>/g, ' ')
    .replace(/&(?:nbsp|amp|lt|gt|quot|#\d{1,6});/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ');
}

function cjkTokens(run: string): string[] {
  const out: string[] = [];
  for (const piece of run.split(CJK_PARTICLES)) {
    const chars = Array.from(piece);
    if (chars.length === 1) out.push(chars[0] as string);
    for (let i = 0; i + 1 < chars.length; i++) out.push(`${chars[i]}${chars[i + 1]}`);
  }
  return out;
}

/** Below U+2E80 (the first CJK radical) nothing is CJK: most chunks need no script test. */
function mayHaveCjk(chunk: string): boolean {
  for (let i = 0; i < chunk.length; i++) if (chunk.charCodeAt(i) >= 0x2e80) return true;
  return false;
}

/** Splits one separator-free chunk into lower-case parts (CJK runs → character pairs). */
function chunkParts(chunk: string): string[] {
  if (/^[a-z]+$/.test(chunk)) return [chunk];
  if (/^[A-Za-z0-9]+$/.test(chunk)) return Array.from(chunk.matchAll(ASCII_WORD_PARTS), (m) => m[0].toLowerCase());
  if (!mayHaveCjk(chunk) || !CJK_CHAR.test(chunk)) return Array.from(chunk.matchAll(WORD_PARTS), (m) => foldCase(m[0]));
  const out: string[] = [];
  let run = '';
  let runIsCjk = false;
  const flush = (): void => {
    if (!run) return;
    if (runIsCjk) out.push(...cjkTokens(run));
    else for (const m of run.matchAll(WORD_PARTS)) out.push(foldCase(m[0]));
    run = '';
  };
  for (const ch of chunk) {
    const cjk = CJK_CHAR.test(ch);
    if (cjk !== runIsCjk) {
      flush();
      runIsCjk = cjk;
    }
    run += ch;
  }
  flush();
  return out;
}

const isNumber = (t: string | undefined): boolean => t !== undefined && /^\d+$/.test(t);

/**
 * Reads patterns that span parts: "Q 3"/"q3" → q3, "FY2027"/"fy27" → fy27, "H2" → h2,
 * "KW12" → kw12, month names (ambiguous ones only beside a number; "Feb26" → #m02 2026),
 * versions ("v2", "rev3") dropped, lone letters dropped.
 */
function combine(parts: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const t = parts[i] as string;
    const next = parts[i + 1];
    if (/^[a-z]$/.test(t) || t === 'rev' || t === 'fy' || t === 'kw' || t === 'cw' || t === 'wk') {
      if (isNumber(next)) {
        const n = next as string;
        i++;
        if ((t === 'v' || t === 'rev') && n.length <= 3) continue; // versions say nothing about the task
        if (t === 'q' && /^[1-4]$/.test(n)) out.push(`q${n}`);
        else if (t === 'h' && /^[12]$/.test(n)) out.push(`h${n}`);
        else if (t === 'fy' && /^(\d\d|(19|20)\d\d)$/.test(n)) out.push(`fy${n.slice(-2)}`);
        else if (t === 'kw' || t === 'cw' || t === 'wk') out.push(`kw${Number(n)}`);
        else if (t !== 'rev') {
          if (t.length > 1) out.push(t);
          out.push(n);
        }
        continue;
      }
      if (t.length === 1) continue;
    }
    const month = MONTHS.get(t) ?? (isNumber(next) || isNumber(parts[i - 1]) ? MONTHS_NEAR_NUMBERS.get(t) : undefined);
    if (month !== undefined) {
      out.push(monthToken(month));
      // "Mar26", "Feb 26": a two-digit number right after a month is its year.
      if (isNumber(next) && (next as string).length === 2) {
        out.push(`20${next as string}`);
        i++;
      }
      continue;
    }
    out.push(t);
  }
  return out;
}

export interface TokenizeOptions {
  /** Drop the extension and the copy suffix first. */
  fileName?: boolean;
  /** Message text: markup, entities and links out first. */
  markup?: boolean;
  /** Characters read at most (see TEXT_CAPS). */
  maxChars: number;
}

/** Folded tokens of `text` in order (dates first, as month/year tokens). Stop words stay: see analyze. */
export function tokenize(text: string, options: TokenizeOptions): string[] {
  let source = capLength(text, options.maxChars);
  if (options.fileName) source = fileNameStem(source);
  if (options.markup) source = plainText(source);
  const { tokens: dates, rest } = extractDates(foldAccents(source));
  const parts: string[] = [];
  for (const chunk of rest.split(/[^\p{L}\p{N}]+/u)) if (chunk) parts.push(...chunkParts(chunk));
  return [...dates, ...combine(parts)];
}
