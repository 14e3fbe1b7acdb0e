import { silentLogger } from '../../../src/log';
import type { TodoTask, TodoTaskList } from '../../../src/graph/types';
import { rankingContext, suggestionOf, suggestTasks } from '../../../src/teams/suggestions';

const lists: TodoTaskList[] = Array.from({ length: 12 }, (_, i) => ({ id: `L${i}`, displayName: `List ${i}` }));

function pages(byList: Record<string, TodoTask[]>, options: { failing?: string[]; delayMs?: number } = {}) {
  const asked: Array<{ listId: string; top: number | undefined; orderBy: string | undefined }> = [];
  const aborted: string[] = [];
  return {
    asked,
    aborted,
    listTasksPage: async (listId: string, o: { top?: number; orderBy?: string } = {}, signal?: AbortSignal): Promise<TodoTask[]> => {
      asked.push({ listId, top: o.top, orderBy: o.orderBy });
      if (options.delayMs) await new Promise((resolve, reject) => {
        const t = setTimeout(resolve, options.delayMs);
        signal?.addEventListener('abort', () => {
          clearTimeout(t);
          aborted.push(listId);
          reject(new Error('aborted'));
        });
      });
      if (options.failing?.includes(listId)) throw new Error('forbidden');
      return byList[listId] ?? [];
    },
  };
}

const context = rankingContext(['Q3_Budget_FINAL_v2.xlsx'], 'numbers for the review', undefined);

test('ranks one page of the first 10 lists and suggests the clear winner, preselected', async () => {
  const graph = pages({ L3: [{ id: 't1', title: 'Q3 budget review' }, { id: 't2', title: 'Book flights' }] });
  const out = await suggestTasks(graph, lists, context, { logger: silentLogger() });
  expect(graph.asked.map((a) => a.listId)).toEqual(lists.slice(0, 10).map((l) => l.id));
  expect(graph.asked.every((a) => a.top === 40 && a.orderBy === 'lastModifiedDateTime desc')).toBe(true);
  expect(out).toEqual({ suggestions: [{ listId: 'L3', listName: 'List 3', taskId: 't1', title: 'Q3 budget review' }], preselect: true });
});

test('a list that cannot be read leaves the others ranked', async () => {
  const graph = pages({ L1: [{ id: 't1', title: 'Q3 budget review' }] }, { failing: ['L0', 'L2'] });
  const out = await suggestTasks(graph, lists, context, { logger: silentLogger() });
  expect(out.suggestions.map((s) => s.taskId)).toEqual(['t1']);
});

test('past its time budget the picker goes without suggestions, and the requests are abandoned', async () => {
  const graph = pages({ L1: [{ id: 't1', title: 'Q3 budget review' }] }, { delayMs: 60_000 });
  const out = await suggestTasks(graph, lists, context, { logger: silentLogger(), budgetMs: 50 });
  expect(out).toEqual({ suggestions: [], preselect: false });
  expect(graph.aborted.sort()).toEqual(lists.slice(0, 10).map((l) => l.id).sort());
});

test('nothing to go on: no requests at all', async () => {
  const graph = pages({});
  expect(await suggestTasks(graph, lists, rankingContext([], '  ', undefined), { logger: silentLogger() })).toEqual({ suggestions: [], preselect: false });
  expect(graph.asked).toEqual([]);
});

test('a suggested choice resolves only to a suggestion the card had', () => {
  const s = [{ listId: 'L', listName: 'Work', taskId: 'T', title: 'x' }];
  expect(suggestionOf('suggested:0', s)).toEqual(s[0]);
  expect(suggestionOf('suggested:1', s)).toBeNull();
  expect(suggestionOf('suggested:x', s)).toBeNull();
  expect(suggestionOf('AAMkAD-abc==', s)).toBeUndefined();
  expect(suggestionOf(undefined, s)).toBeUndefined();
});

test('the ranking context: file names without extensions or copy numbers, trimmed texts', () => {
  expect(rankingContext(['a.pdf', 'Budget (2).xlsx'], ' hi ', ' Finance ')).toEqual({ fileName: 'a Budget', messageText: 'hi', conversationName: 'Finance' });
});
