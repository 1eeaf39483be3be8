import { AthenaQueryEngine } from '../adapters/aws/athenaQueryEngine.ts';
import { createAthenaClient } from '../adapters/aws/awsClients.ts';
import { DamagedPartitionError } from '../adapters/duckdb/damagedPartitionError.ts';
import { LocalQueryEngine } from '../adapters/duckdb/localQueryEngine.ts';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import type { QueryResult } from '../ports/queryEngine.ts';
import { type CatalogKind, connectLake } from '../runtime/lakeConnection.ts';

export class QueryFailedError extends PipelineError {
  override readonly name = 'QueryFailedError';
}

/**
 * `etl query`: SQL over the catalog's published tables — DuckDB over the local catalog, or
 * Athena over Glue for a lake in S3 (workgroup from ATHENA_WORKGROUP, default `primary`).
 */
export async function queryLake(
  lakeLocation: string,
  catalog: CatalogKind,
  sql: string,
): Promise<QueryResult> {
  const lake = connectLake(lakeLocation, catalog);
  if (lake.catalogKind === 'glue') {
    const athena = new AthenaQueryEngine(createAthenaClient(), {
      workgroup: process.env.ATHENA_WORKGROUP ?? 'primary',
      database: lake.catalog.database,
      outputLocation: lake.zones.athenaResults,
    });
    return athena.query(sql);
  }
  const tables = await lake.catalog.listTables();
  const engine = await LocalQueryEngine.open(lake.catalog, lake.root);
  try {
    return await engine.query(sql);
  } catch (error) {
    // A damaged partition says which one and how to repair it: not a SQL error.
    if (error instanceof DamagedPartitionError) throw error;
    const known = tables.map((t) => t.name).join(', ') || 'none yet: run `etl run` first';
    throw new QueryFailedError(`${(error as Error).message}\nTables in ${lake.root}: ${known}.`, {
      cause: error,
    });
  } finally {
    engine.close();
  }
}
