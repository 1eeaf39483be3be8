import { z } from 'zod';
import type { TaskStop } from './failureReport.ts';

/**
 * Reads what Step Functions' Catch receives for a failed task — `{ Error, Cause }` — into the
 * facts people need. For an ECS `.sync` task the Cause is the stopped task's description (the
 * ECS DescribeTasks shape, PascalCase): exit code per container, the stopped reason, the task
 * ARN. For a Lambda it is `{ errorType, errorMessage, trace }`. For a timeout it is text.
 */

/** Where each task writes its logs: the containers' log groups (stream prefix = container name) and the SQL Lambda's. */
export const taskLogGroupsSchema = z
  .object({
    region: z.string(),
    containers: z.record(z.string(), z.string()),
    lambdas: z.record(z.string(), z.string()),
  })
  .strict();
export type TaskLogGroups = z.infer<typeof taskLogGroupsSchema>;

const ecsStoppedTask = z.object({
  TaskArn: z.string().optional(),
  StoppedReason: z.string().optional(),
  Containers: z
    .array(
      z.object({ Name: z.string(), ExitCode: z.number().int().optional(), Reason: z.string().optional() }),
    )
    .min(1),
});

const lambdaFailure = z.object({ errorType: z.string(), errorMessage: z.string() });

/**
 * The CloudWatch console's address of a log stream (or of a group searched for `filter`): the
 * console encodes path parts twice, `/` becoming `$252F`.
 */
export function logConsoleLink(
  region: string,
  group: string,
  stream: string | null,
  filter?: string,
): string {
  const encode = (part: string): string => encodeURIComponent(encodeURIComponent(part)).replace(/%/g, '$');
  const base = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${encode(group)}`;
  if (stream !== null) return `${base}/log-events/${encode(stream)}`;
  return filter ? `${base}/log-events${encode(`?filterPattern="${filter}"`)}` : base;
}

function parsedCause(cause: unknown): unknown {
  if (typeof cause !== 'string') return cause;
  try {
    return JSON.parse(cause) as unknown;
  } catch {
    return cause;
  }
}

/**
 * What the service said about a failed task. `lambda` names the Lambda the failed state
 * invokes (for its log group); `runId` filters its log group, since a Lambda's Cause does not
 * name its log stream.
 */
export function taskStopOf(
  failure: { readonly Error?: string; readonly Cause?: unknown },
  where: { readonly logGroups: TaskLogGroups | null; readonly lambda?: string; readonly runId: string },
): TaskStop {
  const stateError = failure.Error ?? 'States.TaskFailed';
  const cause = parsedCause(failure.Cause);
  const ecs = ecsStoppedTask.safeParse(cause);
  if (ecs.success) {
    const container = ecs.data.Containers.find((c) => (c.ExitCode ?? 0) !== 0) ?? ecs.data.Containers[0];
    const name = container?.Name ?? 'unknown';
    const taskArn = ecs.data.TaskArn ?? null;
    const taskId = taskArn?.split('/').at(-1) ?? null;
    const group = where.logGroups?.containers[name];
    const stream = taskId ? `${name}/${name}/${taskId}` : null;
    return {
      stateError,
      exitCode: container?.ExitCode ?? null,
      // A container's own reason (out of memory, image pull) says more than the task's.
      stoppedReason: container?.Reason ?? ecs.data.StoppedReason ?? null,
      taskArn,
      logs:
        group && where.logGroups
          ? { group, stream, link: logConsoleLink(where.logGroups.region, group, stream) }
          : null,
    };
  }
  const lambda = lambdaFailure.safeParse(cause);
  const group = where.lambda ? where.logGroups?.lambdas[where.lambda] : undefined;
  return {
    stateError,
    exitCode: null,
    stoppedReason: lambda.success
      ? `${lambda.data.errorType}: ${lambda.data.errorMessage}`
      : typeof cause === 'string'
        ? cause
        : null,
    taskArn: null,
    logs:
      group && where.logGroups
        ? { group, stream: null, link: logConsoleLink(where.logGroups.region, group, null, where.runId) }
        : null,
  };
}
