import { type PlannedPartition, partitionsOf, type RunArguments, type RunPlan } from '../run/runArguments.ts';
import type { Notification } from './notification.ts';
import { shellQuote } from './shellQuote.ts';

export function consoleLink(executionArn: string, region: string): string {
  if (region === 'local') return 'none (a local run: see the run summary and the outbox)';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

function sourcesOf(partitions: readonly { source: string }[]): string | undefined {
  const distinct = [...new Set(partitions.map((p) => p.source))];
  return distinct.length > 0 ? distinct.join(',') : undefined;
}

export interface FailureContext {
  readonly environment: string;
  readonly region: string;
  readonly executionId: string;
  readonly executionStartTime: string;
  readonly stateMachineName: string;
  /** The state data when the Catch fired: the plan (if ParseArgs succeeded) and `failure`. */
  readonly state: Record<string, unknown>;
  /** The command that starts the run again with the given input, in the world it ran in. */
  readonly rerunCommand: (input: unknown) => string;
}

export interface FailureDetails {
  readonly failedState: string;
  readonly error: string;
  readonly cause: string;
  readonly rerunInput: unknown;
  readonly partitions: readonly PlannedPartition[];
}

/** The state machine an execution belongs to: `…:execution:<machine>:<name>` → `…:stateMachine:<machine>`. */
export function stateMachineArnOf(executionArn: string): string {
  const parts = executionArn.split(':');
  return [...parts.slice(0, 5), 'stateMachine', parts[6] ?? ''].join(':');
}

/** The AWS CLI command that starts an execution of the same state machine with `input`. */
export function startExecutionCommand(executionArn: string, input: unknown): string {
  return [
    'aws stepfunctions start-execution',
    `--state-machine-arn ${shellQuote(stateMachineArnOf(executionArn))}`,
    `--input ${shellQuote(JSON.stringify(input))}`,
  ].join(' ');
}

/** The partitions as people read them: each one while few, else per source with the date range. */
export function describePartitions(partitions: readonly PlannedPartition[]): string {
  if (partitions.length === 0) return 'none planned';
  if (partitions.length <= 10) return partitions.map((p) => `${p.source}/${p.dt}`).join(', ');
  const bySource = new Map<string, string[]>();
  for (const p of partitions) bySource.set(p.source, [...(bySource.get(p.source) ?? []), p.dt]);
  return [...bySource]
    .map(([source, dates]) => `${source} ${dates[0]} to ${dates.at(-1)} (${dates.length} days)`)
    .join(', ');
}

/**
 * The Catch result is `{ Error, Cause }`. A Lambda's Cause is JSON with errorMessage; an ECS
 * task's is the task description, with each container's exit code and reason.
 */
export function readableCause(cause: unknown): string {
  if (typeof cause !== 'string') return JSON.stringify(cause ?? null);
  try {
    const parsed = JSON.parse(cause) as Record<string, unknown>;
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
    // ECS .sync: the task description, where the container's reason and exit code are
    const containers = (parsed.Containers ?? parsed.containers) as Record<string, unknown>[] | undefined;
    const container = containers?.[0];
    if (container) {
      const reason =
        container.Reason ?? container.reason ?? parsed.StoppedReason ?? parsed.stoppedReason ?? '';
      return `container ${String(container.Name ?? container.name)} exited ${String(container.ExitCode ?? container.exitCode)}: ${String(reason)}`;
    }
    return cause;
  } catch {
    return cause;
  }
}

export function failureDetails(state: Record<string, unknown>): FailureDetails {
  const failures = (state.failure ?? {}) as Record<string, { Error?: string; Cause?: unknown }>;
  const [failedState, failure] = Object.entries(failures)[0] ?? ['unknown', {}];
  const plan = state.plan as RunPlan | undefined;
  const { failure: _, ...input } = state;
  const rerunInput: RunArguments | Record<string, unknown> = plan?.rerunInput ?? input;
  return {
    failedState,
    error: failure.Error ?? 'unknown',
    cause: readableCause(failure.Cause),
    rerunInput,
    partitions: plan ? partitionsOf(plan) : [],
  };
}

export function failureNotification(context: FailureContext): Notification {
  const details = failureDetails(context.state);
  const lines = [
    `The listings pipeline failed in ${context.environment}.`,
    '',
    `Failed state: ${details.failedState}`,
    `Error: ${details.error}`,
    `Cause: ${details.cause}`,
    '',
    `Execution: ${context.executionId} (started ${context.executionStartTime})`,
    `Console: ${consoleLink(context.executionId, context.region)}`,
    `Partitions involved: ${describePartitions(details.partitions)}`,
    '',
    'To re-run after fixing the cause:',
    `  ${context.rerunCommand(details.rerunInput)}`,
    `(the run's input: ${JSON.stringify(details.rerunInput)})`,
    'Published partitions were not changed by the failed part of the run.',
  ];
  const source = sourcesOf(details.partitions);
  return {
    subject: `[${context.environment}] listings pipeline FAILED in ${details.failedState}: ${details.error}`,
    message: lines.join('\n'),
    attributes: {
      environment: context.environment,
      status: 'FAILED',
      error: details.error,
      ...(source ? { source } : {}),
    },
  };
}
