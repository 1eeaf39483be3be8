import { sqlUseCaseTimeoutMinutes } from '../useCases/useCase.ts';
import type { LambdaName } from './lambdaEnvironments.ts';

/** What a Lambda of the pipeline runs with, besides its environment. */
export interface LambdaSettings {
  /** Megabytes. */
  readonly memorySize: number;
  /**
   * When Lambda stops the invocation. A Task state without TimeoutSeconds waits exactly this
   * long for it in AWS, so the local runner gives that state this timeout too.
   */
  readonly timeoutSeconds: number;
}

/**
 * Each Lambda's size and timeout, the one definition of both: the stack deploys them
 * (lib/pipelineFunctions.ts) and the local runner times its Lambda tasks out by them
 * (test/infra/lambdaTimeouts.test.ts holds the two together). Per handler, not per
 * environment: they do the same work everywhere.
 */
export const lambdaSettings = {
  parseArgs: { memorySize: 256, timeoutSeconds: 30 },
  // Lists a day's raw objects and writes one small plan.
  planShards: { memorySize: 256, timeoutSeconds: 60 },
  // Renders, runs and waits for one Athena query, then publishes its partition: mostly
  // waiting, so little memory; it stops the query a minute before its own timeout.
  runSqlUseCase: { memorySize: 512, timeoutSeconds: (sqlUseCaseTimeoutMinutes + 1) * 60 },
  // Reads and writes one small report per failed load or use case.
  recordFailure: { memorySize: 256, timeoutSeconds: 30 },
  // Reads every partition's manifest of a run, like Summarize.
  reviewLoads: { memorySize: 512, timeoutSeconds: 2 * 60 },
  // Reads every partition's manifest of a run (a backfill may have hundreds); the run
  // report's four Athena queries (a minute each at most) come before the message.
  summarize: { memorySize: 512, timeoutSeconds: 6 * 60 },
  notifyFailure: { memorySize: 256, timeoutSeconds: 60 },
  relayAlarm: { memorySize: 256, timeoutSeconds: 30 },
} as const satisfies Readonly<Record<LambdaName, LambdaSettings>>;
