import type { TableDefinition } from '../tables/tableSchema.ts';

/**
 * A use case: a table people ask for, computed from the clean data after every run. SQL use
 * cases are one file each (written for Athena/Trino, run unchanged on the local DuckDB);
 * model use cases run their own container job.
 */
export interface SqlUseCase {
  readonly kind: 'sql';
  readonly name: string;
  readonly description: string;
  /** The result table: zone `results`, partitioned by `dt` (the run date). */
  readonly table: TableDefinition;
  /** Tables the SQL reads (for lineage and least-privilege checks). */
  readonly reads: readonly string[];
  /**
   * File name under src/domain/useCases/sql/. Placeholders: :run_date, :run_id, and those of
   * {@link UseCaseSqlParameters} the SQL needs (see renderUseCaseSql).
   */
  readonly sqlFile: string;
  /**
   * The SQL reads its own table's latest partition before the run date (`:previous_date`) as
   * the state it goes on from: the days have to run in order, each after the one before.
   */
  readonly incremental?: true;
  /**
   * A SQL use case whose query this one's SQL embeds where it says `:<its name>`, rendered for
   * the same run date: a table derived from another without waiting for its partition.
   */
  readonly builtOn?: SqlUseCase;
}

/** A use case computed by a container job (a Fargate task in AWS, a child process locally). */
export interface ModelUseCase {
  readonly kind: 'model';
  readonly name: string;
  readonly description: string;
  /** The tables it publishes (zone `results`, partitioned by `dt`). */
  readonly tables: readonly TableDefinition[];
  readonly reads: readonly string[];
  /**
   * Its job: `containers/<container>/entrypoint.ts` runs `src/jobs/<container>/`. The stack
   * builds a Fargate task and a state machine branch for it, the local runner a child process.
   */
  readonly container: string;
}

export type UseCase = SqlUseCase | ModelUseCase;

/**
 * How long a SQL use case's query may run: the Lambda that runs it lives at most 15 minutes,
 * and stops the query a minute before, so that the failure says why.
 */
export const sqlUseCaseTimeoutMinutes = 14;
