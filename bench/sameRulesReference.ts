/**
 * The benchmark's yardstick: the smallest DuckDB SQL pipeline that applies the same rules
 * (the same price macros and rule conditions) and writes the same two Parquet outputs, but
 * reads with DuckDB's own JSON reader and skips everything that makes the loader
 * trustworthy: raw text and record numbers of rejects, gzip/array/BOM handling, the
 * conservation check, the publish. Run as a child process so its peak RSS is its own.
 *
 * Usage: tsx bench/sameRulesReference.ts INPUT.jsonl OUT_DIR MEMORY_LIMIT
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckdbSession } from '../src/adapters/duckdb/duckdbSession.ts';
import { judgedRecordsSql } from '../src/domain/cleaning/listingRules.ts';
import { pricehubble } from '../src/domain/sources/pricehubble.ts';
import { parquetCopySql } from '../src/domain/sql/parquetCopy.ts';
import { sqlFile } from '../src/domain/sql/sqlLiteral.ts';

const [input, outDir, memoryLimit] = process.argv.slice(2);
if (!input || !outDir || !memoryLimit)
  throw new Error('usage: sameRulesReference INPUT OUT_DIR MEMORY_LIMIT');
await mkdir(outDir, { recursive: true });
const started = performance.now();
const session = await DuckdbSession.open({ memoryLimit, tempDirectory: join(outDir, 'spill') });
const fields = `(SELECT 0 AS object_index, 0 AS record_number, NULL AS raw,
    id IS NOT NULL OR raw_price IS NOT NULL AS is_object, *
  FROM read_json(${sqlFile(input)}, format = 'newline_delimited', ignore_errors = true,
                 columns = {id: 'VARCHAR', raw_price: 'VARCHAR', living_area: 'VARCHAR', property_type: 'VARCHAR',
                            municipality: 'VARCHAR', scraping_date: 'VARCHAR'}))`;
await session.run(`
CREATE TEMP TABLE checked AS
SELECT *, len(reasons) = 0 AND row_number() OVER (PARTITION BY CASE WHEN len(reasons) = 0 THEN id END
                                               ORDER BY scraping_date DESC) > 1 AS duplicate
FROM (${judgedRecordsSql(pricehubble, fields)})`);
const kept = await session.all(
  parquetCopySql(
    `SELECT id, scraping_date, property_type, municipality, price, living_area, price_per_square_meter,
            'reference' AS run_id FROM checked WHERE len(reasons) = 0 AND NOT duplicate ORDER BY id`,
    join(outDir, 'listings.parquet'),
  ),
);
const rejected = await session.all(
  parquetCopySql(
    `SELECT id, reasons, 'reference' AS run_id FROM checked WHERE len(reasons) > 0 OR duplicate`,
    join(outDir, 'rejected.parquet'),
  ),
);
session.close();
process.stdout.write(
  `${JSON.stringify({
    durationMs: Math.round(performance.now() - started),
    kept: Number(kept[0]?.Count),
    rejected: Number(rejected[0]?.Count),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
