/**
 * The benchmark's floor: what a competent engineer would write in an afternoon with DuckDB
 * alone. One `read_json` pass over the file, a single regular expression for the price, the
 * first failing rule only, and two Parquet outputs. It keeps no raw text and no record
 * numbers, does not de-duplicate, skips what it cannot parse (`ignore_errors`), and proves
 * nothing about conservation: its speed is what the loader's guarantees are measured against.
 * Run as a child process so that its peak RSS is its own.
 *
 * Usage: tsx bench/plainReference.ts INPUT.jsonl OUT_DIR MEMORY_LIMIT
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { pricehubble } from '../src/domain/sources/pricehubble.ts';

const [input, outDir, memoryLimit] = process.argv.slice(2);
if (!input || !outDir || !memoryLimit) throw new Error('usage: plainReference INPUT OUT_DIR MEMORY_LIMIT');
await mkdir(outDir, { recursive: true });
const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const { propertyTypes, livingArea, pricePerSquareMeter } = pricehubble.rules;
const started = performance.now();
const instance = await DuckDBInstance.create(':memory:', {
  memory_limit: memoryLimit,
  temp_directory: join(outDir, 'spill'),
});
const connection = await instance.connect();
await connection.run(`
CREATE TEMP TABLE judged AS
SELECT id, scraping_date, property_type, municipality, price, area AS living_area,
       price / area AS price_per_square_meter,
       CASE WHEN id IS NULL OR raw_price IS NULL OR area IS NULL OR property_type IS NULL
                 OR municipality IS NULL OR scraping_date IS NULL THEN 'missing_field'
            WHEN price IS NULL OR price <= 0 THEN 'unparseable_price'
            WHEN property_type NOT IN (${propertyTypes.map(quote).join(', ')}) THEN 'unsupported_property_type'
            WHEN area < ${livingArea.min} OR area > ${livingArea.max} THEN 'living_area_out_of_range'
            WHEN price / area < ${pricePerSquareMeter.min} OR price / area > ${pricePerSquareMeter.max} THEN 'price_per_sqm_out_of_range'
       END AS reason
FROM (
  SELECT id, raw_price, lower(trim(property_type)) AS property_type, trim(municipality) AS municipality,
         TRY_CAST(scraping_date AS DATE) AS scraping_date,
         TRY_CAST(replace(regexp_replace(regexp_extract(raw_price, '\\d[\\d ''’]*(?:[.,]\\d+)?', 0), '[ ''’]', '', 'g'), ',', '.') AS DOUBLE)
           AS price,
         TRY_CAST(living_area AS DOUBLE) AS area
  FROM read_json(${quote(input)}, format = 'newline_delimited', ignore_errors = true,
                 columns = {id: 'VARCHAR', raw_price: 'VARCHAR', living_area: 'VARCHAR', property_type: 'VARCHAR',
                            municipality: 'VARCHAR', scraping_date: 'VARCHAR'}))`);
const count = async (sql: string): Promise<number> => {
  const reader = await connection.runAndReadAll(sql);
  return Number(reader.getRowObjects()[0]?.Count);
};
const kept = await count(
  `COPY (SELECT * EXCLUDE (reason) FROM judged WHERE reason IS NULL) TO ${quote(join(outDir, 'listings.parquet'))} (FORMAT parquet, COMPRESSION zstd)`,
);
const rejected = await count(
  `COPY (SELECT id, reason FROM judged WHERE reason IS NOT NULL) TO ${quote(join(outDir, 'rejected.parquet'))} (FORMAT parquet, COMPRESSION zstd)`,
);
connection.closeSync();
instance.closeSync();
process.stdout.write(
  `${JSON.stringify({
    durationMs: Math.round(performance.now() - started),
    kept,
    rejected,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
