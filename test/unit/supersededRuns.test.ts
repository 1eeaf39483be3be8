import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonLogger } from '../../src/adapters/jsonLogger.ts';
import { FileBlobStore } from '../../src/adapters/local/fileBlobStore.ts';
import { zonesUnder } from '../../src/domain/lake/lakeLayout.ts';
import { listingsTable } from '../../src/domain/tables/tableSchema.ts';
import { removeSupersededRuns } from '../../src/publishing/supersededRuns.ts';

const values = { source: 'pricehubble', dt: '2024-01-15' };
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'superseded-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('removing superseded runs of a partition', () => {
  it('keeps the new run and the one it replaced, removes older runs, and leaves other entries alone', async () => {
    const zones = zonesUnder(join(root, 'lake'));
    // written by hand: the layout the lake documents, not the code's own path functions
    const partition = join(root, 'lake', 'curated', 'listings', 'source=pricehubble', 'dt=2024-01-15');
    for (const run of ['r1', 'r2', 'r3', 'r4']) {
      await mkdir(join(partition, `run=${run}`), { recursive: true });
      await writeFile(join(partition, `run=${run}`, 'part-0.parquet'), run);
    }
    await mkdir(join(partition, '_leases'), { recursive: true });
    await writeFile(join(partition, '_leases', 'holder.json'), '{}');
    const lines: Record<string, unknown>[] = [];
    await removeSupersededRuns(
      { blobs: new FileBlobStore(), zones, log: new JsonLogger({}, (line) => lines.push(JSON.parse(line))) },
      [{ table: listingsTable, values, previous: `${partition}/run=r3/` }],
      'r4',
    );
    expect((await readdir(partition)).sort()).toEqual(['_leases', 'run=r3', 'run=r4']);
    expect(
      lines
        .map(({ time: _t, level: _l, ...rest }) => rest)
        .sort((a, b) => String(a.run).localeCompare(String(b.run))),
    ).toEqual([
      { message: 'superseded run removed', table: 'listings', run: 'r1', objects: 1 },
      { message: 'superseded run removed', table: 'listings', run: 'r2', objects: 1 },
    ]);
  });

  it('removes runs killed in their first upload, which left only a partial file or a bare folder', async () => {
    const zones = zonesUnder(join(root, 'lake'));
    const partition = join(root, 'lake', 'curated', 'listings', 'source=pricehubble', 'dt=2024-01-15');
    await mkdir(join(partition, 'run=r1'), { recursive: true });
    await writeFile(join(partition, 'run=r1', 'part-0.parquet'), 'r1');
    await mkdir(join(partition, 'run=killed-copying'), { recursive: true });
    await writeFile(join(partition, 'run=killed-copying', 'part-0.parquet.partial'), 'half');
    await mkdir(join(partition, 'run=killed-before-copy'), { recursive: true });
    await mkdir(join(partition, 'run=r2'), { recursive: true });
    await writeFile(join(partition, 'run=r2', 'part-0.parquet'), 'r2');
    await removeSupersededRuns(
      { blobs: new FileBlobStore(), zones, log: new JsonLogger({}, () => {}) },
      [{ table: listingsTable, values, previous: `${partition}/run=r1/` }],
      'r2',
    );
    expect((await readdir(partition)).sort()).toEqual(['run=r1', 'run=r2']);
  });
});
