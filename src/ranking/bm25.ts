import { LOOSE_KEY, similarity } from './match';

/**
 * Okapi BM25 over the candidate tasks of one picker, built per call (a few hundred short
 * documents). Fields are folded in BM25F style: a term's frequency is the sum of its
 * occurrences weighted by field (title 1, list name less), and so is the length.
 */

export interface WeightedTerm {
  key: string;
  weight: number;
}

/** One query word: its alternative keys (stem, synonym concept) and how much it counts. */
export interface QueryGroup {
  alternatives: readonly string[];
  weight: number;
}

export interface Bm25Params {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalisation (0 = none, 1 = full). Titles are short and alike: kept low. */
  b: number;
}

export const BM25_DEFAULTS: Bm25Params = { k1: 1.2, b: 0.4 };

export interface Bm25Scores {
  /** Per document, in units of one fully matched word that only one document has. */
  relevance: Float64Array;
  /** Per document, the query keys that matched it. */
  matched: string[][];
}

export class Bm25Index {
  private readonly tf: Array<Map<string, number>>;
  private readonly length: Float64Array;
  private readonly postings = new Map<string, number[]>();
  /** Vocabulary keys that can match loosely (plain letters); the rest match exactly only. */
  private readonly looseVocabulary: string[];
  private readonly avgLength: number;

  constructor(
    documents: ReadonlyArray<{ terms: readonly WeightedTerm[]; length: number }>,
    private readonly params: Bm25Params = BM25_DEFAULTS,
  ) {
    this.tf = documents.map((d, i) => {
      const m = new Map<string, number>();
      for (const { key, weight } of d.terms) {
        if (!m.has(key)) {
          const list = this.postings.get(key);
          if (list) list.push(i);
          else this.postings.set(key, [i]);
        }
        m.set(key, (m.get(key) ?? 0) + weight);
      }
      return m;
    });
    this.looseVocabulary = [...this.postings.keys()].filter((k) => LOOSE_KEY.test(k));
    this.length = Float64Array.from(documents, (d) => d.length);
    const total = this.length.reduce((a, b) => a + b, 0);
    this.avgLength = documents.length > 0 && total > 0 ? total / documents.length : 1;
  }

  get size(): number {
    return this.tf.length;
  }

  /** Lucene's BM25 idf: never negative, however common the word. */
  idf(key: string): number {
    const df = this.postings.get(key)?.length ?? 0;
    const n = this.tf.length;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Vocabulary keys a query key reaches, with the weight of the match (exact = 1). */
  private reach(key: string): Array<[string, number]> {
    if (!LOOSE_KEY.test(key)) return this.postings.has(key) ? [[key, 1]] : [];
    const out: Array<[string, number]> = [];
    for (const vocab of this.looseVocabulary) {
      const s = similarity(key, vocab);
      if (s > 0) out.push([vocab, s]);
    }
    return out;
  }

  private tfPart(doc: number, key: string): number {
    const tf = this.tf[doc]?.get(key) ?? 0;
    const { k1, b } = this.params;
    const norm = k1 * (1 - b + (b * (this.length[doc] as number)) / this.avgLength);
    return (tf * (k1 + 1)) / (tf + norm);
  }

  /**
   * Each query group adds, per document, its weight times its best-matching alternative
   * (match weight × idf × saturated tf); a group never counts twice for one document.
   */
  score(groups: readonly QueryGroup[]): Bm25Scores {
    const n = this.tf.length;
    const relevance = new Float64Array(n);
    const matched: string[][] = Array.from({ length: n }, () => []);
    const unit = Math.log(1 + (n - 0.5) / 1.5) || 1;
    for (const group of groups) {
      const best = new Map<number, number>();
      for (const alternative of group.alternatives) {
        for (const [vocab, sim] of this.reach(alternative)) {
          const idf = this.idf(vocab);
          for (const doc of this.postings.get(vocab) ?? []) {
            const v = sim * idf * this.tfPart(doc, vocab);
            if (v > (best.get(doc) ?? 0)) best.set(doc, v);
          }
        }
      }
      for (const [doc, v] of best) {
        relevance[doc] = (relevance[doc] as number) + (group.weight * v) / unit;
        (matched[doc] as string[]).push(group.alternatives[0] as string);
      }
    }
    return { relevance, matched };
  }
}
