import { z } from 'zod';
import { toAppError } from '../errors';
import { searchResponse, type InvokeResult } from './invoke';
import type { Turn } from './turn';

const SearchValue = z.object({
  queryText: z.string().max(255).optional().default(''),
  dataset: z.string(),
  queryOptions: z.object({ skip: z.number().int().min(0).optional(), top: z.number().int().min(1).max(100).optional() }).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

/** `application/search`: typeahead for the list and task pickers (`Data.Query`). */
export async function onSearch(turn: Turn, value: unknown): Promise<InvokeResult> {
  const parsed = SearchValue.safeParse(value);
  if (!parsed.success) return { status: 400, body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'The search request was not understood.' } } };
  const { queryText, dataset, queryOptions, data } = parsed.data;
  const top = queryOptions?.top ?? 15;
  const graph = turn.services.graphFor(turn.requester);
  const signal = AbortSignal.timeout(8000);
  try {
    if (dataset === 'todoLists') {
      const lists = await graph.listTaskLists({ search: queryText || undefined, limit: top }, signal);
      return searchResponse(lists.map((l) => ({ title: l.displayName, value: l.id })));
    }
    if (dataset === 'todoTasks') {
      // The task search is scoped to the chosen list (associatedInputs: auto sends it along).
      const listId = typeof data?.['listId'] === 'string' ? data['listId'] : undefined;
      if (!listId) return searchResponse([]);
      const tasks = await graph.listTasks(listId, { excludeCompleted: true, search: queryText || undefined, limit: top }, signal);
      return searchResponse(tasks.map((t) => ({ title: t.title, value: t.id })));
    }
    return searchResponse([]);
  } catch (err) {
    turn.services.logger.warn({ err: toAppError(err).toLog(), dataset }, 'typeahead search failed');
    return searchResponse([]);
  }
}
