import { setTimeout as sleep } from 'node:timers/promises';
import {
  ExecutionProgress,
  type ExecutionStep,
  type IterationItem,
} from '../adapters/aws/executionProgress.ts';
import type { StepFunctionsExecutions } from '../adapters/aws/stepFunctionsExecutions.ts';
import { environmentOfExecution } from '../domain/deployment/pipelineStack.ts';
import { stateNames } from '../domain/stateMachine/stateNames.ts';
import { etlCommandLine, shellQuote } from './shellCommand.ts';

export type EndStatus = Extract<ExecutionStep, { kind: 'ended' }>['status'];

/** How a followed run ended: the worst status of its parts (a long range runs as several). */
export interface FollowOutcome {
  readonly status: EndStatus;
  readonly executions: readonly string[];
  readonly durationMs: number;
  readonly error: string | null;
  readonly cause: string | null;
  /** What to do next: on failure, the command that re-drives the failed execution. */
  readonly next: string | null;
}

export interface FollowOptions {
  readonly pollMs: number;
  /**
   * The first execution was just re-driven (RedriveExecution): its history ends once before
   * the re-drive, so an end counts only after the ExecutionRedriven event.
   */
  readonly redriven?: boolean;
  /** One line per step, for people or (JSON Lines) for scripts. */
  readonly print: (step: ExecutionStep & { readonly executionArn: string }) => void;
}

/**
 * `etl follow`: polls an execution's history for new events and prints its states as they
 * happen until it ends; a range's next part (StartNextPart's output) is followed in turn.
 */
export async function followExecution(
  executions: Pick<StepFunctionsExecutions, 'eventsAfter'>,
  executionArn: string,
  options: FollowOptions,
): Promise<FollowOutcome> {
  const followed: string[] = [];
  let failed: { status: EndStatus; error: string | null; cause: string | null; arn: string } | null = null;
  let startedAt: Date | null = null;
  let endedAt: Date | null = null;
  let current: string | null = executionArn;
  while (current) {
    followed.push(current);
    const progress = new ExecutionProgress();
    let end: Extract<ExecutionStep, { kind: 'ended' }> | null = null;
    let awaitingRedrive = options.redriven === true && followed.length === 1;
    for (let first = true; end === null; first = false) {
      if (!first) await sleep(options.pollMs);
      for (const step of progress.read(await executions.eventsAfter(current, progress.lastEventId))) {
        startedAt ??= progress.startedAt ?? step.at;
        options.print({ ...step, executionArn: current });
        if (step.kind === 'redriven') {
          awaitingRedrive = false;
          end = null;
        } else if (step.kind === 'ended' && !awaitingRedrive) end = step;
      }
    }
    endedAt = end.at;
    if (end.status !== 'SUCCEEDED' && failed === null) failed = { ...end, arn: current };
    current = nextPartOf(progress.stateOutputs);
  }
  const environment = environmentOfExecution(failed?.arn ?? executionArn);
  return {
    status: failed?.status ?? 'SUCCEEDED',
    executions: followed,
    durationMs: startedAt && endedAt ? endedAt.getTime() - startedAt.getTime() : 0,
    error: failed?.error ?? null,
    cause: failed?.cause ?? null,
    next:
      failed === null
        ? null
        : `${etlCommandLine} redrive ${[failed.arn, ...(environment ? ['--env', environment] : [])].map(shellQuote).join(' ')}`,
  };
}

/** The execution StartNextPart started, when this part had one. */
function nextPartOf(outputs: readonly { state: string; output: unknown }[]): string | null {
  for (const { state, output } of outputs) {
    if (state !== stateNames.startNextPart || typeof output !== 'object' || output === null) continue;
    const nextPart = (output as { nextPart?: { executionArn?: unknown } }).nextPart;
    if (typeof nextPart?.executionArn === 'string') return nextPart.executionArn;
  }
  return null;
}

function describeItem(item: IterationItem | null): string {
  if (!item) return '';
  return ` [${[item.dt, item.source, item.useCase].filter((v) => v !== undefined).join(' ')}]`;
}

/** A step as one line for people. */
export function stepLine(step: ExecutionStep): string {
  const time = step.at.toISOString().slice(11, 19);
  switch (step.kind) {
    case 'entered':
      return `${time} ${step.state}${describeItem(step.item)} entered`;
    case 'succeeded':
      return `${time} ${step.state}${describeItem(step.item)} succeeded`;
    case 'failed':
      return `${time} ${step.state ?? 'a state'}${describeItem(step.item)} FAILED: ${step.error}${step.cause ? `: ${oneLine(step.cause)}` : ''}`;
    case 'redriven':
      return `${time} execution re-driven: it goes on from its failed states`;
    case 'ended':
      return `${time} execution ${step.status}${step.error ? `: ${step.error}` : ''}`;
  }
}

/** The last line for people: status, duration, what next. */
export function outcomeLine(outcome: FollowOutcome): string {
  const parts = outcome.executions.length > 1 ? ` (${outcome.executions.length} parts)` : '';
  const duration = `${(outcome.durationMs / 1000).toFixed(1)} s`;
  if (outcome.status === 'SUCCEEDED') return `Run SUCCEEDED${parts} in ${duration}.`;
  const why = outcome.error ? `: ${outcome.error}${outcome.cause ? `: ${oneLine(outcome.cause)}` : ''}` : '';
  return `Run ${outcome.status}${parts} after ${duration}${why}. Fix the cause, then: ${outcome.next}`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
