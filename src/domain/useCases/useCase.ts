import type { TableDefinition } from '../tables/tableSchema.ts';

/**
 * A use case: a table people ask for, computed from the clean data after every run. SQL use
 * cases are one file each (written for Athena/Trino, run unchanged on the local DuckDB);
 * model use cases run in a container.
 */
export interface SqlUseCase {
  readonly kind: 'sql';
  readonly name: string;
  readonly description: string;
  /** The result table: zone `results`, partitioned by `dt` (the run date). */
  readonly table: TableDefinition;
  /** Tables the SQL reads (for lineage and least-privilege checks). */
  readonly reads: readonly string[];
  /** File name under src/domain/useCases/sql/. Placeholders: :run_date, :run_id. */
  readonly sqlFile: string;
}

/** A use case computed by a container processor (a Fargate task in AWS), not by SQL. */
export interface ModelUseCase {
  readonly kind: 'model';
  readonly name: string;
  readonly description: string;
  /** The tables it publishes (zone `results`, partitioned by `dt`). */
  readonly tables: readonly TableDefinition[];
  readonly reads: readonly string[];
}

export type UseCase = SqlUseCase | ModelUseCase;

/**
 * One use case of one run, as the state machine's Map over use cases receives it: `kind`
 * chooses the branch (Athena for SQL, a container for models).
 */
export type UseCaseStep =
  | {
      readonly kind: 'sql';
      readonly name: string;
      readonly table: string;
      readonly dt: string;
      readonly runId: string;
      /** The rendered SELECT (Trino dialect). */
      readonly select: string;
      /** Where the run writes the result (then PublishUseCase points the partition at it). */
      readonly outputPrefix: string;
    }
  | {
      readonly kind: 'model';
      readonly name: string;
      readonly dt: string;
      readonly runId: string;
    };
