import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineRunsTable } from '../../src/domain/tables/tableSchema.ts';
import { useCaseTables } from '../../src/domain/useCases/registry.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { shell } from '../support/cli.ts';
import { etlInProcess as etl } from '../support/etlInProcess.ts';
import { expectedFromSample, sampleFiles } from '../support/sampleOracle.ts';

const sample = sampleFiles[0] as string;
let work: string;
let lake: string;
let kept: number;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lake-repair-'));
  lake = join(work, 'a lake');
  kept = (await expectedFromSample(sample)).kept.length;
  const run = await etl('run', '--input', sample, '--date', '2024-01-15', '--lake', lake);
  expect(run.code, run.stderr).toBe(0);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const count = (table: string) =>
  etl('query', '--lake', lake, '--format', 'csv', `SELECT count(*) AS n FROM ${table}`);

describe('a damaged lake heals by re-running the day', () => {
  it('a deleted published file: queries on its table say which partition and how to repair it', async () => {
    const partition = await connectLake(lake).catalog.getPartition('listings', {
      source: 'pricehubble',
      dt: '2024-01-15',
    });
    const location = partition?.location ?? '';
    for (const file of await readdir(location)) await rm(join(location, file));

    const broken = await count('listings');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toContain('error: DamagedPartitionError: Table listings cannot be read');
    expect(broken.stderr).toContain(`source=pricehubble/dt=2024-01-15 (published at ${location})`);
    const command = /Repair it by re-running that day: (.*)$/m.exec(broken.stderr)?.[1];
    expect(command).toBe(
      `npx etl run --date 2024-01-15 --source pricehubble --lake '${connectLake(lake).root}'`,
    );

    // every other table still answers
    const others = (await connectLake(lake).catalog.listTables())
      .map((table) => table.name)
      .filter((name) => name !== 'listings');
    // listings_rejected, every use case's tables and the run ledger
    expect(others.sort()).toEqual(
      ['listings_rejected', ...useCaseTables.map((t) => t.name), pipelineRunsTable.name].sort(),
    );
    for (const table of others) {
      const other = await count(table);
      expect(other.code, `${table}: ${other.stderr}`).toBe(0);
    }

    // the printed command, as printed, at the repository root
    const rerun = await shell(command ?? 'false');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect((await count('listings')).stdout).toBe(`n\n${kept}\n`);
  });

  it('a damaged catalog file: a named error, and the rebuild it describes works', async () => {
    const { catalog } = connectLake(lake);
    const catalogFile = join(connectLake(lake).root, 'catalog', `${catalog.database}.json`);
    await writeFile(catalogFile, '{"database": "listings_local", "version": 7, "tables": {"listi');

    const broken = await count('listings');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(
      `error: CorruptCatalogError: The local catalog ${catalogFile} is damaged`,
    );
    expect(broken.stderr).toContain('re-run every day the raw zone holds (1: 2024-01-15)');

    const moveAside = /move it aside \((mv [^)]*)\)/.exec(broken.stderr)?.[1];
    const rerun = /, (npx etl run --date D --lake .*) for each day D\./.exec(broken.stderr)?.[1];
    expect(moveAside).toBeDefined();
    expect(rerun).toBeDefined();
    expect((await shell(moveAside ?? 'false')).code).toBe(0);
    const run = await shell((rerun ?? 'false').replace('--date D', '--date 2024-01-15'));
    expect(run.code, run.stderr).toBe(0);
    expect((await count('listings')).stdout).toBe(`n\n${kept}\n`);
    expect((await count('market_stats_monthly')).code).toBe(0);
  });
});
