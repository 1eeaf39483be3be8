import type { StateMachineDefinition } from '../../lib/resolvedDefinition.ts';
import { InternalError } from '../domain/errors/pipelineError.ts';
import { TaskCancelledError } from '../ports/taskCancellation.ts';
import { findState, nestedMachines, taskStates } from './definitionStates.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a local task's work is given besides its input. */
export interface LocalTask {
  /**
   * Aborted when AWS would stop the task or stop waiting for it: its state's TimeoutSeconds or
   * its Lambda's timeout passed, the Map it runs in failed, or the execution ended. The reason
   * is a sentence.
   */
  readonly signal: AbortSignal;
}

/** A Task state's local handler: the state's effective input, and its cancellation. */
export type LocalTaskHandler = (input: Json, task: LocalTask) => Promise<Json>;

/** What aws-local-stepfunctions calls for a Task state (it passes no signal). */
export type EngineTaskHandler = (input: Json) => Promise<Json>;

/**
 * What Step Functions reports when the Lambda a Task state invokes runs past its own timeout:
 * "Unhandled errors in Lambda are reported as Lambda.Unknown in the error output. These include
 * out-of-memory errors and function timeouts" (Step Functions developer guide, "Handle Lambda
 * service exceptions"). Not States.Timeout: that is the state's own TimeoutSeconds.
 */
export const lambdaTimeoutErrorName = 'Lambda.Unknown';

/** The cause AWS gives with it: the Lambda's timeout message. */
export const lambdaTimeoutCause = (seconds: number): string =>
  JSON.stringify({ errorMessage: `Task timed out after ${seconds.toFixed(2)} seconds` });

/**
 * When AWS gives up on a Task state: its TimeoutSeconds (States.Timeout), and for a Lambda task
 * its Lambda's timeout (Lambda.Unknown), whichever comes first. Neither: it waits as long as it takes.
 */
export interface TaskDeadline {
  readonly seconds: number;
  /** The error the state fails with then. */
  readonly error: string;
  /** Its cause, as the execution records it. */
  readonly cause: string;
}

/**
 * How long cancelled work may take to stop before the execution's end stops waiting for it:
 * ECS's stop timeout (SIGTERM, then SIGKILL after 30 s), plus a margin.
 */
const settleTimeoutMs = 35_000;

interface RunningTask {
  readonly state: string;
  readonly controller: AbortController;
  /** The work, settled either way. */
  readonly done: Promise<void>;
}

/**
 * The local tasks of one execution, each with its own cancellation. aws-local-stepfunctions
 * only stops *waiting* for a task (Promise.race against its timer; a failed Map's siblings
 * are dropped): the task itself would go on and might publish after the run had failed, which
 * AWS never lets happen (ECS .sync stops the task; a Lambda's result is discarded; Lambda stops
 * an invocation at its timeout). So every handler runs with a signal that is aborted at the very
 * moment AWS gives up on it.
 */
export class RunningTasks {
  private readonly running = new Set<RunningTask>();

  constructor(
    private readonly definition: Pick<StateMachineDefinition, 'States'>,
    /** The timeout of each Lambda Task state's Lambda, in seconds, by state name. */
    private readonly lambdaTimeouts: Readonly<Record<string, number>> = {},
    /** Told how cancelled work ended (its error, e.g. a refused publish; or undefined): nobody else hears it. */
    private readonly onCancelledEnd: (state: string, reason: string, error: unknown) => void = () => {},
  ) {}

