import { analyze, type Term } from './analyze';
import type { QueryGroup, WeightedTerm } from './bm25';
import { stem } from './stem';
import { TEXT_CAPS, tokenize, type TokenizeOptions } from './tokenize';
import type { CandidateTask, RankingContext } from './types';

/**
 * Builds both sides of the match: the query (what we know about the file, each source
 * weighted by how much it says about the task) and the documents (title + list name).
 */

/** How much a word counts by where it came from: the file name says most. */
export const SOURCE_WEIGHTS = { fileName: 1, messageText: 0.7, conversationName: 0.4 } as const;
/** An abbreviation's spelled-out words count this much each ("lp" → landing, page). */
const EXPANSION_WEIGHT = 0.7;
/** Field weights of a task document. */
export const FIELD_WEIGHTS = { title: 1, listName: 0.4, joinedPair: 0.6 } as const;
/**
 * Dates in a query count half: "Screenshot 2026-09-13", "IMG_20260503" and "Scan_20260409"
 * say when the file was made, not what it is for, yet a title may well carry the same year.
 */
export const DATE_WEIGHT = 0.5;
const isDateKey = (key: string): boolean => key.startsWith('#m') || /^(?:19|20)\d\d$/.test(key);
/** Query words kept at most (file name first): bounds the work on a long message. */
export const MAX_QUERY_GROUPS = 64;

function groupsOf(terms: readonly Term[], weight: number): QueryGroup[] {
  const out: QueryGroup[] = [];
  for (const t of terms) {
    out.push({ alternatives: t.concept ? [t.key, t.concept] : [t.key], weight: isDateKey(t.key) ? weight * DATE_WEIGHT : weight });
    for (const e of t.expansions) out.push({ alternatives: [e], weight: weight * EXPANSION_WEIGHT });
  }
  return out;
}

/**
 * The query: one group per distinct word. A word found in several sources counts as its
 * strongest source plus a little of the others ("budget" in the name and the message).
 */
export function buildQuery(context: RankingContext): QueryGroup[] {
  const sources: Array<[string | undefined, number, TokenizeOptions]> = [
    [context.fileName, SOURCE_WEIGHTS.fileName, { maxChars: TEXT_CAPS.fileName, fileName: true }],
    [context.messageText, SOURCE_WEIGHTS.messageText, { maxChars: TEXT_CAPS.message, markup: true }],
    [context.conversationName, SOURCE_WEIGHTS.conversationName, { maxChars: TEXT_CAPS.conversationName }],
  ];
  const merged = new Map<string, { group: QueryGroup; weights: number[] }>();
  for (const [text, weight, options] of sources) {
    if (!text) continue;
    for (const g of groupsOf(analyze(tokenize(text, options), 'query'), weight)) {
      const id = g.alternatives.join('|');
      const entry = merged.get(id);
      if (entry) entry.weights.push(g.weight);
      else if (merged.size < MAX_QUERY_GROUPS) merged.set(id, { group: g, weights: [g.weight] });
    }
  }
  return [...merged.values()].map(({ group, weights }) => {
    const strongest = Math.max(...weights);
    const rest = weights.reduce((a, b) => a + b, 0) - strongest;
    return { alternatives: group.alternatives, weight: Math.min(strongest + 0.3 * rest, 1.3) };
  });
}

function termsOf(terms: readonly Term[], weight: number): WeightedTerm[] {
  const out: WeightedTerm[] = [];
  for (const t of terms) {
    out.push({ key: t.key, weight });
    if (t.concept) out.push({ key: t.concept, weight });
    for (const e of t.expansions) out.push({ key: e, weight: weight * EXPANSION_WEIGHT });
  }
  return out;
}

/**
 * Adjacent title words joined ("Pen test" → pentest, "cut-off" → cutoff), so a file that
 * writes them as one word still meets them.
 */
function joinedPairs(tokens: readonly string[]): WeightedTerm[] {
  const out: WeightedTerm[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const a = tokens[i] as string;
    const b = tokens[i + 1] as string;
    if (/^[a-z]+$/.test(a) && /^[a-z]+$/.test(b) && a.length + b.length >= 5) out.push({ key: stem(a + b), weight: FIELD_WEIGHTS.joinedPair });
  }
  return out;
}

export interface TaskDocument {
  terms: WeightedTerm[];
  length: number;
}

/**
 * The tasks as documents: each title's words, its list name's words (weighted less) and
 * joined pairs. A list's name is read once for all its tasks.
 */
export function buildDocuments(tasks: readonly CandidateTask[]): TaskDocument[] {
  const lists = new Map<string, Term[]>();
  return tasks.map((task) => {
    let list = lists.get(task.listName);
    if (!list) {
      list = analyze(tokenize(task.listName, { maxChars: TEXT_CAPS.listName }), 'document');
      lists.set(task.listName, list);
    }
    const titleTokens = tokenize(task.title, { maxChars: TEXT_CAPS.title });
    const title = analyze(titleTokens, 'document');
    return {
      terms: [...termsOf(title, FIELD_WEIGHTS.title), ...termsOf(list, FIELD_WEIGHTS.listName), ...joinedPairs(titleTokens)],
      length: title.length * FIELD_WEIGHTS.title + list.length * FIELD_WEIGHTS.listName,
    };
  });
}
