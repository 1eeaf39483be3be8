import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDuckdbMemoryLimit } from '../adapters/duckdb/duckdbSession.ts';
import type { Logger } from '../ports/logger.ts';
import { queryLake } from './queryCommand.ts';
import { formatResult } from './resultFormat.ts';
import { runPipeline } from './runCommand.ts';
import { etlCommandLine, shellQuote } from './shellCommand.ts';

/** The bundled sample exports (the two files of the original assignment). */
export const samplesDirectory = fileURLToPath(new URL('../../localstack/samples/', import.meta.url));
export const demoDate = '2024-01-15';

/**
 * `npm start`: lands the bundled samples in a local lake, runs the pipeline on them, shows
 * a first query, and says where everything is and what to try next.
 */
export async function runDemo(lake: string, workDir: string, log: Logger): Promise<boolean> {
  const samples = (await readdir(samplesDirectory)).sort().map((f) => join(samplesDirectory, f));
  log.info(`Loading ${samples.length} sample file(s) for ${demoDate} into the local lake ${resolve(lake)}`);
  const summary = await runPipeline(
    {
      inputs: samples,
      date: demoDate,
      lake,
      catalog: 'local',
      workDir,
      duckdbMemoryLimit: defaultDuckdbMemoryLimit,
    },
    log,
  );
  if (summary.status !== 'SUCCEEDED') {
    log.error(`${summary.error?.name}: ${summary.error?.message}`);
    return false;
  }
  const { totals } = summary;
  const reasons = Object.entries(totals.rejectedByReason)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  const preview = await queryLake(
    lake,
    'local',
    'SELECT municipality, property_type, count(*) AS offers, round(avg(price_per_square_meter)) AS avg_price_per_sqm ' +
      'FROM listings GROUP BY ALL ORDER BY offers DESC, municipality LIMIT 5',
  );
  const etl = etlCommandLine;
  const lakeFlag = lake === '.lake' ? '' : ` --lake ${shellQuote(lake)}`;
  process.stdout.write(
    [
      '',
      `Read ${totals.read} records: kept ${totals.kept}, rejected ${totals.rejected} (${reasons}).`,
      `Every record is in exactly one of the two tables (read = kept + rejected).`,
      '',
      'Top municipalities in `listings`:',
      formatResult(preview, 'table'),
      `Tables (Parquet, zstd) in ${summary.lake}/curated/, catalog in ${summary.lake}/catalog/, run manifest in ${summary.lake}/manifests/.`,
      '',
      'Try:',
      `  ${etl} query${lakeFlag} "SELECT * FROM listings LIMIT 10"`,
      `  ${etl} query${lakeFlag} "SELECT reasons, raw_record FROM listings_rejected LIMIT 10"`,
      `  ${etl} query${lakeFlag} --format json "SELECT reason, count(*) AS n FROM listings_rejected, unnest(reasons) AS t(reason) GROUP BY reason"`,
      `  ${etl} report${lakeFlag} --date ${demoDate} --out /tmp/run-report.html   # charts of the day, one HTML file`,
      `  ${etl} generate --rows 100000 --out /tmp/offers.jsonl.gz && ${etl} run --input /tmp/offers.jsonl.gz --date 2024-01-16${lakeFlag}`,
      '',
    ].join('\n'),
  );
  return true;
}
