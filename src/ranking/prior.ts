import type { CandidateTask } from './types';

/**
 * What settles near-ties: important, recently touched and soon-due tasks first. At most
 * 0.1, a tenth of one matched word (relevance units), so it never outvotes the text.
 */

const DAY_MS = 86_400_000;
export const PRIOR_WEIGHTS = { importance: 0.04, recency: 0.04, dueSoon: 0.02 } as const;
/** Half-life-like scale of recency: a task touched 30 days ago has e^-1 of the recency bonus. */
const RECENCY_DAYS = 30;

function time(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

export function prior(task: CandidateTask, nowMs: number): number {
  const importance = task.importance === 'high' ? 1 : task.importance === 'low' ? 0 : 0.5;
  const touched = time(task.lastModifiedDateTime) ?? time(task.createdDateTime);
  const recency = touched === undefined ? 0 : Math.exp(-Math.max(0, nowMs - touched) / DAY_MS / RECENCY_DAYS);
  const due = time(task.dueDateTime);
  const daysToDue = due === undefined ? undefined : (due - nowMs) / DAY_MS;
  const dueSoon = daysToDue !== undefined && daysToDue >= -7 && daysToDue <= 14 ? 1 : 0;
  return PRIOR_WEIGHTS.importance * importance + PRIOR_WEIGHTS.recency * recency + PRIOR_WEIGHTS.dueSoon * dueSoon;
}
