import { LocalQueryEngine } from '../../src/adapters/duckdb/localQueryEngine.ts';
import type { Catalog } from '../../src/ports/catalog.ts';

/** Rows of a SQL query over a local catalog's published tables. */
export async function queryCatalog(catalog: Catalog, sql: string): Promise<Record<string, unknown>[]> {
  const engine = await LocalQueryEngine.open(catalog);
  try {
    return [...(await engine.query(sql)).rows];
  } finally {
    engine.close();
  }
}
