/**
 * What the caller should fetch from Graph before ranking (the ranker itself is safe with
 * more: it reads at most MAX_CANDIDATES tasks and caps every text it reads). These keep the
 * picker within Teams' invoke budget: lists are fetched in parallel, one page each.
 */
export const RANKING_FETCH_LIMITS = {
  /** Lists ranked at most: the first page of GET /me/todo/lists (To Do shows them in this order). */
  maxLists: 10,
  /**
   * Tasks per list: one page, `$top=40&$filter=status ne 'completed'&$orderby=lastModifiedDateTime desc`
   * (the open tasks touched most recently; a file rarely belongs to a task nobody touched for months).
   */
  tasksPerList: 40,
  /** Tasks ranked at most (maxLists × tasksPerList). */
  maxTasks: 400,
} as const;
