import { z } from 'zod';
import {
  environmentNameVariable,
  glueLakeVariables,
  lakeZoneVariables,
  nonEmpty,
} from './environmentVariables.ts';

/**
 * The environment of each Lambda of the state machine, and nothing more: each reads what it
 * needs and the stack sets exactly that (test/infra/taskEnvironments.test.ts).
 */
export const lambdaEnvironments = {
  /** Plans the run: needs the schedule's time zone to know which day a scheduled run is for. */
  parseArgs: z.object({ ...environmentNameVariable, TIME_ZONE: nonEmpty }),
  /** Renders a SQL use case, runs it on Athena into a fresh run prefix, publishes it in Glue. */
  runSqlUseCase: z.object({ ...environmentNameVariable, ...glueLakeVariables, ATHENA_WORKGROUP: nonEmpty }),
  /** Reads the run's manifests and sends the success message. */
  summarize: z.object({
    ...environmentNameVariable,
    LAKE_MANIFESTS: lakeZoneVariables.LAKE_MANIFESTS,
    TOPIC_ARN: nonEmpty,
  }),
  /** Sends the failure message. */
  notifyFailure: z.object({ ...environmentNameVariable, TOPIC_ARN: nonEmpty }),
} as const;

export type LambdaName = keyof typeof lambdaEnvironments;

/** Set by the Lambda service itself (reserved: a stack cannot set it). */
export const lambdaRuntimeVariables = z.object({ AWS_REGION: nonEmpty });
