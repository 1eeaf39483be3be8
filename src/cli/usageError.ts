import { PipelineError } from '../domain/errors/pipelineError.ts';
/** Wrong command-line usage: exit code 2 and the message, no stack trace. */
export class UsageError extends PipelineError {
  override readonly name = 'UsageError';
}
