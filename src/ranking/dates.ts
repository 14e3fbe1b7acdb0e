/**
 * Dates in file names and titles become month and year tokens, so "2026-03", "03.2026",
 * "Mar26", "März", "marzo", "3月" and "March close" all say `#m03` (and `2026` where a year
 * is written). Days and times are dropped: tasks name months, not days.
 */

/** The token a month becomes; "#" never survives tokenising, so no word can collide. */
export function monthToken(month: number): string {
  return `#m${String(month).padStart(2, '0')}`;
}

const MONTH_NAMES: ReadonlyArray<readonly [string, number]> = (
  [
    [1, 'january jan januar janvier janv enero ene janeiro gennaio'],
    [2, 'february feb februar fevrier fevr febrero fevereiro fev febbraio'],
    [3, 'march mar marz maerz mrz mars marzo marco'],
    [4, 'april apr avril avr abril abr aprile'],
    [5, 'mayo maio maggio mai'],
    [6, 'june jun juni juin junio junho giugno'],
    [7, 'july jul juli juillet juil julio julho luglio'],
    [8, 'august aug aout agosto'],
    [9, 'september sep sept septembre septiembre setembro settembre'],
    [10, 'october oct oktober okt octobre octubre outubro ottobre'],
    [11, 'november nov novembre noviembre novembro'],
    [12, 'december dec dezember dez decembre diciembre dic dezembro dicembre'],
  ] as const
).flatMap(([m, names]) => names.split(' ').map((n) => [n, m] as const));

/** Always a month, whatever is next to it. */
export const MONTHS: ReadonlyMap<string, number> = new Map(MONTH_NAMES);

/** Month only next to a number ("May 2026", "mar26"): alone they are ordinary words. */
export const MONTHS_NEAR_NUMBERS: ReadonlyMap<string, number> = new Map([
  ['may', 5], ['set', 9], ['out', 10], ['ago', 8],
]);

const NOT_ALNUM_BEFORE = '(?<![\\p{L}\\p{N}])';
const NOT_ALNUM_AFTER = '(?![\\p{L}\\p{N}])';

function datePattern(body: string): RegExp {
  return new RegExp(`${NOT_ALNUM_BEFORE}${body}${NOT_ALNUM_AFTER}`, 'gu');
}

const SEP = '[-_./]';
const PATTERNS: ReadonlyArray<{ re: RegExp; read: (m: RegExpExecArray) => { year?: number; month?: number; first?: number } }> = [
  // hh.mm.ss and hh:mm (screenshot names): dropped.
  { re: datePattern('\\d{1,2}[.:]\\d{2}(?:[.:]\\d{2})'), read: () => ({}) },
  { re: datePattern('\\d{1,2}:\\d{2}'), read: () => ({}) },
  // 2026-03-12, 2026_03, 2026.3
  { re: datePattern(`((?:19|20)\\d\\d)${SEP}(\\d{1,2})(?:${SEP}(\\d{1,2}))?`), read: (m) => ({ year: Number(m[1]), month: Number(m[2]) }) },
  // 12.03.2026, 03/15/2026, 12-03-26 (a two-digit year only with - or /: "10.15.33" is a time)
  { re: datePattern(`(\\d{1,2})${SEP}(\\d{1,2})${SEP}((?:19|20)\\d\\d)`), read: (m) => dayMonthYear(Number(m[1]), Number(m[2]), Number(m[3])) },
  { re: datePattern('(\\d{1,2})([-/])(\\d{1,2})\\2(\\d\\d)'), read: (m) => dayMonthYear(Number(m[1]), Number(m[3]), 2000 + Number(m[4])) },
  // 03-2026, 3.2026
  { re: datePattern(`(\\d{1,2})${SEP}((?:19|20)\\d\\d)`), read: (m) => ({ month: Number(m[1]), year: Number(m[2]) }) },
  // 12.03. (German day.month. without a year)
  { re: new RegExp(`${NOT_ALNUM_BEFORE}(\\d{1,2})\\.(\\d{1,2})\\.(?!\\d)`, 'gu'), read: (m) => ({ month: Number(m[2]), first: Number(m[1]) }) },
  // 20260312, 202603, 032026
  { re: datePattern('((?:19|20)\\d\\d)(\\d\\d)(\\d\\d)'), read: (m) => ({ year: Number(m[1]), month: Number(m[2]) }) },
  { re: datePattern('((?:19|20)\\d\\d)(\\d\\d)'), read: (m) => ({ year: Number(m[1]), month: Number(m[2]) }) },
  { re: datePattern('(\\d\\d)((?:19|20)\\d\\d)'), read: (m) => ({ month: Number(m[1]), year: Number(m[2]) }) },
  // 2026年4月, 4月分 (NFKD has already made full-width digits ASCII)
  { re: /(\d{4})\s*年/gu, read: (m) => ({ year: Number(m[1]) }) },
  { re: /(\d{1,2})\s*月/gu, read: (m) => ({ month: Number(m[1]) }) },
];

function dayMonthYear(a: number, b: number, year: number): { year?: number; month?: number } {
  // Day first (most of the world) unless that cannot be: 03/15/2026 is American.
  const month = b >= 1 && b <= 12 && a <= 31 ? b : a >= 1 && a <= 12 && b <= 31 ? a : 0;
  return { year, month };
}

function valid(d: { year?: number; month?: number; first?: number }): boolean {
  if (d.month !== undefined && (d.month < 1 || d.month > 12)) return false;
  if (d.first !== undefined && (d.first < 1 || d.first > 31)) return false;
  return true;
}

/**
 * Finds the dates in `text` (accent-folded, any case): returns their tokens and the text with
 * each date replaced by a space. Patterns that do not read as a real month are left alone
 * (they stay ordinary numbers: "PO-55812", "INC-4821").
 */
export function extractDates(text: string): { tokens: string[]; rest: string } {
  // Every pattern needs a digit; most titles have none, and this runs for each of 400 tasks.
  if (!/\d/.test(text)) return { tokens: [], rest: text };
  const tokens: string[] = [];
  let rest = text;
  for (const { re, read } of PATTERNS) {
    rest = rest.replace(re, (...args: unknown[]) => {
      const match = args.slice(0, -2) as unknown as RegExpExecArray;
      const d = read(match);
      if (!valid(d)) return match[0];
      if (d.year !== undefined) tokens.push(String(d.year));
      if (d.month !== undefined) tokens.push(monthToken(d.month));
      return ' ';
    });
  }
  return { tokens, rest };
}
