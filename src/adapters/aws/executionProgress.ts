import type { HistoryEvent } from '@aws-sdk/client-sfn';

/** Which item of a Map iteration a state works on: a day, and its source or use case. */
export interface IterationItem {
  readonly dt: string;
  readonly source?: string;
  readonly useCase?: string;
}

/** One thing that happened in an execution, in the terms a person follows it by. */
export type ExecutionStep =
  | {
      readonly kind: 'entered' | 'succeeded';
      readonly state: string;
      readonly item: IterationItem | null;
      readonly at: Date;
    }
  | {
      readonly kind: 'failed';
      readonly state: string | null;
      readonly item: IterationItem | null;
      readonly error: string;
      readonly cause: string;
      readonly at: Date;
    }
  /** RedriveExecution: the execution goes on from its failed states after it had ended. */
  | { readonly kind: 'redriven'; readonly at: Date }
  | {
      readonly kind: 'ended';
      readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
      readonly error: string | null;
      readonly cause: string | null;
      readonly at: Date;
    };

export interface StateOutput {
  readonly state: string;
  readonly output: unknown;
}

function json(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The item of a Map iteration, where a state's input names its day (and its source or use case). */
function itemOf(input: unknown): IterationItem | null {
  if (typeof input !== 'object' || input === null) return null;
  const { dt, source, useCase } = input as Record<string, unknown>;
  if (typeof dt !== 'string') return null;
  return {
    dt,
    ...(typeof source === 'string' ? { source } : {}),
    ...(typeof useCase === 'string' ? { useCase } : {}),
  };
}

const failureDetails = (event: HistoryEvent): { error?: string; cause?: string } | undefined =>
  event.taskFailedEventDetails ??
  event.lambdaFunctionFailedEventDetails ??
  event.activityFailedEventDetails ??
  event.taskTimedOutEventDetails ??
  event.lambdaFunctionTimedOutEventDetails ??
  event.evaluationFailedEventDetails ??
  undefined;

/**
 * Reads an execution's history as it grows: each event is tied to the state it belongs to
 * (an event's state is its own, or that of the event before it), so a task's failure names its
 * state and its Map item. Feed it the new events of each poll, oldest first.
 */
export class ExecutionProgress {
  private readonly stateOf = new Map<number, { state: string; item: IterationItem | null }>();
  private lastId = 0;
  private readonly outputs: StateOutput[] = [];
  private started: Date | null = null;

  /** When the execution started (its first event), once read. */
  get startedAt(): Date | null {
    return this.started;
  }

  /** The id of the last event read: the next poll asks for the events after it. */
  get lastEventId(): number {
    return this.lastId;
  }

  /** Every state's output so far, e.g. StartNextPart's (the next part of a range). */
  get stateOutputs(): readonly StateOutput[] {
    return this.outputs;
  }

  read(events: readonly HistoryEvent[]): ExecutionStep[] {
    const steps: ExecutionStep[] = [];
    for (const event of events) {
      const id = event.id ?? 0;
      if (id <= this.lastId) continue;
      this.lastId = id;
      if (event.type === 'ExecutionStarted') this.started = event.timestamp ?? null;
      const step = this.stepOf(event, id);
      if (step) steps.push(step);
    }
    return steps;
  }

  private stepOf(event: HistoryEvent, id: number): ExecutionStep | null {
    const at = event.timestamp ?? new Date(0);
    const type = event.type ?? '';
    const previous = this.stateOf.get(event.previousEventId ?? 0) ?? null;
    const entered = event.stateEnteredEventDetails;
    if (entered?.name !== undefined) {
      // An iteration's item comes with the state that receives it; the states inside inherit it.
      const context = { state: entered.name, item: itemOf(json(entered.input)) ?? previous?.item ?? null };
      this.stateOf.set(id, context);
      return { kind: 'entered', ...context, at };
    }
    if (previous) this.stateOf.set(id, previous);
    const exited = event.stateExitedEventDetails;
    if (exited?.name !== undefined) {
      this.outputs.push({ state: exited.name, output: json(exited.output) });
      return { kind: 'succeeded', state: exited.name, item: previous?.item ?? null, at };
    }
    const failed = failureDetails(event);
    if (failed && !type.startsWith('Execution')) {
      return {
        kind: 'failed',
        state: previous?.state ?? null,
        item: previous?.item ?? null,
        error: failed.error ?? type,
        cause: failed.cause ?? '',
        at,
      };
    }
    return this.endOf(event, at);
  }

  private endOf(event: HistoryEvent, at: Date): ExecutionStep | null {
    switch (event.type) {
      case 'ExecutionRedriven':
        return { kind: 'redriven', at };
      case 'ExecutionSucceeded':
        return { kind: 'ended', status: 'SUCCEEDED', error: null, cause: null, at };
      case 'ExecutionFailed':
        return {
          kind: 'ended',
          status: 'FAILED',
          error: event.executionFailedEventDetails?.error ?? null,
          cause: event.executionFailedEventDetails?.cause ?? null,
          at,
        };
      case 'ExecutionAborted':
        return {
          kind: 'ended',
          status: 'ABORTED',
          error: event.executionAbortedEventDetails?.error ?? null,
          cause: event.executionAbortedEventDetails?.cause ?? null,
          at,
        };
      case 'ExecutionTimedOut':
        return {
          kind: 'ended',
          status: 'TIMED_OUT',
          error: event.executionTimedOutEventDetails?.error ?? null,
          cause: event.executionTimedOutEventDetails?.cause ?? null,
          at,
        };
      default:
        return null;
    }
  }
}
