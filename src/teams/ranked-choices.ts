import type { RankingContext } from '../ranking';
import { firstLists, lastUsedListId, tasksOfList } from './picker-choices';
import { preferredListId, type PickerChoices } from './picker-view';
import type { Requester } from './requester';
import type { BotServices } from './services';
import { suggestionValue, suggestTasks, type SuggestedTasks } from './suggestions';

/**
 * The choices of a picker or dialog as it first opens: the lists, the likely tasks (ranked) and
 * the tasks of the selected list. The list and task are preselected only when the best task
 * clearly wins; otherwise the list is the one used last (as before) and no task is chosen.
 * The ranking and the selected list's tasks are fetched at the same time.
 */
export async function openingChoices(
  services: BotServices,
  requester: Requester,
  context: RankingContext,
  notice: string | undefined,
): Promise<{ choices: PickerChoices; suggested: SuggestedTasks }> {
  const signal = AbortSignal.timeout(10_000);
  const lists = await firstLists(services, requester, signal);
  const preferred = preferredListId(lists, lastUsedListId(services, requester));
  const preferredTasks = preferred ? tasksOfList(services, requester, preferred, undefined, signal) : Promise.resolve([]);
  // Not left unhandled while the ranking runs; awaited (and thrown) below when it is used.
  preferredTasks.catch(() => undefined);
  const suggested = await suggestTasks(services.graphFor(requester), lists, context, { logger: services.logger });
  const best = suggested.preselect ? suggested.suggestions[0] : undefined;
  const selectedListId = best?.listId ?? preferred;
  const tasks = selectedListId === preferred ? await preferredTasks : await tasksOfList(services, requester, selectedListId as string, undefined, signal);
  return {
    choices: {
      lists,
      selectedListId,
      tasks,
      ...(best ? { selectedTaskId: suggestionValue(0) } : {}),
      notice,
      typeahead: services.typeahead,
    },
    suggested,
  };
}
