import { mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DamagedPartitionError } from '../../src/adapters/duckdb/damagedPartitionError.ts';
import { LocalQueryEngine } from '../../src/adapters/duckdb/localQueryEngine.ts';
import { ReadOnlyQueryEngine } from '../../src/adapters/duckdb/readOnlyQueryEngine.ts';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { marketStatsMonthly, renderUseCaseSql } from '../../src/domain/useCases/registry.ts';
import { SqlQueryFailedError } from '../../src/ports/queryEngine.ts';
import { publishRun } from '../../src/publishing/publishRun.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { readUseCaseSql } from '../../src/runtime/useCaseSqlFiles.ts';
import { queryCatalog } from '../support/lakeQuery.ts';
import { listing, publishListings } from '../support/listingsLake.ts';

let root: string;
let lake: LakeConnection;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lake-views-'));
  lake = connectLake(root);
  await publishListings(lake, 'pricehubble', '2024-01-14', [listing('a', 'Bern', 5000)]);
  await publishListings(lake, 'pricehubble', '2024-01-15', [listing('b', 'Thun', 6000)]);
  await publishMarketStats('2024-01-15');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Publishes the market_stats_monthly partition of a day, as RunSqlUseCase does. */
async function publishMarketStats(dt: string): Promise<void> {
  const engine = await LocalQueryEngine.open(lake.catalog, lake.root);
  try {
    const select = renderUseCaseSql(readUseCaseSql(marketStatsMonthly), { runDate: dt, runId: `run-${dt}` });
    await publishRun({ ...lake, log: silentLogger }, `run-${dt}`, [
      {
        table: marketStatsMonthly.table,
        values: { dt },
        write: (location) => engine.unload(select, location),
      },
    ]);
  } finally {
    engine.close();
  }
}

/** The one Parquet file of a published listings partition. */
async function listingsFile(dt: string): Promise<string> {
  const partition = await lake.catalog.getPartition('listings', { source: 'pricehubble', dt });
  const location = partition?.location ?? '';
  const [name] = (await readdir(location)).filter((n) => n.endsWith('.parquet'));
  return join(location, name ?? '');
}

async function failure(work: Promise<unknown>): Promise<Error> {
  return work.then(
    () => new Error('it did not fail'),
    (error: unknown) => error as Error,
  );
}

const listingsCount = 'SELECT count(*) AS n FROM listings';
const statsCount = 'SELECT count(*) AS n FROM market_stats_monthly';

