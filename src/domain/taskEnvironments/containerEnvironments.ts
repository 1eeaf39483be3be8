import { z } from 'zod';
import { qualityOverrideSchema } from '../run/runArguments.ts';
import {
  duckdbMemoryLimitVariable,
  glueLakeVariables,
  jsonOf,
  nonEmpty,
  runDateVariable,
  runIdVariable,
  taskLoggingVariables,
} from './environmentVariables.ts';

/**
 * The environment of the pipeline's containers (the loader, the model jobs). The settings
 * come from the task definition (or, locally, from the runner), the per-run values from the
 * state machine's container overrides; the lake is either a local directory or S3 + Glue.
 */
/** How often a task in AWS logs its progress: often enough to follow, rarely enough to read. */
export const taskProgressIntervalSeconds = 10;

export const containerSettings = z.object({
  ...taskLoggingVariables,
  /** Scratch disk: downloaded inputs, staged records, Parquet before upload, DuckDB's spill. */
  WORK_DIR: nonEmpty,
  DUCKDB_MEMORY_LIMIT: duckdbMemoryLimitVariable,
  DUCKDB_THREADS: z.coerce.number().int().positive(),
  /**
   * How often a long job logs its progress: every few seconds in a task's log (the stack), every
   * second locally, where the runner turns the lines into its live line.
   */
  PROGRESS_INTERVAL_SECONDS: z.coerce.number().positive(),
});

/**
 * A lake in S3 with Glue, where a container runs in AWS (or locally against `--lake s3://…`).
 * The region is not here: ECS sets AWS_REGION in every task, and the SDK reads it.
 */
export const containerGlueLake = z.object({ CATALOG: z.literal('glue'), ...glueLakeVariables });

/** A local lake: a directory holding the zones and the catalog file. */
export const containerLocalLake = z.object({ CATALOG: z.literal('local'), LAKE: nonEmpty });

export const containerLake = z.discriminatedUnion('CATALOG', [containerGlueLake, containerLocalLake]);

/**
 * Which part of a day's load a loader task does: the whole day (`day`); for a day planned into
 * shards, one shard (`shard-<index>`), one part of the merge (`merge-<part>`: its share of the
 * ids de-duplicated and written), or the publish of the merged parts (`publish`).
 */
export const loadStepVariable = z
  .string()
  .regex(/^(day|publish|shard-\d{1,5}|merge-\d{1,5})$/, 'day, shard-<index>, merge-<part> or publish')
  .transform((step) => {
    const [kind, index] = step.split('-');
    if (kind === 'shard') return { kind: 'shard', shard: Number(index) } as const;
    if (kind === 'merge') return { kind: 'merge', part: Number(index) } as const;
    return { kind: kind as 'day' | 'publish' } as const;
  });

export type LoadStep = z.infer<typeof loadStepVariable>;

/** The LOAD_STEP of a shard's task (what PlanShards lists for the Map over shards). */
export function shardLoadStep(shard: number): string {
  return `shard-${shard}`;
}

/** The LOAD_STEP of a merge part's task (what PlanShards lists for the Map over merge parts). */
export function mergeLoadStep(part: number): string {
  return `merge-${part}`;
}

/** The values of one run, per kind of container: what the state machine overrides. */
export const containerRunVariables = {
  /**
   * QUALITY: the run's data-quality limit and its reason as JSON, or `null` when the run sets
   * none (the state machine passes the plan's value as it is).
   */
  loader: z.object({
    RUN_ID: runIdVariable,
    RUN_DATE: runDateVariable,
    SOURCE: nonEmpty,
    QUALITY: jsonOf(qualityOverrideSchema.nullable()),
    LOAD_STEP: loadStepVariable,
  }),
  /** USE_CASE: the model use case the task runs (its failure report is filed under it). */
  model: z.object({ RUN_ID: runIdVariable, RUN_DATE: runDateVariable, USE_CASE: nonEmpty }),
} as const;

export type ContainerKind = keyof typeof containerRunVariables;
