import { z } from 'zod';
import { taskLogGroupsSchema } from '../run/taskStop.ts';
import {
  glueLakeVariables,
  jsonOf,
  lakeZoneVariables,
  nonEmpty,
  taskLoggingVariables,
} from './environmentVariables.ts';

/**
 * The environment of each Lambda of the pipeline, and nothing more: each reads what it
 * needs and the stack sets exactly that (test/infra/taskEnvironments.test.ts).
 */
export const lambdaEnvironments = {
  /** Plans the run: needs the schedule's time zone to know which day a scheduled run is for. */
  parseArgs: z.object({ ...taskLoggingVariables, TIME_ZONE: nonEmpty }),
  /**
   * Cuts a source's day into shards of at most SHARD_MAX_BYTES and its merge into parts of at
   * most MERGE_PART_MAX_BYTES: lists its raw objects, writes the shard plan in the curated
   * zone's shard work area.
   */
  planShards: z.object({
    ...taskLoggingVariables,
    LAKE_RAW: lakeZoneVariables.LAKE_RAW,
    LAKE_CURATED: lakeZoneVariables.LAKE_CURATED,
    SHARD_MAX_BYTES: z.coerce.number().int().positive(),
    MERGE_PART_MAX_BYTES: z.coerce.number().int().positive(),
  }),
  /** Renders a SQL use case, runs it on Athena into a fresh run prefix, publishes it in Glue. */
  runSqlUseCase: z.object({ ...taskLoggingVariables, ...glueLakeVariables, ATHENA_WORKGROUP: nonEmpty }),
  /**
   * Files a failed load or use case: reads and completes its failure report beside the
   * manifests; TASK_LOG_GROUPS (JSON: the containers' and the SQL Lambda's log groups) gives the link to its logs.
   */
  recordFailure: z.object({
    ...taskLoggingVariables,
    LAKE_MANIFESTS: lakeZoneVariables.LAKE_MANIFESTS,
    TASK_LOG_GROUPS: jsonOf(taskLogGroupsSchema.omit({ region: true })),
  }),
  /** Reads which days loaded (manifests, failure reports) and each source's policy for a failed day. */
  reviewLoads: z.object({ ...taskLoggingVariables, LAKE_MANIFESTS: lakeZoneVariables.LAKE_MANIFESTS }),
  /**
   * Reads the run's manifests and failure reports, files the run's report and its rows of the
   * run ledger (in LAKE_CURATED, registered in GLUE_DATABASE), publishes each source's figures
   * under the CloudWatch namespace METRICS_NAMESPACE, sends the message.
   */
  summarize: z.object({
    ...taskLoggingVariables,
    LAKE_MANIFESTS: lakeZoneVariables.LAKE_MANIFESTS,
    LAKE_CURATED: lakeZoneVariables.LAKE_CURATED,
    LAKE_RESULTS: lakeZoneVariables.LAKE_RESULTS,
    LAKE_ATHENA_RESULTS: lakeZoneVariables.LAKE_ATHENA_RESULTS,
    GLUE_DATABASE: glueLakeVariables.GLUE_DATABASE,
    ATHENA_WORKGROUP: nonEmpty,
    TOPIC_ARN: nonEmpty,
    METRICS_NAMESPACE: nonEmpty,
  }),
  /** Sends the failure message. */
  notifyFailure: z.object({ ...taskLoggingVariables, TOPIC_ARN: nonEmpty }),
  /** Not a state of the state machine: sends the message of an alarm that went off to the alert topic. */
  relayAlarm: z.object({ ...taskLoggingVariables, TOPIC_ARN: nonEmpty }),
} as const;

export type LambdaName = keyof typeof lambdaEnvironments;

/** Set by the Lambda service itself (reserved: a stack cannot set it). */
export const lambdaRuntimeVariables = z.object({ AWS_REGION: nonEmpty });
