/**
 * A light stemmer: plural endings only (English "-s/-es/-ies", and the "-s/-es" of French,
 * Spanish and Portuguese). Heavier suffix stripping (Porter) conflates words in short titles
 * that mean different things ("general"/"generate") and knows one language; the other
 * endings ("signed"/"sign", "Rechnungen"/"Rechnung", "planning"/"plan") are met by the
 * prefix match in match.ts instead, at a discount.
 */
export function stem(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses') || /(?:xes|ches|shes|zes)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !/(?:ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}
