import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { rankTasks, type CandidateTask } from '../src/ranking';
import { evaluate, readEvaluationSet } from '../src/ranking/evaluation';
import { percentile, round, say } from './util';

/**
 * The ranker's quality on the labelled set (test/fixtures/task-ranking) and its cost per
 * picker: 10 lists × 40 tasks (RANKING_FETCH_LIMITS), real titles from the set, each
 * repetition with another case's file name, message and chat name.
 */

export interface RankingFigures {
  cases: number;
  top1: number;
  top3: number;
  preselectionPrecision: number;
  preselectionCoverage: number;
  pickerTasks: number;
  repetitions: number;
  pickerP50Ms: number;
  pickerP99Ms: number;
  pickerMaxMs: number;
}

const LISTS = 10;
const TASKS_PER_LIST = 40;
const REPETITIONS = 2000;
const WARM_UP = 200;

export function runRanking(repoRoot: string): RankingFigures {
  const set = readEvaluationSet(path.join(repoRoot, 'test', 'fixtures', 'task-ranking'));
  const cases = set.flatMap((f) => f.cases);
  const quality = evaluate(cases);
  say(`ranking: ${quality.cases} cases, top-1 ${quality.top1}, top-3 ${quality.top3}, preselection precision ${quality.preselectionPrecision}, coverage ${quality.preselectionCoverage}`);

  // Every distinct task of the set (a file's cases share its tasks), dealt into 10 lists of 40.
  const pool = set.flatMap((f) => f.cases[0]?.tasks ?? []);
  const picker: CandidateTask[] = Array.from({ length: LISTS * TASKS_PER_LIST }, (_, i) => {
    const t = pool[i % pool.length] as CandidateTask;
    const list = Math.floor(i / TASKS_PER_LIST);
    return { ...t, id: `task-${i}`, listId: `list-${list}`, listName: (pool[list * 7] ?? t).listName };
  });
  const now = Date.parse('2026-06-01T09:00:00Z');
  const samples: number[] = [];
  for (let i = 0; i < WARM_UP + REPETITIONS; i++) {
    const c = cases[i % cases.length];
    if (!c) break;
    const started = performance.now();
    rankTasks(c.context, picker, { now });
    if (i >= WARM_UP) samples.push(performance.now() - started);
  }
  return {
    cases: quality.cases,
    top1: quality.top1,
    top3: quality.top3,
    preselectionPrecision: quality.preselectionPrecision,
    preselectionCoverage: quality.preselectionCoverage,
    pickerTasks: picker.length,
    repetitions: samples.length,
    pickerP50Ms: round(percentile(samples, 50), 2),
    pickerP99Ms: round(percentile(samples, 99), 2),
    pickerMaxMs: round(Math.max(...samples), 2),
  };
}
