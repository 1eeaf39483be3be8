/**
 * 60 days of a stable market with churn, run through listing_history one day after the other on
 * a local lake, next to the full-history current_listings it replaced. Per day it records the
 * bytes of the input files each reads and the time it takes, and writes them to
 * bench/listing-history.md: the claim is that listing_history's bytes and time stay flat while
 * the old query's grow with every day.
 *
 *   npx tsx bench/listingHistorySimulation.ts [--days 60] [--active 50000] [--out FILE]
 */
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckdbSession } from '../src/adapters/duckdb/duckdbSession.ts';
import { LocalQueryEngine } from '../src/adapters/duckdb/localQueryEngine.ts';
import { silentLogger } from '../src/adapters/jsonLogger.ts';
import { sqlString } from '../src/domain/sql/sqlLiteral.ts';
import { listingsTable } from '../src/domain/tables/tableSchema.ts';
import { listingHistory } from '../src/domain/useCases/registry.ts';
import { runSqlUseCaseTask } from '../src/lambdaTasks/runSqlUseCase.ts';
import { connectLake } from '../src/runtime/lakeConnection.ts';
import { localQueryEngine } from '../src/runtime/localRuntime.ts';
import { readUseCaseSql } from '../src/runtime/useCaseSqlFiles.ts';
import { publishListingsPartition } from './support/listingsPartition.ts';

const { values: options } = parseArgs({
  options: {
    days: { type: 'string', default: '60' },
    active: { type: 'string', default: '50000' },
    out: { type: 'string', default: 'bench/listing-history.md' },
  },
});
const days = Number(options.days);
const active = Number(options.active);
/** Daily churn of the market: shares of the active offers. */
const churn = { delisted: 0.02, added: 0.02, repriced: 0.03 };
const source = 'pricehubble';

/**
 * current_listings as it was before listing_history: the latest row of every offer over every
 * listings partition up to the run date (kept here, verbatim but for its comments, to measure it).
 */
const fullHistoryCurrentListings = `
WITH versions AS (
  SELECT source, id, dt, scraping_date, property_type, municipality, price, currency, living_area, price_per_square_meter,
         row_number() OVER (PARTITION BY source, id ORDER BY scraping_date DESC, dt DESC) AS version,
         min(dt) OVER (PARTITION BY source, id) AS first_seen,
         count(*) OVER (PARTITION BY source, id) AS times_seen
  FROM listings
  WHERE dt <= :run_date
)
SELECT source, id, scraping_date, property_type, municipality, price, coalesce(currency, 'unknown') AS currency,
       living_area, price_per_square_meter, first_seen, dt AS last_seen, CAST(times_seen AS BIGINT) AS times_seen,
       'bench' AS run_id
FROM versions
WHERE version = 1`;

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

async function bytesUnder(location: string | undefined): Promise<number> {
  if (location === undefined) return 0;
  let total = 0;
  for (const name of await readdir(location)) total += (await stat(join(location, name))).size;
  return total;
}

/** The market: a DuckDB table of the active offers, changed by the day's churn (seeded). */
async function openMarket(session: DuckdbSession): Promise<void> {
  await session.run('SELECT setseed(0.42)');
  await session.run(`CREATE TABLE market AS
    SELECT 'o' || i AS id,
           'M' || (i % 120) AS municipality,
           CASE WHEN i % 3 = 0 THEN 'house' ELSE 'apartment' END AS property_type,
           round(30 + random() * 170) AS living_area,
           round(3000 + random() * 9000) AS ppsqm
    FROM range(${active}) AS t(i)`);
  await session.run(`CREATE SEQUENCE next_id START ${active}`);
}

async function churnMarket(session: DuckdbSession): Promise<void> {
  await session.run(`DELETE FROM market WHERE random() < ${churn.delisted}`);
  await session.run(
    `UPDATE market SET ppsqm = round(ppsqm * (0.95 + random() * 0.08)) WHERE random() < ${churn.repriced}`,
  );
  await session.run(`INSERT INTO market
    SELECT 'o' || i, 'M' || (i % 120), CASE WHEN i % 3 = 0 THEN 'house' ELSE 'apartment' END,
           round(30 + random() * 170), round(3000 + random() * 9000)
    FROM (SELECT nextval('next_id') AS i FROM range(${Math.round(active * churn.added)}))`);
}

