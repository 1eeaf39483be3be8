import { PipelineError } from '../domain/errors/pipelineError.ts';

/** A report was asked of a lake whose run ledger is empty, without a date to report on. */
export class NoRunsYetError extends PipelineError {
  override readonly name = 'NoRunsYetError';
}
