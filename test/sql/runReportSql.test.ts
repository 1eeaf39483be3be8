/**
 * The run report's SQL (src/domain/report/runReportData.ts) runs on Athena and on DuckDB: it
 * parses as Trino SQL, and where it is written for cost rather than plainly, it gives the rows
 * of the plain query on a published partition.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parser from 'node-sql-parser/build/trino.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { LocalQueryEngine } from '../../src/adapters/duckdb/localQueryEngine.ts';
import { runPrefix, tableLocation } from '../../src/domain/lake/lakeLayout.ts';
import { reportSql } from '../../src/domain/report/runReportData.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import { listingsRejectedTable } from '../../src/domain/tables/tableSchema.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';

let root: string;
let lake: LakeConnection;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'report-sql-'));
  lake = connectLake(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Publishes listings_rejected rows with these reasons (the other columns as the loader writes them). */
async function publishRejects(dt: string, reasons: readonly (readonly string[])[]) {
  const location = runPrefix(lake.zones, listingsRejectedTable, { source: 'pricehubble', dt }, `test-${dt}`);
  await mkdir(location, { recursive: true });
  const session = await DuckdbSession.open();
  try {
    const rows = reasons.map((r, i) => `(${i + 1}, [${r.map(sqlString).join(', ')}]::VARCHAR[])`).join(', ');
    const columns = listingsRejectedTable.columns
      .map((c) =>
        c.name === 'reasons'
          ? 'reasons'
          : c.name === 'record_number'
            ? 'n AS record_number'
            : `NULL AS ${c.name}`,
      )
      .join(', ');
    await session.run(
      `COPY (SELECT ${columns} FROM (VALUES ${rows}) AS t (n, reasons)) TO ${sqlString(`${location}part.parquet`)} (FORMAT parquet)`,
    );
  } finally {
    session.close();
  }
  await lake.catalog.ensureTable(listingsRejectedTable, tableLocation(lake.zones, listingsRejectedTable));
  await lake.catalog.publish([
    { table: listingsRejectedTable, values: { source: 'pricehubble', dt }, location },
  ]);
}

describe('the run report’s SQL', () => {
  it('parses as Trino SQL', () => {
    for (const sql of [
      reportSql.newestDay,
      reportSql.volumes('2024-01-01', '2024-01-15'),
      reportSql.rejectsByReason('2024-01-15'),
      reportSql.pricePerSquareMeter('2024-01-15'),
      reportSql.modelMetrics('2024-01-15'),
    ]) {
      expect(() => new parser.Parser().astify(sql, { database: 'trino' })).not.toThrow();
    }
  });

  it('counts a record once for each of its reasons, only the day’s, as unnesting every record does', async () => {
    const reasons = [
      ['missing_field'],
      ['missing_field', 'unparseable_price'],
      ['unparseable_price', 'missing_field'],
      ['duplicate_id'],
      ['unsupported_property_type', 'living_area_out_of_range', 'price_per_sqm_out_of_range'],
      ['missing_field'],
      ['living_area_out_of_range', 'living_area_out_of_range'],
    ];
    await publishRejects('2024-01-15', reasons);
    await publishRejects('2024-01-14', [['duplicate_id'], ['malformed_record']]);
    const engine = await LocalQueryEngine.open(lake.catalog, lake.root);
    try {
      const { rows } = await engine.query(reportSql.rejectsByReason('2024-01-15'));
      const plain = await engine.query(`SELECT reason, count(*) AS records
        FROM listings_rejected CROSS JOIN UNNEST(reasons) AS t (reason)
        WHERE dt = '2024-01-15' GROUP BY reason ORDER BY records DESC, reason`);
      expect(rows).toEqual(plain.rows);
      expect(rows).toEqual([
        { reason: 'missing_field', records: 4 },
        { reason: 'living_area_out_of_range', records: 3 },
        { reason: 'unparseable_price', records: 2 },
        { reason: 'duplicate_id', records: 1 },
        { reason: 'price_per_sqm_out_of_range', records: 1 },
        { reason: 'unsupported_property_type', records: 1 },
      ]);
    } finally {
      engine.close();
    }
  });
});
