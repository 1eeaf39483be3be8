/**
 * The most shards one source's day may have: every shard adds events to the execution's
 * history, which bounds how many days an execution holds (executionBudget.ts counts them).
 * (A module of its own: the error catalog says it too, and must not import the planner.)
 */
export const maxShardsPerDay = 32;

/**
 * The most parts a sharded day's merge may be split into: each part adds a task to the
 * execution's history too (executionBudget.ts). At prod's part size, 16 parts merge 2 TB.
 */
export const maxMergePartsPerDay = 16;