describe('a damaged partition breaks only its table', () => {
  it('a deleted file: the table fails with its partition, location and repair command; the others answer', async () => {
    const file = await listingsFile('2024-01-14');
    await rm(file);
    const error = await failure(queryCatalog(lake, listingsCount));
    expect(error).toBeInstanceOf(DamagedPartitionError);
    expect(error.message).toContain('Table listings cannot be read');
    expect(error.message).toContain('source=pricehubble/dt=2024-01-14');
    expect(error.message).toContain(`published at ${join(file, '..')}/`);
    expect(error.message).toContain('it holds no Parquet file');
    expect(error.message).toContain(`npx etl run --date 2024-01-14 --source pricehubble --lake ${root}`);
    expect(await queryCatalog(lake, statsCount)).toEqual([{ n: 1 }]);
    // DESCRIBE needs no data: it still answers, with the table's columns
    expect((await queryCatalog(lake, 'DESCRIBE listings')).map((r) => r.column_name)).toContain('price');
  });

  it('a partition directory that is gone', async () => {
    await rm(join(await listingsFile('2024-01-15'), '..'), { recursive: true });
    const error = await failure(queryCatalog(lake, 'SELECT * FROM listings'));
    expect(error.message).toContain('source=pricehubble/dt=2024-01-15');
    expect(error.message).toContain('its directory is gone');
  });

  it('a file cut short: DuckDB cannot read it, and says so', async () => {
    await truncate(await listingsFile('2024-01-15'), 100);
    const error = await failure(queryCatalog(lake, listingsCount));
    expect(error).toBeInstanceOf(DamagedPartitionError);
    expect(error.message).toMatch(/dt=2024-01-15 .*its Parquet cannot be read \(.*part\.parquet/);
    expect(error.message).toContain('npx etl run --date 2024-01-15 --source pricehubble');
    expect(await queryCatalog(lake, statsCount)).toEqual([{ n: 1 }]);
  });

  it('every damaged partition of the table is named, each with its command', async () => {
    await rm(await listingsFile('2024-01-14'));
    await truncate(await listingsFile('2024-01-15'), 10);
    const { message } = await failure(queryCatalog(lake, listingsCount));
    expect(message).toContain('its partitions source=pricehubble/dt=2024-01-14');
    expect(message).toContain('; source=pricehubble/dt=2024-01-15');
    expect(message).toMatch(/--date 2024-01-14 .* && npx etl run --date 2024-01-15 /);
  });

  it('a damaged use-case table names its use case in the command', async () => {
    const partition = await lake.catalog.getPartition('market_stats_monthly', { dt: '2024-01-15' });
    await rm(partition?.location ?? '', { recursive: true });
    const { message } = await failure(queryCatalog(lake, statsCount));
    expect(message).toContain(`npx etl run --date 2024-01-15 --use-case market_stats_monthly --lake ${root}`);
    expect(await queryCatalog(lake, listingsCount)).toEqual([{ n: 2 }]);
  });

  it('a second file that is not Parquet is found when the views are built', async () => {
    const file = await listingsFile('2024-01-15');
    await writeFile(
      join(file, '..', 'part-zz.parquet'),
      'not parquet at all, but long enough to look for a footer',
    );
    const error = await failure(queryCatalog(lake, listingsCount));
    expect(error).toBeInstanceOf(DamagedPartitionError);
    expect(error.message).toMatch(/dt=2024-01-15 .*cannot be read .*part-zz\.parquet/);
  });

  it('a file that breaks after the views were built is traced to its partition', async () => {
    const engine = await LocalQueryEngine.open(lake.catalog, lake.root);
    try {
      await truncate(await listingsFile('2024-01-15'), 100);
      const error = await failure(engine.query(listingsCount));
      expect(error).toBeInstanceOf(DamagedPartitionError);
      expect(error.message).toMatch(/dt=2024-01-15 .*part\.parquet cannot be read/);
      expect((await engine.query(statsCount)).rows).toEqual([{ n: 1 }]);
    } finally {
      engine.close();
    }
  });

  it('a query on other days of a damaged table fails too: it never answers with part of the table', async () => {
    await rm(await listingsFile('2024-01-14'));
    for (const sql of [
      "SELECT count(*) AS n FROM listings WHERE dt = '2024-01-15'",
      "SELECT id FROM listings WHERE dt = '2024-01-16'",
      'SELECT max(dt) AS last FROM listings',
    ]) {
      expect(await failure(queryCatalog(lake, sql))).toBeInstanceOf(DamagedPartitionError);
    }
  });

  it('the pipeline’s SQL use case fails with it too (not as a SQL error), and publishes nothing', async () => {
    await rm(await listingsFile('2024-01-14'));
    const error = await failure(publishMarketStats('2024-01-16'));
    expect(error).toBeInstanceOf(DamagedPartitionError);
    expect(error).not.toBeInstanceOf(SqlQueryFailedError);
    expect(await lake.catalog.getPartition('market_stats_monthly', { dt: '2024-01-16' })).toBeUndefined();
  });

  it('etl query’s engine reports it the same way', async () => {
    await rm(await listingsFile('2024-01-14'));
    const engine = await ReadOnlyQueryEngine.open(lake.catalog, lake.root);
    try {
      expect(await failure(engine.query(listingsCount))).toBeInstanceOf(DamagedPartitionError);
      expect((await engine.query(statsCount)).rows).toEqual([{ n: 1 }]);
    } finally {
      await engine.close();
    }
  });
});
