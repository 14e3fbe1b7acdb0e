/**
 * How much a query word counts when the task says a different but related word. Only
 * alphabetic words are compared loosely: numbers ("10234" vs "10235"), dates, CJK pairs and
 * concept keys match exactly or not at all.
 */

/** Keys compared loosely: plain folded letters. */
export const LOOSE_KEY = /^[a-z]+$/;

/** Optimal string alignment distance, giving up (returning max + 1) once it exceeds `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row: number[] = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prev2[j - 2] as number) + 1);
      row.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length] as number;
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** Weights of the loose matches (exact = 1). */
export const MATCH_WEIGHTS = {
  /** "rechnung"/"rechnungen", "sign"/"signed": a prefix, at most 3 letters longer. */
  inflection: 0.85,
  /** A typo: one edit (insert, delete, replace or swap two letters) in a word of 5+ letters. */
  typo: 0.75,
  /** "reisekosten"/"reisekostenabrechnung", "arbeitszeugnis"/"zeugnis": compound parts. */
  compound: 0.6,
  /** "bestellanforderung"/"bestellung", "contrato"/"contract": a long shared stem; or two edits in 9+ letters. */
  sharedStem: 0.5,
  /** "rec"/"reconciliation": a 3-letter abbreviation. */
  abbreviation: 0.4,
} as const;

export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  if (!LOOSE_KEY.test(a) || !LOOSE_KEY.test(b)) return 0;
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
  if (s.length < 3) return 0;
  if (l.startsWith(s)) {
    if (s.length === 3) return MATCH_WEIGHTS.abbreviation;
    return l.length - s.length <= 3 ? MATCH_WEIGHTS.inflection : MATCH_WEIGHTS.compound;
  }
  if (s.length >= 5 && l.endsWith(s)) return MATCH_WEIGHTS.compound;
  if (s.length >= 5) {
    const max = s.length >= 9 ? 2 : 1;
    const d = editDistance(s, l, max);
    if (d <= max) return d === 1 ? MATCH_WEIGHTS.typo : MATCH_WEIGHTS.sharedStem;
  }
  const p = commonPrefix(s, l);
  if (p >= 5 && p >= 0.6 * s.length) return MATCH_WEIGHTS.sharedStem;
  return 0;
}
