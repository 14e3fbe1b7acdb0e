import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { rankTasks, type RankOptions } from './rank';
import type { CandidateTask } from './types';

/**
 * The labelled set's format (test/fixtures/task-ranking/*.json) and the figures measured on
 * it; used by the ranking test and `npm run bench`.
 */

const Day = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not a date');

const TaskSchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  status: z.string().optional(),
  importance: z.enum(['low', 'normal', 'high']).optional(),
  created: Day.optional(),
  modified: Day,
  due: Day.optional(),
});

const CaseSchema = z.object({
  id: z.string().min(1),
  file: z.string(),
  message: z.string(),
  chat: z.string(),
  answers: z.array(z.string()),
  clear: z.boolean().optional(),
  note: z.string().optional(),
});

export const EvaluationFileSchema = z
  .object({
    persona: z.string(),
    now: Day,
    lists: z.array(z.object({ id: z.string(), name: z.string(), tasks: z.array(TaskSchema).min(1) })).min(2).max(10),
    cases: z.array(CaseSchema).min(1),
  })
  .superRefine((file, ctx) => {
    const ids = file.lists.flatMap((l) => l.tasks.map((t) => t.id));
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'task ids repeat' });
    if (ids.length < 5 || ids.length > 60) ctx.addIssue({ code: 'custom', message: `${ids.length} tasks (5–60 expected)` });
    for (const c of file.cases) for (const a of c.answers) if (!ids.includes(a)) ctx.addIssue({ code: 'custom', message: `${c.id}: unknown answer ${a}` });
  });
export type EvaluationFile = z.infer<typeof EvaluationFileSchema>;

export interface EvaluationCase {
  id: string;
  now: number;
  context: { fileName: string; messageText: string; conversationName: string };
  tasks: CandidateTask[];
  answers: readonly string[];
  /** A careful person would preselect (exactly one right, open task). */
  clear: boolean;
  note?: string | undefined;
}

export function casesOf(file: EvaluationFile): EvaluationCase[] {
  const tasks: CandidateTask[] = file.lists.flatMap((l) =>
    l.tasks.map((t) => ({
      id: t.id,
      title: t.title,
      listId: l.id,
      listName: l.name,
      status: t.status ?? 'notStarted',
      importance: t.importance ?? 'normal',
      createdDateTime: t.created ?? t.modified,
      lastModifiedDateTime: t.modified,
      dueDateTime: t.due,
    })),
  );
  return file.cases.map((c) => ({
    id: c.id,
    now: Date.parse(file.now),
    context: { fileName: c.file, messageText: c.message, conversationName: c.chat },
    tasks,
    answers: c.answers,
    clear: c.clear ?? c.answers.length === 1,
    note: c.note,
  }));
}

/** Every `*.json` of the set's folder, validated, as cases (file name order). */
export function readEvaluationSet(dir: string): Array<{ file: string; cases: EvaluationCase[] }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const parsed = EvaluationFileSchema.safeParse(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      if (!parsed.success) throw new Error(`${file}: ${parsed.error.message}`);
      return { file, cases: casesOf(parsed.data) };
    });
}

export interface CaseOutcome {
  id: string;
  answers: readonly string[];
  clear: boolean;
  top: string[];
  preselected: string | undefined;
  rank: number | undefined;
}

export interface EvaluationFigures {
  cases: number;
  /** Cases with a right task (answers not empty). */
  answerable: number;
  /** Cases where a careful person would preselect. */
  clearCases: number;
  top1: number;
  top3: number;
  /** Right preselections / all preselections (1 when nothing was preselected). */
  preselectionPrecision: number;
  /** Right preselections / clear cases. */
  preselectionCoverage: number;
  preselections: number;
  wrongPreselections: number;
  outcomes: CaseOutcome[];
}

const round = (v: number): number => Math.round(v * 1000) / 1000;

export function evaluate(cases: readonly EvaluationCase[], options: Omit<RankOptions, 'now'> = {}): EvaluationFigures {
  const outcomes = cases.map((c): CaseOutcome => {
    const r = rankTasks(c.context, c.tasks, { ...options, now: c.now });
    const top = r.ranked.slice(0, 3).map((t) => t.task.id);
    const at = r.ranked.findIndex((t) => c.answers.includes(t.task.id));
    return { id: c.id, answers: c.answers, clear: c.clear, top, preselected: r.preselected?.task.id, rank: at < 0 ? undefined : at + 1 };
  });
  const answerable = outcomes.filter((o) => o.answers.length > 0);
  const preselected = outcomes.filter((o) => o.preselected !== undefined);
  const right = preselected.filter((o) => o.clear && o.answers.includes(o.preselected as string));
  const clearCases = outcomes.filter((o) => o.clear).length;
  return {
    cases: outcomes.length,
    answerable: answerable.length,
    clearCases,
    top1: round(answerable.filter((o) => o.rank === 1).length / Math.max(1, answerable.length)),
    top3: round(answerable.filter((o) => o.rank !== undefined && o.rank <= 3).length / Math.max(1, answerable.length)),
    preselectionPrecision: round(preselected.length === 0 ? 1 : right.length / preselected.length),
    preselectionCoverage: round(right.length / Math.max(1, clearCases)),
    preselections: preselected.length,
    wrongPreselections: preselected.length - right.length,
    outcomes,
  };
}
