import { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { priceMacrosSql } from '../../src/domain/cleaning/priceParsing.ts';

/** An in-memory DuckDB with the price macros, for tests of SQL rules. */
export async function sessionWithPriceMacros(): Promise<DuckdbSession> {
  const session = await DuckdbSession.open();
  for (const macro of priceMacrosSql) await session.run(macro);
  return session;
}