  /** The handler the engine calls for `state`: `handler` with a signal of its own for each call. */
  track(state: string, handler: LocalTaskHandler): EngineTaskHandler {
    const deadline = taskDeadline(this.definition, state, this.lambdaTimeouts[state]);
    return (input) => {
      const controller = new AbortController();
      const work = Promise.resolve().then(() => handler(input, { signal: controller.signal }));
      const task: RunningTask = { state, controller, done: work.then(settled, settled) };
      this.running.add(task);
      // Set after the engine's own timer for the state (it sets it once this call returns), so
      // that when both are the state's TimeoutSeconds, the engine's States.Timeout is what the
      // execution records.
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      queueMicrotask(() => {
        if (controller.signal.aborted || !deadline) return;
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort(`${state} timed out after ${deadline.seconds} s (${deadline.error})`);
        }, deadline.seconds * 1000);
      });
      void task.done.then(() => {
        clearTimeout(timer);
        this.running.delete(task);
      });
      work.then(
        () => {
          if (controller.signal.aborted)
            this.onCancelledEnd(state, String(controller.signal.reason), undefined);
        },
        (error: unknown) => {
          if (controller.signal.aborted) this.onCancelledEnd(state, String(controller.signal.reason), error);
        },
      );
      return new Promise<Json>((resolve, reject) => {
        work.then(resolve, reject);
        controller.signal.addEventListener(
          'abort',
          () => {
            // A timeout: the error AWS fails the state with (for States.Timeout the engine's
            // own timer has answered already, this is the same answer in case).
            reject(
              timedOut && deadline
                ? Object.assign(new Error(deadline.cause), { name: deadline.error })
                : new TaskCancelledError(String(controller.signal.reason)),
            );
          },
          { once: true },
        );
      });
    };
  }

  /** Cancels the running tasks of these states (every state if none are named). */
  cancel(reason: string, states?: ReadonlySet<string>): void {
    for (const task of this.running)
      if (!states || states.has(task.state)) task.controller.abort(`${task.state}: ${reason}`);
  }

  /**
   * Waits until cancelled work has stopped (bounded: work that ignores its signal cannot be
   * killed in-process); returns the states of the tasks still running after that.
   */
  async settle(timeoutMs = settleTimeoutMs): Promise<string[]> {
    const cancelled = [...this.running].filter((t) => t.controller.signal.aborted);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(cancelled.map((t) => t.done)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return [...this.running].map((t) => t.state);
  }

  /** The Task states inside a Map or Parallel state (what is abandoned when it fails). */
  tasksInside(state: string): ReadonlySet<string> | undefined {
    const found = findState(this.definition, state);
    if (!found) return undefined;
    const bodies = nestedMachines(found);
    if (bodies.length === 0) return undefined;
    return new Set(bodies.flatMap(taskStates));
  }
}

const settled = (): void => {};

/**
 * When AWS gives up on `state` (see {@link TaskDeadline}); undefined: never.
 * (TimeoutSecondsPath is refused: the runner could not cancel the task when the engine gives up.)
 */
export function taskDeadline(
  definition: Pick<StateMachineDefinition, 'States'>,
  state: string,
  lambdaTimeoutSeconds: number | undefined,
): TaskDeadline | undefined {
  const found = findState(definition, state);
  if (found?.TimeoutSecondsPath !== undefined)
    throw new InternalError(
      `${state} uses TimeoutSecondsPath, which the local runner does not support: use TimeoutSeconds.`,
    );
  const stateSeconds =
    typeof found?.TimeoutSeconds === 'number' && found.TimeoutSeconds > 0 ? found.TimeoutSeconds : undefined;
  if (
    lambdaTimeoutSeconds !== undefined &&
    (stateSeconds === undefined || lambdaTimeoutSeconds < stateSeconds)
  )
    return {
      seconds: lambdaTimeoutSeconds,
      error: lambdaTimeoutErrorName,
      cause: lambdaTimeoutCause(lambdaTimeoutSeconds),
    };
  if (stateSeconds !== undefined)
    return { seconds: stateSeconds, error: 'States.Timeout', cause: 'States.Timeout' };
  return undefined;
}

/**
 * The definition the engine runs: `definition` with every Task state's timer where AWS has it.
 * aws-local-stepfunctions gives a Task state without TimeoutSeconds 60 s, where AWS gives it none
 * (a Lambda task ends at its Lambda's timeout, which {@link RunningTasks} applies): such a state
 * gets a TimeoutSeconds the engine never reaches first (the execution's own, at most what a timer
 * holds). Nothing else changes.
 */
export function engineDefinition<T extends Pick<StateMachineDefinition, 'States' | 'TimeoutSeconds'>>(
  definition: T,
): T {
  const never = Math.min(definition.TimeoutSeconds ?? maxTimerSeconds, maxTimerSeconds);
  const copy = structuredClone(definition);
  const lift = (machine: Pick<StateMachineDefinition, 'States'>): void => {
    for (const state of Object.values(machine.States)) {
      if (
        state.Type === 'Task' &&
        state.TimeoutSeconds === undefined &&
        state.TimeoutSecondsPath === undefined
      )
        (state as { TimeoutSeconds?: number }).TimeoutSeconds = never;
      for (const body of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])])
        if (body) lift(body);
    }
  };
  lift(copy);
  return copy;
}

/** The longest delay setTimeout keeps (a longer one fires at once), in whole seconds. */
const maxTimerSeconds = Math.floor((2 ** 31 - 1) / 1000);
