import { PipelineError } from '../domain/errors/pipelineError.ts';

/**
 * A task's cancellation is an AbortSignal its work is given (locally: the runner aborts it when
 * Step Functions would stop the task or stop waiting for it). Ports honour it: the query engines
 * stop their statement, the publish refuses to switch a partition.
 *
 * Work of a task the state machine no longer waits for: its state timed out (States.Timeout)
 * or its execution ended. Nothing it does after that may become visible, since a re-run of
 * the day may already be under way.
 */
export class TaskCancelledError extends PipelineError {
  override readonly name = 'TaskCancelledError';
}

/** Throws {@link TaskCancelledError} once `signal` is aborted; `refused` says what was not done. */
export function refuseIfCancelled(signal: AbortSignal | undefined, refused: string): void {
  if (!signal?.aborted) return;
  throw new TaskCancelledError(
    `Refused to ${refused}: the task was cancelled (${cancellationReason(signal)}). The state machine ` +
      'no longer waits for it, so nothing it does now may be published; re-run the day once the cause ' +
      'of the slowness is fixed (or give the task more time).',
  );
}

/** Why a task was cancelled, from its signal's reason (a sentence the local runner gives). */
export function cancellationReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return reason.message;
  return 'its execution abandoned it';
}
