import { PipelineError } from '../domain/errors/pipelineError.ts';

/** A SQL result: column names and rows as plain JSON values. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

/** How a statement may be stopped from outside. */
export interface QueryOptions {
  /**
   * The task's cancellation: once aborted, the engine stops the statement (Athena's
   * StopQueryExecution, DuckDB's interrupt) and fails it with a TaskCancelledError.
   */
  readonly signal?: AbortSignal;
}

/**
 * SQL over the catalog's tables: Athena in AWS, DuckDB locally. SQL is written in the
 * Athena (Trino) dialect; the local engine supplies compatibility macros.
 */
export interface QueryEngine {
  query(sql: string, options?: QueryOptions): Promise<QueryResult>;
  /**
   * Writes the rows of a SELECT as zstd Parquet under `location`, a fresh run prefix (Athena's
   * UNLOAD, DuckDB's COPY): how a SQL use case writes its result before it is published.
   */
  unload(select: string, location: string, options?: QueryOptions): Promise<void>;
}

/** The engine failed a query: a SQL error, a missing table or column, or the engine's own failure. */
export class SqlQueryFailedError extends PipelineError {
  override readonly name = 'SqlQueryFailedError';

  constructor(
    message: string,
    /** Athena's query id, final state and reason, where Athena ran it. */
    readonly athena?: {
      readonly queryExecutionId: string;
      readonly state: string;
      readonly reason: string | undefined;
    },
  ) {
    super(message);
  }
}
