import { mkdir } from 'node:fs/promises';
import type { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { runPrefix, tableLocation } from '../../src/domain/lake/lakeLayout.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import { listingsTable } from '../../src/domain/tables/tableSchema.ts';
import type { LakeConnection } from '../../src/runtime/lakeConnection.ts';

/**
 * Publishes generated offers as a day's `listings` partition of a source, as the loader would.
 * `offers` is a relation with `id`, `municipality`, `property_type`, `living_area` and `ppsqm`
 * (price per m²); the other columns are derived, in the table definition's order.
 */
export async function publishListingsPartition(
  session: DuckdbSession,
  lake: LakeConnection,
  day: { source: string; dt: string },
  offers: string,
): Promise<void> {
  const { source, dt } = day;
  const runId = `bench-${source}-${dt}`;
  const location = runPrefix(lake.zones, listingsTable, day, runId);
  await mkdir(location, { recursive: true });
  const expressions: Record<string, string> = {
    id: 'id',
    scraping_date: `DATE ${sqlString(dt)}`,
    property_type: 'property_type',
    municipality: 'municipality',
    price: 'ppsqm * living_area',
    currency: "'CHF'",
    living_area: 'living_area',
    price_per_square_meter: 'ppsqm',
    source_object: sqlString(`raw/source=${source}/dt=${dt}/offers.jsonl`),
    record_number: 'CAST(row_number() OVER () AS BIGINT)',
    run_id: sqlString(runId),
  };
  const select = listingsTable.columns.map((c) => `${expressions[c.name]} AS ${c.name}`).join(', ');
  await session.run(
    `COPY (SELECT ${select} FROM ${offers}) TO ${sqlString(`${location}part.parquet`)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  await lake.catalog.ensureTable(listingsTable, tableLocation(lake.zones, listingsTable));
  await lake.catalog.publish([{ table: listingsTable, values: day, location }]);
}
