import type { ModelUseCase } from '../useCases/useCase.ts';

/**
 * The state machine's state names: the CDK definition, the local orchestrator's handler
 * map, the failure message and the README diagram all use these, never string copies.
 */
export const stateNames = {
  parseArgs: 'ParseArgs',
  /** Map over the planned days… */
  loadPartitions: 'LoadPartitions',
  /** …and, for each day, over the planned sources. */
  loadSourcesOfDay: 'LoadSourcesOfDay',
  /** A source's day: one shard (loaded by one task) or several. */
  planShards: 'PlanShards',
  chooseLoad: 'ChooseLoad',
  load: 'Load',
  /** Map over a day's shards, each cleaned by its own task… */
  checkShards: 'CheckShards',
  checkShard: 'CheckShard',
  /** …then merged: a Map over the merge's parts, each de-duplicating its share of the ids… */
  mergeShards: 'MergeShards',
  mergeShard: 'MergeShard',
  /** …and the parts published once, as the day's tables. */
  publishShards: 'PublishShards',
  /** A day's load failed: its report is completed in the lake, the other days go on. */
  recordLoadFailure: 'RecordLoadFailure',
  /** Which days loaded, so which days' use cases run; stops the run if a source says so. */
  reviewLoads: 'ReviewLoads',
  /** Map over the planned days… */
  runUseCases: 'RunUseCases',
  /** …and, for each day, over the planned use cases. */
  runUseCasesOfDay: 'RunUseCasesOfDay',
  chooseUseCase: 'ChooseUseCase',
  runSqlUseCase: 'RunSqlUseCase',
  /** A use case of a day failed: its report is completed, the other use cases and days go on. */
  recordUseCaseFailure: 'RecordUseCaseFailure',
  summarize: 'Summarize',
  /** A range longer than one execution may hold goes on in a new execution of the rest. */
  hasNextPart: 'HasNextPart',
  startNextPart: 'StartNextPart',
  /** Summarize's verdict: everything done, or some partitions or use cases failed. */
  checkOutcome: 'CheckOutcome',
  notifyFailure: 'NotifyFailure',
  succeeded: 'Succeeded',
  /** Some partitions or use cases failed (Summarize's message lists them); the rest published. */
  partitionsFailed: 'PartitionsFailed',
  /** A step of the whole run failed (NotifyFailure's message says which). */
  failed: 'PipelineFailed',
} as const;

export type StateName = (typeof stateNames)[keyof typeof stateNames];

/** The Task state that runs a model use case's container: `price_model` → `RunPriceModel`. */
export function modelUseCaseStateName(useCase: Pick<ModelUseCase, 'name'>): string {
  const pascal = useCase.name
    .split('_')
    .map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`)
    .join('');
  return `Run${pascal}`;
}
