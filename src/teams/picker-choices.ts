import type { BotServices } from './services';
import type { Requester } from './requester';
import { preferredListId, type PickerChoices } from './picker-view';
import type { TodoTask, TodoTaskList } from '../graph/types';

/** First page of choices shown statically (clients without typeahead); search finds the rest. */
export const STATIC_CHOICES = 25;

/** The list this user attached to last (from their transfers), if any. */
export function lastUsedListId(services: BotServices, requester: Requester): string | undefined {
  return services.store
    .listByUser(requester.userId)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]?.target.listId;
}

/** The picker's first lists (static choices; typeahead finds the rest). */
export function firstLists(services: BotServices, requester: Requester, signal: AbortSignal): Promise<TodoTaskList[]> {
  return services.graphFor(requester).listTaskLists({ limit: STATIC_CHOICES }, signal);
}

/** The open tasks a list shows on the card (as today: To Do's order, first 25, or those matching a search). */
export function tasksOfList(services: BotServices, requester: Requester, listId: string, search: string | undefined, signal: AbortSignal): Promise<TodoTask[]> {
  return services.graphFor(requester).listTasks(listId, { excludeCompleted: true, search: search || undefined, limit: STATIC_CHOICES }, signal);
}

export async function loadPickerChoices(
  services: BotServices,
  requester: Requester,
  wanted: { listId?: string; search?: string; selectedTaskId?: string; notice?: string },
): Promise<PickerChoices> {
  const graph = services.graphFor(requester);
  const signal = AbortSignal.timeout(10_000);
  const lists = await firstLists(services, requester, signal);
  const selectedListId = wanted.listId && lists.some((l) => l.id === wanted.listId) ? wanted.listId : preferredListId(lists, lastUsedListId(services, requester));
  if (wanted.listId && selectedListId !== wanted.listId) {
    // A list found by typeahead beyond the first page: keep it selectable.
    const extra = await graph.listTaskLists({ limit: 200 }, signal);
    const found = extra.find((l) => l.id === wanted.listId);
    if (found) return loadPickerChoicesFor(services, requester, [...lists, found], found.id, wanted);
  }
  return loadPickerChoicesFor(services, requester, lists, selectedListId, wanted);
}

async function loadPickerChoicesFor(
  services: BotServices,
  requester: Requester,
  lists: PickerChoices['lists'],
  selectedListId: string | undefined,
  wanted: { search?: string; selectedTaskId?: string; notice?: string },
): Promise<PickerChoices> {
  const tasks = selectedListId ? await tasksOfList(services, requester, selectedListId, wanted.search, AbortSignal.timeout(10_000)) : [];
  return { lists, selectedListId, tasks, selectedTaskId: wanted.selectedTaskId, searchText: wanted.search, notice: wanted.notice, typeahead: services.typeahead };
}
