import type { BotServices } from './services';
import type { Requester } from './requester';
import { preferredListId, type PickerChoices } from './picker-view';

/** First page of choices shown statically (clients without typeahead); search finds the rest. */
export const STATIC_CHOICES = 25;

export async function loadPickerChoices(
  services: BotServices,
  requester: Requester,
  wanted: { listId?: string; search?: string; selectedTaskId?: string; notice?: string },
): Promise<PickerChoices> {
  const graph = services.graphFor(requester);
  const signal = AbortSignal.timeout(10_000);
  const lists = await graph.listTaskLists({ limit: STATIC_CHOICES }, signal);
  const lastUsed = services.store
    .listByUser(requester.userId)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]?.target.listId;
  const selectedListId = wanted.listId && lists.some((l) => l.id === wanted.listId) ? wanted.listId : preferredListId(lists, lastUsed);
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
  const tasks = selectedListId
    ? await services.graphFor(requester).listTasks(
        selectedListId,
        { excludeCompleted: true, search: wanted.search || undefined, limit: STATIC_CHOICES },
        AbortSignal.timeout(10_000),
      )
    : [];
  return { lists, selectedListId, tasks, selectedTaskId: wanted.selectedTaskId, searchText: wanted.search, notice: wanted.notice, typeahead: services.typeahead };
}
