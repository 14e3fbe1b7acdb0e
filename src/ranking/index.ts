export { rankTasks, MAX_CANDIDATES, MAX_SUGGESTIONS, type RankOptions } from './rank';
export { DEFAULT_PRESELECT_RULE, type PreselectRule } from './decide';
export { RANKING_FETCH_LIMITS } from './limits';
export type { CandidateTask, RankedTask, Ranking, RankingContext } from './types';
export { fileNameStem } from './tokenize';
