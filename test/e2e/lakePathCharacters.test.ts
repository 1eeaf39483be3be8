import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import type { RunSummary } from '../../src/cli/runSummary.ts';
import { shellQuote } from '../../src/domain/notifications/shellQuote.ts';
import { parquetCopySql } from '../../src/domain/sql/parquetCopy.ts';
import { sqlFile } from '../../src/domain/sql/sqlLiteral.ts';
import { useCases, useCaseTables } from '../../src/domain/useCases/registry.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { shell } from '../support/cli.ts';
import { expectedFromSample, sampleFiles } from '../support/sampleOracle.ts';

let work: string;
/** Every character that once broke a use case or a query: ' [ ] spaces, and non-ASCII letters. */
let lake: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lake-path-'));
  lake = join(work, "Zürich's [lake] 1");
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("a lake whose path holds ', [, ], spaces and non-ASCII letters", () => {
  const sample = sampleFiles[1] as string;

  it('runs the whole pipeline from the command line: every use case publishes', async () => {
    const run = await shell(
      `npx etl run --input ${shellQuote(sample)} --date 2024-01-15 --lake ${shellQuote(lake)} --json`,
    );
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary).toMatchObject({ status: 'SUCCEEDED', error: null, lake });
    expect(summary.totals.kept).toBe((await expectedFromSample(sample)).kept.length);
    expect(summary.useCases.map((u) => u.name).sort()).toEqual(useCases.map((u) => u.name).sort());
    const { catalog } = connectLake(lake);
    for (const table of useCaseTables) {
      const partition = await catalog.getPartition(table.name, { dt: '2024-01-15' });
      expect(partition?.location, table.name).toMatch(
        new RegExp(`^${escapeRegExp(lake)}/results/${table.name}/`),
      );
    }
  });

  it('answers queries over every table with the data of this lake', async () => {
    const query = (sql: string) =>
      shell(`npx etl query --lake ${shellQuote(lake)} --format csv ${shellQuote(sql)}`);
    const kept = (await expectedFromSample(sample)).kept.length;
    const listings = await query('SELECT count(*) AS n FROM listings');
    expect(listings.code, listings.stderr).toBe(0);
    expect(listings.stdout).toBe(`n\n${kept}\n`);
    const tables = await query('SHOW TABLES');
    expect(tables.stdout.trim().split('\n').slice(1).sort()).toEqual(
      ['listings', 'listings_rejected', 'pipeline_runs', ...useCaseTables.map((t) => t.name)].sort(),
    );
    const counts = await query(
      useCaseTables
        .map((t) => `SELECT '${t.name}' AS name, count(*) AS n FROM ${t.name}`)
        .join(' UNION ALL '),
    );
    expect(counts.code, counts.stderr).toBe(0);
    expect(counts.stdout.trim().split('\n')).toHaveLength(useCaseTables.length + 1);
  });

  it('reads its own files even when a neighbour matches its path as a glob', async () => {
    // `[lake]` as a glob is one of l, a, k, e: the neighbour holds a listings file at the very
    // same place, with one row. Reading the path unescaped would count that row.
    const neighbour = join(work, "Zürich's l 1");
    await cp(lake, neighbour, { recursive: true });
    // (the copied catalog still points at this lake: the neighbour's file is found by its place)
    const [partition] = await connectLake(lake).catalog.listPartitions('listings');
    const location = `${neighbour}${(partition?.location ?? '').slice(lake.length)}`;
    const [file] = (await readdir(location)).filter((f) => f.endsWith('.parquet'));
    const session = await DuckdbSession.open();
    try {
      const path = join(location, file ?? '');
      await session.run(
        parquetCopySql(`SELECT * FROM read_parquet(${sqlFile(path)}) LIMIT 1`, `${path}.one`),
      );
      await rm(path);
      await cp(`${path}.one`, path);
      await rm(`${path}.one`);
    } finally {
      session.close();
    }
    const counted = await shell(
      `npx etl query --lake ${shellQuote(lake)} --format csv ${shellQuote('SELECT count(*) AS n FROM listings')}`,
    );
    expect(counted.stdout).toBe(`n\n${(await expectedFromSample(sample)).kept.length}\n`);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
