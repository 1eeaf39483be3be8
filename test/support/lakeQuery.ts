import { LocalQueryEngine } from '../../src/adapters/duckdb/localQueryEngine.ts';
import type { LakeConnection } from '../../src/runtime/lakeConnection.ts';

/** Rows of a SQL query over a local lake's published tables (the pipeline's engine). */
export async function queryCatalog(
  lake: Pick<LakeConnection, 'catalog' | 'root'>,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const engine = await LocalQueryEngine.open(lake.catalog, lake.root);
  try {
    return [...(await engine.query(sql)).rows];
  } finally {
    engine.close();
  }
}