interface DayFigures {
  readonly day: number;
  readonly dt: string;
  readonly listings: number;
  readonly stateRows: number;
  readonly historyBytes: number;
  readonly historyMs: number;
  readonly fullBytes: number;
  readonly fullMs: number;
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'listing-history-bench-'));
  const lake = connectLake(root);
  const market = await DuckdbSession.open();
  const figures: DayFigures[] = [];
  try {
    await openMarket(market);
    const first = '2024-01-01';
    for (let day = 1; day <= days; day++) {
      const dt = addDays(first, day - 1);
      if (day > 1) await churnMarket(market);
      await publishListingsPartition(market, lake, { source, dt }, 'market');

      // listing_history reads the day's listings and the latest state partition before it
      const listingsPartitions = await lake.catalog.listPartitions(listingsTable.name);
      const todays = listingsPartitions.find((p) => p.values.dt === dt);
      const previous = (await lake.catalog.listPartitions(listingHistory.table.name))
        .filter((p) => (p.values.dt ?? '') < dt)
        .sort((a, b) => (a.values.dt ?? '').localeCompare(b.values.dt ?? ''))
        .at(-1);
      const historyBytes = (await bytesUnder(todays?.location)) + (await bytesUnder(previous?.location));
      const historyStart = performance.now();
      await runSqlUseCaseTask(
        { useCase: listingHistory.name, dt, runId: `${dt.replaceAll('-', '')}T060000Z-000001` },
        {
          zones: lake.zones,
          blobs: lake.blobs,
          catalog: lake.catalog,
          queryEngine: localQueryEngine(lake),
          readSql: readUseCaseSql,
          log: silentLogger,
        },
      );
      const historyMs = performance.now() - historyStart;

      // the old current_listings read every listings partition up to the day
      let fullBytes = 0;
      for (const p of listingsPartitions)
        if ((p.values.dt ?? '') <= dt) fullBytes += await bytesUnder(p.location);
      const fullStart = performance.now();
      const engine = await LocalQueryEngine.open(lake.catalog, lake.root);
      try {
        await engine.unload(
          fullHistoryCurrentListings.replaceAll(':run_date', sqlString(dt)),
          join(root, 'scratch', dt, '/'),
        );
      } finally {
        engine.close();
      }
      const fullMs = performance.now() - fullStart;

      const counts = await market.all(
        `SELECT (SELECT count(*) FROM market) AS listings,
                (SELECT count(*) FROM read_parquet(${sqlString(`${(await lake.catalog.getPartition(listingHistory.table.name, { dt }))?.location ?? ''}*.parquet`)})) AS state_rows`,
      );
      const row = counts[0] ?? {};
      figures.push({
        day,
        dt,
        listings: Number(row.listings),
        stateRows: Number(row.state_rows),
        historyBytes,
        historyMs,
        fullBytes,
        fullMs,
      });
      process.stderr.write(
        `day ${day} ${dt}: listing_history ${kib(historyBytes)} KiB ${historyMs.toFixed(0)} ms; full history ${kib(fullBytes)} KiB ${fullMs.toFixed(0)} ms\n`,
      );
    }
  } finally {
    market.close();
    await rm(root, { recursive: true, force: true });
  }
  await writeFile(options.out, report(figures));
  process.stderr.write(`wrote ${options.out}\n`);
}

const kib = (bytes: number) => Math.round(bytes / 1024).toLocaleString('en-US');
const ms = (value: number) => Math.round(value).toLocaleString('en-US');

function report(figures: readonly DayFigures[]): string {
  const line = (f: DayFigures, label = String(f.day)) =>
    `| ${label} | ${f.dt} | ${f.listings.toLocaleString('en-US')} | ${f.stateRows.toLocaleString('en-US')} | ${kib(f.historyBytes)} | ${ms(f.historyMs)} | ${kib(f.fullBytes)} | ${ms(f.fullMs)} |`;
  const header = [
    '| day | dt | listings of the day | listing_history rows of the day | listing_history reads KiB | listing_history ms | full-history current_listings reads KiB | full-history ms |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  const every5 = figures.filter((f) => f.day === 1 || f.day % 5 === 0);
  const maxBy = (key: 'historyBytes' | 'historyMs') =>
    figures.reduce((best, f) => (f[key] > best[key] ? f : best), figures[0] as DayFigures);
  const steady = figures.filter((f) => f.day > 5);
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    '# listing_history: bytes read and time per day stay flat',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npx tsx bench/listingHistorySimulation.ts\` on ${cpu},`,
    `${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM (shared with other work), Node ${process.version}, DuckDB locally.`,
    `A stable market of ${active.toLocaleString('en-US')} active offers, each day ${churn.delisted * 100}% delisted,`,
    `${churn.added * 100}% new and ${churn.repriced * 100}% repriced, one source, ${days} days run one after the other.`,
    '"Reads" are the bytes of the input files: for listing_history the day\'s listings partition plus the',
    'previous listing_history partition (the state); for the full-history current_listings that listing_history',
    'replaced, every listings partition up to the day. Times are wall clock of the whole step (listing_history:',
    'the RunSqlUseCase task, catalog lookups and publishing included; full history: the query and its write).',
    '',
    ...header,
    ...every5.map((f) => line(f)),
    '',
    ...header,
    line(figures[0] as DayFigures, 'first'),
    line(figures.at(-1) as DayFigures, 'last'),
    line(maxBy('historyBytes'), 'max reads'),
    line(maxBy('historyMs'), 'max time'),
    '',
    `Days 6–${days}: listing_history reads ${kib(mean(steady.map((f) => f.historyBytes)))} KiB and takes ${ms(mean(steady.map((f) => f.historyMs)))} ms on average;`,
    `the full-history query read ${kib((figures.at(-1) as DayFigures).fullBytes)} KiB on the last day, ${((figures.at(-1) as DayFigures).fullBytes / (figures[0] as DayFigures).fullBytes || 0).toFixed(0)}× its first.`,
    '',
    // what the figures mean is written below them by hand, after a run
    '',
  ].join('\n');
}

await main();
