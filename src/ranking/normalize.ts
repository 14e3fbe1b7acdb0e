/**
 * Text folding shared by every side of the ranking (file name, message, chat name, task
 * titles, list names), so that "Prüfbericht", "Pruefbericht" and "PRÜFBERICHT" meet.
 */

// Diacritics only (Latin, Greek, Cyrillic accents): the Japanese voicing marks (U+3099/309A)
// stay, so NFC below puts "ガ" back together instead of turning it into "カ".
const COMBINING_DIACRITICS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;

// Letters NFKD leaves whole although people write them without the stroke or ligature.
const SPECIAL_LETTERS: Readonly<Record<string, string>> = {
  ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ø: 'o', Ø: 'O', đ: 'd', Đ: 'D',
  ł: 'l', Ł: 'L', þ: 'th', Þ: 'TH', ð: 'd', Ð: 'D', ı: 'i', ĸ: 'k',
};
const SPECIAL_LETTER_RE = new RegExp(`[${Object.keys(SPECIAL_LETTERS).join('')}]`, 'g');

/**
 * NFKD (full-width "ＦＹ２５" → "FY25", ligatures "ﬁ" → "fi"), accents stripped, special letters
 * spelled out, NFC again. Case is kept: the tokeniser still needs it to split camelCase.
 */
export function foldAccents(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) return text; // plain ASCII: nothing to fold (most titles)
  return text
    .normalize('NFKD')
    .replace(COMBINING_DIACRITICS, '')
    .replace(SPECIAL_LETTER_RE, (c) => SPECIAL_LETTERS[c] ?? c)
    .normalize('NFC');
}

/** Case folding after accent folding: what two spellings must share to count as one word. */
export function foldCase(text: string): string {
  return text.toLowerCase();
}

/** Both: the key a single word is compared by. */
export function fold(text: string): string {
  return foldCase(foldAccents(text));
}

/** The first `max` UTF-16 units, never cutting a surrogate pair in half. */
export function capLength(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
