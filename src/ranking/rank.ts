import { Bm25Index, BM25_DEFAULTS, type Bm25Params } from './bm25';
import { clearlyWins, DEFAULT_PRESELECT_RULE, type PreselectRule } from './decide';
import { prior } from './prior';
import { buildDocuments, buildQuery } from './query';
import type { CandidateTask, RankedTask, Ranking, RankingContext } from './types';

/** Candidates read at most; the caller should never get near it (see RANKING_FETCH_LIMITS). */
export const MAX_CANDIDATES = 1000;
/** Suggestions shown above the rest of the picker. */
export const MAX_SUGGESTIONS = 3;
/** A suggestion needs at least this much text evidence (a list-name match alone is less). */
export const MIN_SUGGESTION_RELEVANCE = 0.3;

export interface RankOptions {
  /** Clock for recency and due dates (ms since epoch); defaults to Date.now(). */
  now?: number;
  rule?: PreselectRule;
  bm25?: Bm25Params;
}

const isCompleted = (t: CandidateTask): boolean => t.status === 'completed';

/**
 * Ranks the user's tasks against what we know about a file. Pure and synchronous: no I/O,
 * no clock unless `now` is left out. Open tasks come first (by score), completed ones after
 * every open one; only open tasks are suggested or preselected.
 */
export function rankTasks(context: RankingContext, tasks: readonly CandidateTask[], options: RankOptions = {}): Ranking {
  const now = options.now ?? Date.now();
  const candidates = tasks.length > MAX_CANDIDATES ? tasks.slice(0, MAX_CANDIDATES) : tasks;
  const index = new Bm25Index(buildDocuments(candidates), options.bm25 ?? BM25_DEFAULTS);
  const { relevance, matched } = index.score(buildQuery(context));
  const all: RankedTask[] = candidates.map((task, i) => {
    const r = relevance[i] as number;
    return { task, relevance: r, score: r + prior(task, now), completed: isCompleted(task), matched: matched[i] as string[] };
  });
  const byScore = (a: RankedTask, b: RankedTask): number => b.score - a.score;
  const open = all.filter((t) => !t.completed).sort(byScore);
  const done = all.filter((t) => t.completed).sort(byScore);
  const suggestions = open.filter((t) => t.relevance >= MIN_SUGGESTION_RELEVANCE).slice(0, MAX_SUGGESTIONS);
  const preselect = clearlyWins(open[0], open[1], done[0], options.rule ?? DEFAULT_PRESELECT_RULE);
  return { ranked: [...open, ...done], suggestions, preselected: preselect ? open[0] : undefined };
}
