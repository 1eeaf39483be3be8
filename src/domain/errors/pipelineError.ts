import { type ErrorName, errorCatalog } from './errorCatalog.ts';
import type { ErrorCategory } from './errorCategory.ts';

/**
 * The base of every error the pipeline raises. `name` is what scripts, Step Functions'
 * Retry/Catch and the failure messages match on; it must be a key of the error catalog, so
 * the compiler refuses an error that has no category, no meaning and no next step.
 */
export abstract class PipelineError extends Error {
  abstract override readonly name: ErrorName;

  /**
   * Facts a machine reads besides the message (e.g. a data-quality failure's top reasons with
   * example records): they travel into the failure report in the lake and the message.
   */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    message: string,
    options?: ErrorOptions & { readonly details?: Readonly<Record<string, unknown>> },
  ) {
    super(message, options);
    this.details = options?.details;
  }

  /** Read lazily: subclasses set `name` after this constructor has run. */
  get category(): ErrorCategory {
    return errorCatalog[this.name].category;
  }
}

/** A broken invariant of the pipeline's own code or of a service's answer: always a bug. */
export class InternalError extends PipelineError {
  override readonly name = 'InternalError';
}

/** The category of anything thrown: a pipeline error's own, a bug for everything else. */
export function categoryOf(error: unknown): ErrorCategory {
  return error instanceof PipelineError ? error.category : 'bug';
}
