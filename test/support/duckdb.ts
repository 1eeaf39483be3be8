import { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';

/** An in-memory DuckDB, for tests of SQL rules. */
export async function sqlTestSession(): Promise<DuckdbSession> {
  return DuckdbSession.open();
}
