import type { RankedTask } from './types';

/**
 * When the best open task "clearly wins" and may be preselected. A wrong preselection is
 * worse than none (the user attaches to the wrong task with one click), so the rule asks
 * for real evidence and a lead over the runner-up; the thresholds come from the labelled
 * set in test/fixtures/task-ranking (see README "Ranking").
 */
export interface PreselectRule {
  /** The best task's relevance at least this (1 = one word only it has, fully matched). */
  minRelevance: number;
  /** The runner-up's relevance at most this share of the best's. */
  maxRunnerUpShare: number;
  /** A completed task scoring at least this share of the best open one means "not sure". */
  maxCompletedShare: number;
}

export const DEFAULT_PRESELECT_RULE: PreselectRule = { minRelevance: 0.9, maxRunnerUpShare: 0.6, maxCompletedShare: 1 };

export function clearlyWins(
  best: RankedTask | undefined,
  runnerUp: RankedTask | undefined,
  bestCompleted: RankedTask | undefined,
  rule: PreselectRule,
): boolean {
  if (!best || best.completed || best.relevance < rule.minRelevance) return false;
  if (runnerUp && runnerUp.relevance > rule.maxRunnerUpShare * best.relevance) return false;
  if (bestCompleted && bestCompleted.relevance >= rule.maxCompletedShare * best.relevance) return false;
  return true;
}
