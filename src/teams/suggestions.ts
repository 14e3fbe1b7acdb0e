import type { GraphTodoClient } from '../graph/client';
import type { TodoTaskList } from '../graph/types';
import { fileNameStem, rankTasks, RANKING_FETCH_LIMITS, type CandidateTask, type RankingContext } from '../ranking';
import type { Logger } from '../log';
import { toAppError } from '../errors';

/**
 * The likely tasks for a file (issue 14 §1), for the chat picker and the message-action dialog.
 * Graph is asked within RANKING_FETCH_LIMITS: the lists the picker already has (the first 10
 * ranked), one page each of at most 40 open tasks, most recently changed first, in parallel.
 * Ranking never holds the picker up for long: past RANKING_BUDGET_MS, or when To Do fails,
 * the picker shows without suggestions.
 */

/** A suggested task as the card offers it (kept server-side with the picker or dialog). */
export interface Suggestion {
  listId: string;
  listName: string;
  taskId: string;
  title: string;
}

export interface SuggestedTasks {
  /** Up to 3, best first. */
  suggestions: Suggestion[];
  /** True when the first suggestion clearly wins: the card preselects it (list and task). */
  preselect: boolean;
}

export const NO_SUGGESTIONS: SuggestedTasks = { suggestions: [], preselect: false };

/** Time the ranking may add to opening a picker before it is left out. */
export const RANKING_BUDGET_MS = 3000;

/**
 * A suggested task's value in the task choice set: the index into the stored suggestions, not
 * the task id, because a suggestion may sit in another list than the one chosen on the card.
 * `:` never occurs in To Do's base64-like ids.
 */
const SUGGESTED = /^suggested:([0-2])$/;

export function suggestionValue(index: number): string {
  return `suggested:${index}`;
}

/** The suggestion a choice names; undefined for an ordinary task id; null for one we never offered. */
export function suggestionOf(choice: string | undefined, suggestions: readonly Suggestion[] | undefined): Suggestion | undefined | null {
  if (choice === undefined || !choice.startsWith('suggested:')) return undefined;
  const m = SUGGESTED.exec(choice);
  return (m && suggestions?.[Number(m[1])]) ?? null;
}

/** What the card knows of the file: its name(s), the message and the chat or channel name. */
export function rankingContext(fileNames: readonly string[], messageText: string | undefined, conversationName: string | undefined): RankingContext {
  return {
    fileName: fileNames.map(fileNameStem).join(' ') || undefined,
    messageText: messageText?.trim() || undefined,
    conversationName: conversationName?.trim() || undefined,
  };
}

export async function suggestTasks(
  graph: Pick<GraphTodoClient, 'listTasksPage'>,
  lists: readonly TodoTaskList[],
  context: RankingContext,
  options: { logger: Logger; budgetMs?: number; now?: number },
): Promise<SuggestedTasks> {
  if (!context.fileName && !context.messageText && !context.conversationName) return NO_SUGGESTIONS;
  const abort = new AbortController();
  const budget = options.budgetMs ?? RANKING_BUDGET_MS;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<SuggestedTasks>((resolve) => {
    timer = setTimeout(() => {
      options.logger.info({ budgetMs: budget }, 'task suggestions took too long; the picker shows without them');
      abort.abort(new Error('ranking budget spent'));
      resolve(NO_SUGGESTIONS);
    }, budget);
  });
  try {
    return await Promise.race([rank(graph, lists, context, abort.signal, options), late]);
  } catch (err) {
    options.logger.warn({ err: toAppError(err).toLog() }, 'could not rank tasks; the picker shows without suggestions');
    return NO_SUGGESTIONS;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

async function rank(
  graph: Pick<GraphTodoClient, 'listTasksPage'>,
  lists: readonly TodoTaskList[],
  context: RankingContext,
  signal: AbortSignal,
  options: { logger: Logger; now?: number },
): Promise<SuggestedTasks> {
  const ranked = lists.slice(0, RANKING_FETCH_LIMITS.maxLists);
  const pages = await Promise.allSettled(
    ranked.map((list) =>
      graph.listTasksPage(list.id, { excludeCompleted: true, top: RANKING_FETCH_LIMITS.tasksPerList, orderBy: 'lastModifiedDateTime desc' }, signal),
    ),
  );
  const candidates: CandidateTask[] = [];
  pages.forEach((page, i) => {
    const list = ranked[i] as TodoTaskList;
    // A list that cannot be read (shared and gone, say) leaves the others ranked.
    if (page.status === 'rejected') {
      if (!signal.aborted) options.logger.info({ err: toAppError(page.reason).toLog() }, 'a list could not be read for suggestions');
      return;
    }
    for (const t of page.value) {
      candidates.push({ ...t, listId: list.id, listName: list.displayName });
    }
  });
  const ranking = rankTasks(context, candidates, options.now === undefined ? {} : { now: options.now });
  const suggestions = ranking.suggestions.map((r) => ({ listId: r.task.listId, listName: r.task.listName, taskId: r.task.id, title: r.task.title }));
  const preselect = ranking.preselected !== undefined && ranking.preselected.task.id === suggestions[0]?.taskId;
  return { suggestions, preselect };
}
