import { AthenaQueryEngine } from '../adapters/aws/athenaQueryEngine.ts';
import { createAthenaClient } from '../adapters/aws/awsClients.ts';
import type { DeployedEnvironment } from '../adapters/aws/environmentStack.ts';
import { DuckdbSession } from '../adapters/duckdb/duckdbSession.ts';
import { ReadOnlyQueryEngine } from '../adapters/duckdb/readOnlyQueryEngine.ts';
import { readOnlyStatement } from '../adapters/duckdb/readOnlyStatement.ts';
import type { SessionAccess } from '../adapters/duckdb/sessionLockdown.ts';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { type QueryResult, SqlQueryFailedError } from '../ports/queryEngine.ts';
import { type CatalogKind, connectLake } from '../runtime/lakeConnection.ts';

export class QueryFailedError extends PipelineError {
  override readonly name = 'QueryFailedError';
}

/**
 * `etl query`: SQL over the catalog's published tables — DuckDB over the local catalog,
 * locked down to reading (ReadOnlyQueryEngine), or Athena over Glue for a lake in S3
 * (workgroup from ATHENA_WORKGROUP, default `primary`), where what a query may do is what the
 * caller's AWS permissions allow. `allowed`: what a local query may read besides the tables.
 */
export async function queryLake(
  lakeLocation: string,
  catalog: CatalogKind,
  sql: string,
  allowed: SessionAccess = { files: [], directories: [] },
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
  const engine = await ReadOnlyQueryEngine.open(lake.catalog, lake.root, allowed);
  try {
    return await engine.query(sql);
  } catch (error) {
    // Refused statements and damaged partitions say what to do themselves.
    if (!(error instanceof SqlQueryFailedError)) throw error;
    const known = tables.map((t) => t.name).join(', ') || 'none yet: run `etl run` first';
    throw new QueryFailedError(`${error.message}\nTables in ${lake.root}: ${known}.`, { cause: error });
  } finally {
    await engine.close();
  }
}

/**
 * `etl query --env E`: Athena in the environment's workgroup and Glue database. The statement
 * must read, by the same rule as a local lake's (DuckDB's parser decides, before Athena is asked).
 */
export async function queryEnvironment(environment: DeployedEnvironment, sql: string): Promise<QueryResult> {
  const session = await DuckdbSession.open();
  let statement: string;
  try {
    statement = await readOnlyStatement(session, sql);
  } finally {
    session.close();
  }
  const athena = new AthenaQueryEngine(createAthenaClient({ region: environment.region }), {
    workgroup: environment.athenaWorkgroup,
    database: environment.glueDatabase,
    outputLocation: environment.zones.athenaResults,
  });
  return athena.query(statement);
}
