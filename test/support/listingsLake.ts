import { mkdir } from 'node:fs/promises';
import { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { LocalQueryEngine } from '../../src/adapters/duckdb/localQueryEngine.ts';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { runPrefix, tableLocation } from '../../src/domain/lake/lakeLayout.ts';
import type { SourceContract } from '../../src/domain/sources/sourceContract.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import { listingsTable } from '../../src/domain/tables/tableSchema.ts';
import { incrementalPosition } from '../../src/domain/useCases/incrementalState.ts';
import { renderUseCaseSelect, stateTableOf } from '../../src/domain/useCases/registry.ts';
import type { SqlUseCase } from '../../src/domain/useCases/useCase.ts';
import { runSqlUseCaseTask } from '../../src/lambdaTasks/runSqlUseCase.ts';
import type { Logger } from '../../src/ports/logger.ts';
import type { LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { localQueryEngine } from '../../src/runtime/localRuntime.ts';
import { readUseCaseSql } from '../../src/runtime/useCaseSqlFiles.ts';

export interface ListingRow {
  id: string;
  scraping_date: string;
  property_type: string;
  municipality: string;
  price: number;
  /** CHF unless a test says otherwise. */
  currency?: string;
  living_area: number;
}

/**
 * Writes `listings` rows as one published partition, as the loader would have; `without`
 * leaves columns out of the file, as a loader from before they existed wrote it.
 */
export async function publishListings(
  lake: LakeConnection,
  source: string,
  dt: string,
  rows: readonly ListingRow[],
  options: { without?: readonly string[] } = {},
) {
  const location = runPrefix(lake.zones, listingsTable, { source, dt }, `test-${dt}`);
  await mkdir(location, { recursive: true });
  const values = rows
    .map((r, i) => {
      const sql: Record<string, string> = {
        id: sqlString(r.id),
        scraping_date: `DATE ${sqlString(r.scraping_date)}`,
        property_type: sqlString(r.property_type),
        municipality: sqlString(r.municipality),
        price: `${r.price}::DOUBLE`,
        currency: sqlString(r.currency ?? 'CHF'),
        living_area: `${r.living_area}::DOUBLE`,
        price_per_square_meter: `${r.price / r.living_area}::DOUBLE`,
        source_object: sqlString(`raw/source=${source}/dt=${dt}/offers.jsonl`),
        record_number: `${i + 1}::BIGINT`,
        run_id: "'test'",
      };
      // in the table's column order, so that a column added to the table fails here loudly
      return `(${listingsTable.columns.map((c) => sql[c.name] ?? `error('no test value for ${c.name}')`).join(', ')})`;
    })
    .join(',\n');
  const columns = listingsTable.columns.map((c) => c.name).join(', ');
  const session = await DuckdbSession.open();
  try {
    await session.run(
      `COPY (SELECT * ${options.without?.length ? `EXCLUDE (${options.without.join(', ')})` : ''} FROM (VALUES ${values}) AS t(${columns})) TO ${sqlString(`${location}part.parquet`)} (FORMAT parquet)`,
    );
  } finally {
    session.close();
  }
  await lake.catalog.ensureTable(listingsTable, tableLocation(lake.zones, listingsTable));
  await lake.catalog.publish([{ table: listingsTable, values: { source, dt }, location }]);
}

/**
 * Runs a use case's SQL, rendered for a run date (with the registered source contracts, or
 * those given), on the local engine over the lake, without publishing it; an incremental one goes on from its table's latest partition before `dt`.
 */
export async function runUseCase(
  lake: LakeConnection,
  useCase: SqlUseCase,
  dt: string,
  sourceContracts?: readonly SourceContract[],
) {
  const state = stateTableOf(useCase);
  let previousDate: string | undefined;
  if (state !== undefined) {
    await lake.catalog.ensureTable(state, tableLocation(lake.zones, state));
    const dates = (await lake.catalog.listPartitions(state.name)).map((p) => p.values.dt ?? '');
    previousDate = incrementalPosition(dt, dates, []).previousDate;
  }
  const engine = await LocalQueryEngine.open(lake.catalog, lake.root);
  try {
    const sql = renderUseCaseSelect(useCase, readUseCaseSql, {
      runDate: dt,
      runId: 'run-1',
      previousDate,
      ...(sourceContracts ? { sourceContracts } : {}),
    });
    const result = await engine.query(sql);
    const described = await engine.query(`DESCRIBE ${sql}`);
    return {
      rows: [...result.rows],
      types: Object.fromEntries(described.rows.map((r) => [String(r.column_name), String(r.column_type)])),
    };
  } finally {
    engine.close();
  }
}

/** A listing with a given price per m² (living area 100 m²). */
export function listing(
  id: string,
  municipality: string,
  ppsqm: number,
  overrides: Partial<ListingRow> = {},
): ListingRow {
  return {
    id,
    scraping_date: '2024-01-10',
    property_type: 'apartment',
    municipality,
    price: ppsqm * 100,
    living_area: 100,
    ...overrides,
  };
}

/** A run id of the pipeline's shape for a day (`20240115T060000Z-000001` style). */
export function testRunId(dt: string, attempt = 1): string {
  return `${dt.replaceAll('-', '')}T060000Z-${attempt.toString(16).padStart(6, '0')}`;
}

/** Runs a SQL use case for a day and publishes it, as the pipeline's RunSqlUseCase task does. */
export async function publishUseCase(
  lake: LakeConnection,
  useCase: SqlUseCase,
  dt: string,
  log: Logger = silentLogger,
): Promise<void> {
  await runSqlUseCaseTask(
    { useCase: useCase.name, dt, runId: testRunId(dt) },
    {
      zones: lake.zones,
      blobs: lake.blobs,
      catalog: lake.catalog,
      queryEngine: localQueryEngine(lake),
      readSql: readUseCaseSql,
      log,
    },
  );
}
