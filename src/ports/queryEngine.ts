/** A SQL result: column names and rows as plain JSON values. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

/**
 * SQL over the catalog's tables: Athena in AWS, DuckDB locally. SQL is written in the
 * Athena (Trino) dialect; the local engine supplies compatibility macros.
 */
export interface QueryEngine {
  query(sql: string): Promise<QueryResult>;
}
