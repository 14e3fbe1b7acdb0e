import { ABBREVIATIONS, QUERY_NOISE, STOP_WORDS, SYNONYMS } from './lexicon';
import { stem } from './stem';

/** One word of the input as the scorer sees it: its stem and the other keys that mean it. */
export interface Term {
  /** Stemmed token ("invoice", "#m03", "fy27", "見積"). */
  key: string;
  /** The concept key of a known synonym ("~invoice"), matched like the key itself. */
  concept?: string;
  /** Spelled-out abbreviation words ("lp" → landing, page), each matched at a discount. */
  expansions: readonly string[];
}

function conceptOf(token: string, stemmed: string): string | undefined {
  return SYNONYMS.get(token) ?? SYNONYMS.get(stemmed);
}

/**
 * Tokens → terms. Stop words go on both sides; the query side also drops file-name noise
 * (final, v2, scan, IMG…). Repeated words count once on the query side.
 */
export function analyze(tokens: readonly string[], side: 'query' | 'document'): Term[] {
  const out: Term[] = [];
  const seen = new Set<string>();
  for (const token of tokens) {
    if (STOP_WORDS.has(token)) continue;
    if (side === 'query' && QUERY_NOISE.has(token)) continue;
    const key = stem(token);
    if (side === 'query') {
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const concept = conceptOf(token, key);
    const expansions = (ABBREVIATIONS.get(token) ?? []).filter((w) => w !== key);
    out.push(concept ? { key, concept, expansions } : { key, expansions });
  }
  return out;
}
