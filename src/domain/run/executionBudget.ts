import { maxMergePartsPerDay, maxShardsPerDay } from '../ingest/shardLimit.ts';

/**
 * How many days one execution of the state machine may load. A standard Step Functions
 * execution fails once its history holds 25,000 events; every state an execution goes
 * through adds a few. The plan itself is small (names and dates), so the history, not the
 * 256 KiB state size, is what bounds an execution; a longer range runs in several, one after
 * the other (ParseArgs plans the parts). The counts per state are Step Functions'
 * (a Task adds entered, scheduled, started, succeeded, exited and, for `.sync`, submitted);
 * test/infra/executionBudget.test.ts derives them from the synthesized definition again.
 */
export const executionHistoryLimit = 25_000;

/** Head room for retries, a failure's NotifyFailure and the top-level states. */
const historyBudget = Math.floor(executionHistoryLimit * 0.8);

/** Events of the states the execution runs for one day, by what the day holds. */
export const eventsPerDay = {
  /** The day's iteration of each of the two Maps over days, and the inner Map it starts. */
  fixed: 2 * (2 + 4),
  /**
   * A source's iteration (2), PlanShards (5), the Choice (2), then the longer of its loader task
   * (`.sync`: 6) and its shards: the Map over shards (4), each shard's iteration and task (2 + 6,
   * at most maxShardsPerDay of them), the Map over merge parts (4), each part's iteration and
   * task (2 + 6, at most maxMergePartsPerDay of them) and the publish (6); if it fails,
   * RecordLoadFailure (5).
   */
  perSource:
    2 + 5 + 2 + Math.max(6, 4 + maxShardsPerDay * (2 + 6) + 4 + maxMergePartsPerDay * (2 + 6) + 6) + 5,
  /** A use case's iteration (2), the Choice (2), its task (at most 6) and, if it fails, RecordUseCaseFailure (5). */
  perUseCase: 2 + 2 + 6 + 5,
} as const;

/** The longest range one execution may plan for this many sources and use cases. */
export function maxDaysPerExecution(sources: number, useCases: number): number {
  const perDay = eventsPerDay.fixed + sources * eventsPerDay.perSource + useCases * eventsPerDay.perUseCase;
  return Math.max(1, Math.floor(historyBudget / perDay));
}
