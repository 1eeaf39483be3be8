import { z } from 'zod';
import { type ErrorCategory, errorCategories } from '../errors/errorCategory.ts';

/**
 * Why one task of a run failed, kept in the lake beside the manifests. Step Functions gives
 * the state machine only what the service returns (for a Fargate task: exit code and "Essential
 * container in task exited"), so a container writes its own error here before it exits; the
 * state machine's RecordFailure step completes it with what ECS or Lambda said and the link to
 * the task's logs, and Summarize builds the message from it.
 */

export const failedItemSchema = z.union([
  z.object({ source: z.string(), dt: z.string() }).strict(),
  z.object({ useCase: z.string(), dt: z.string() }).strict(),
]);
export type FailedItem = z.infer<typeof failedItemSchema>;

/** What the task itself knew: its error's name, category, message and details. */
export const taskErrorSchema = z
  .object({
    error: z.string(),
    category: z.enum(Object.keys(errorCategories) as [ErrorCategory, ...ErrorCategory[]]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type TaskError = z.infer<typeof taskErrorSchema>;

/** What the service said about the stopped task, and where its logs are. */
export const taskStopSchema = z
  .object({
    /** The state machine's error (States.TaskFailed, States.Timeout, a Lambda's error type). */
    stateError: z.string(),
    exitCode: z.number().int().nullable(),
    /** ECS's stopped reason (e.g. "Essential container in task exited", "OutOfMemoryError: …"). */
    stoppedReason: z.string().nullable(),
    taskArn: z.string().nullable(),
    logs: z
      .object({ group: z.string(), stream: z.string().nullable(), link: z.string() })
      .strict()
      .nullable(),
  })
  .strict();
export type TaskStop = z.infer<typeof taskStopSchema>;

export const failureReportSchema = z
  .object({
    runId: z.string(),
    item: failedItemSchema,
    /** The task's own report; absent when it could not write one (killed, out of memory, misconfigured). */
    task: taskErrorSchema.nullable(),
    /** Set by RecordFailure: the execution this failure belongs to, and what the service said. */
    executionId: z.string().nullable(),
    stop: taskStopSchema.nullable(),
    at: z.string(),
  })
  .strict();
export type FailureReport = z.infer<typeof failureReportSchema>;

/** The error people and filters see: the task's own name, else the state machine's. */
export function errorNameOf(report: FailureReport): string {
  return report.task?.error ?? report.stop?.stateError ?? 'UnknownFailure';
}

/** One paragraph a person can act on, from whatever the report holds. */
export function failureMessageOf(report: FailureReport): string {
  if (report.task) return report.task.message;
  const stop = report.stop;
  if (!stop) return 'The task failed without a report.';
  const exit = stop.exitCode === null ? '' : ` with exit code ${stop.exitCode}`;
  return (
    `The task stopped${exit}${stop.stoppedReason ? ` (${stop.stoppedReason})` : ''} before it could write ` +
    'a failure report: it was killed or ran out of memory. Its logs say what it did last.'
  );
}
