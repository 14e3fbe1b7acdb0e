/** What we know about the file when the picker opens. Every field is optional. */
export interface RankingContext {
  /** The file's name as sent ("Q3_Budget_FINAL_v2.xlsx"). */
  fileName?: string | undefined;
  /** Text of the message the file came with (plain text or Teams HTML). */
  messageText?: string | undefined;
  /** The channel's or group chat's name ("Finance Team", "Projekt B27"). */
  conversationName?: string | undefined;
}

/** A task the user might mean, with its list (what Graph's todoTask and todoTaskList give). */
export interface CandidateTask {
  id: string;
  title: string;
  listId: string;
  listName: string;
  /** Graph's status: notStarted, inProgress, completed, waitingOnOthers, deferred. */
  status?: string | undefined;
  /** Graph's importance: low, normal, high. */
  importance?: string | undefined;
  /** ISO 8601 date or date-time. */
  createdDateTime?: string | undefined;
  lastModifiedDateTime?: string | undefined;
  /** ISO 8601 (Graph's dueDateTime.dateTime). */
  dueDateTime?: string | undefined;
}

export interface RankedTask {
  task: CandidateTask;
  /** Text evidence, in units of "one word that only this task has" (0 = no word in common). */
  relevance: number;
  /** relevance + a small prior (importance, recency, due soon) that only settles near-ties. */
  score: number;
  completed: boolean;
  /** Query words that matched this task (folded, stemmed): for logs and tests. */
  matched: string[];
}

export interface Ranking {
  /** Every task: open ones by score, then completed ones by score. */
  ranked: RankedTask[];
  /** Up to 3 open tasks with some evidence, best first. */
  suggestions: RankedTask[];
  /** The task to preselect: set only when the best open task clearly wins. */
  preselected: RankedTask | undefined;
}
