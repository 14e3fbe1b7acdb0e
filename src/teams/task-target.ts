import { toAppError } from '../errors';
import type { GraphTodoClient } from '../graph/client';
import type { LinkedResourceInput } from '../graph/types';
import type { JobTarget } from './attach-plan';
import { suggestionOf, type Suggestion } from './suggestions';

/**
 * The task a picker or dialog names: a suggested task (`suggested:<i>`, looked up server-side,
 * in whatever list it is), a task of the chosen list, or a new task created there. Stale
 * choices (a list or task deleted meanwhile, a suggestion never offered) become a sentence for
 * the card.
 */

export interface TaskChoice {
  listId: string | undefined;
  taskId: string | undefined;
  newTaskTitle: string | undefined;
}

export type ResolvedTarget = { target: JobTarget; created: boolean } | { notice: string };

export async function resolveTarget(
  graph: Pick<GraphTodoClient, 'listTaskLists' | 'getTask' | 'createTask'>,
  choice: TaskChoice,
  options: {
    suggestions: readonly Suggestion[] | undefined;
    /** Chat picker: a typed title wins over a chosen task. Dialog (prefilled title): the task wins. */
    prefer: 'newTask' | 'task';
    newTaskLinks?: LinkedResourceInput[];
    signal: AbortSignal;
  },
): Promise<ResolvedTarget> {
  const { signal } = options;
  const suggestion = suggestionOf(choice.taskId, options.suggestions);
  if (suggestion === null) return { notice: 'That suggestion is out of date. Pick the task again.' };
  const wantsNew = choice.newTaskTitle !== undefined && (options.prefer === 'newTask' || choice.taskId === undefined);
  const listId = suggestion && !wantsNew ? suggestion.listId : choice.listId;
  if (!listId) return { notice: 'Pick a list first.' };
  const lists = await graph.listTaskLists({ limit: 200 }, signal);
  const list = lists.find((l) => l.id === listId);
  if (!list) return { notice: 'That list no longer exists. Pick another one.' };
  if (wantsNew) {
    const task = await graph.createTask(list.id, choice.newTaskTitle as string, options.newTaskLinks ? { linkedResources: options.newTaskLinks } : {}, signal);
    return { target: { listId: list.id, listName: list.displayName, taskId: task.id, taskTitle: task.title }, created: true };
  }
  const taskId = suggestion ? suggestion.taskId : choice.taskId;
  if (!taskId) return { notice: 'Pick a task, or type a title to create a new one.' };
  try {
    const task = await graph.getTask(list.id, taskId, signal);
    return { target: { listId: list.id, listName: list.displayName, taskId: task.id, taskTitle: task.title }, created: false };
  } catch (err) {
    if (toAppError(err).status === 404) return { notice: 'That task is not in the chosen list any more. Pick another one.' };
    throw err;
  }
}
