import { PipelineError } from '../../domain/errors/pipelineError.ts';
/**
 * Errors a loader run can end with. `name` is what Step Functions Retry/Catch match and
 * what scripts can test; the message says what to do.
 */
export class NoRawDataError extends PipelineError {
  override readonly name = 'NoRawDataError';
}

export class RawObjectReadError extends PipelineError {
  override readonly name = 'RawObjectReadError';
}

export class ConservationError extends PipelineError {
  override readonly name = 'ConservationError';
}

/** DuckDB failed while applying the contract (most often: out of memory). */
export class CleaningEngineError extends PipelineError {
  override readonly name = 'CleaningEngineError';
}

export class RawLandingConflictError extends PipelineError {
  override readonly name = 'RawLandingConflictError';
}

/** Too large a share of the day's records was rejected: the partition was not published. */
export class DataQualityError extends PipelineError {
  override readonly name = 'DataQualityError';
}

/** A sharded load's plan or a shard's output is not in the lake: a step before it did not finish. */
export class ShardWorkMissingError extends PipelineError {
  override readonly name = 'ShardWorkMissingError';
}
