import { LocalQueryEngine } from '../adapters/duckdb/localQueryEngine.ts';
import { type CatalogKind, connectLake } from '../adapters/lakeAdapters.ts';
import type { QueryResult } from '../ports/queryEngine.ts';

export class QueryFailedError extends Error {
  override readonly name = 'QueryFailedError';
}

/** `etl query`: SQL over the catalog's published tables. */
export async function queryLake(
  lakeLocation: string,
  catalog: CatalogKind,
  sql: string,
): Promise<QueryResult> {
  const lake = connectLake(lakeLocation, catalog);
  const tables = await lake.catalog.listTables();
  const engine = await LocalQueryEngine.open(lake.catalog);
  try {
    return await engine.query(sql);
  } catch (error) {
    const known = tables.map((t) => t.name).join(', ') || 'none yet: run `etl run` first';
    throw new QueryFailedError(`${(error as Error).message}\nTables in ${lake.root}: ${known}.`, {
      cause: error,
    });
  } finally {
    engine.close();
  }
}
