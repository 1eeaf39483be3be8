import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonLogger } from '../../src/adapters/jsonLogger.ts';
import { FileBlobStore } from '../../src/adapters/local/fileBlobStore.ts';
import { LocalCatalog } from '../../src/adapters/local/localCatalog.ts';
import { zonesUnder } from '../../src/domain/lake/lakeLayout.ts';
import { listingsRejectedTable, listingsTable } from '../../src/domain/tables/tableSchema.ts';
import { Lease } from '../../src/leases/lease.ts';
import type { Catalog } from '../../src/ports/catalog.ts';
import { type PublishPorts, publishRun, type RunOutput } from '../../src/publishing/publishRun.ts';
import { type FaultRule, faultyBlobs, faultyCatalog } from '../support/faults.ts';
import { quickPolicy } from '../support/leaseScenarios.ts';

/**
 * Publishing, in process, on the local lake: where each step writes, what a failure before or
 * after the catalog switch leaves, what a retried run does. Paths are written out by hand
 * (the lake's documented layout), not built with the code's own path functions.
 */
let root: string;
let lines: Record<string, unknown>[];
const values = { source: 'pricehubble', dt: '2024-01-15' };
const partition = (table: string) =>
  join(root, 'lake', 'curated', table, 'source=pricehubble', 'dt=2024-01-15');
const runFolder = (table: string, run: string) => `${join(partition(table), `run=${run}`)}/`;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'publish-run-'));
  lines = [];
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function setup(blobFaults: readonly FaultRule[] = [], catalogFaults: readonly FaultRule[] = []) {
  const catalog = new LocalCatalog(join(root, 'lake'), 'listings_test');
  const lookups: string[] = [];
  const counting: Catalog = new Proxy(catalog, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'getPartition' || typeof value !== 'function') return value;
      return (table: string, partitionValues: Record<string, string>) => {
        lookups.push(table);
        return catalog.getPartition(table, partitionValues);
      };
    },
  });
  const ports: PublishPorts = {
    blobs: faultyBlobs(new FileBlobStore(), blobFaults),
    catalog: faultyCatalog(counting, catalogFaults),
    zones: zonesUnder(join(root, 'lake')),
    log: new JsonLogger({}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
    leasePolicy: { ...quickPolicy, waitMs: 0 },
  };
  return { ports, catalog, lookups };
}

/** Outputs that write one small file, and count their writes. */
function outputs(text: string, tables = [listingsTable, listingsRejectedTable]) {
  const writes: string[] = [];
  const list: RunOutput[] = tables.map((table) => ({
    table,
    values,
    write: async (location: string) => {
      writes.push(table.name);
      await mkdir(location, { recursive: true });
      await writeFile(join(location, 'part-00000.zstd.parquet'), `${table.name} ${text}`);
    },
  }));
  return { list, writes };
}

const runsOf = async (table: string) =>
  (await readdir(partition(table)).catch(() => [])).filter((e) => e.startsWith('run=')).sort();
const pointsAt = async (catalog: LocalCatalog, table: string) =>
  (await catalog.getPartition(table, values))?.location;

describe('publishing a run', () => {
  it('writes under fresh run prefixes, points both tables there, says where, and keeps the replaced run one run longer', async () => {
    const { ports, catalog } = setup();
    const first = await publishRun(ports, 'r1', outputs('one').list);
    expect(first.map((p) => [p.table.name, p.location, p.previous])).toEqual([
      ['listings', runFolder('listings', 'r1'), undefined],
      ['listings_rejected', runFolder('listings_rejected', 'r1'), undefined],
    ]);
    expect(lines.find((l) => l.message === 'partitions published')).toMatchObject({
      runId: 'r1',
      published: [
        { table: 'listings', location: runFolder('listings', 'r1') },
        { table: 'listings_rejected', location: runFolder('listings_rejected', 'r1') },
      ],
    });
    const second = await publishRun(ports, 'r2', outputs('two').list);
    expect(second.map((p) => p.previous)).toEqual([
      runFolder('listings', 'r1'),
      runFolder('listings_rejected', 'r1'),
    ]);
    await publishRun(ports, 'r3', outputs('three').list);
    expect(await runsOf('listings')).toEqual(['run=r2', 'run=r3']);
    expect(await runsOf('listings_rejected')).toEqual(['run=r2', 'run=r3']);
    expect(await pointsAt(catalog, 'listings')).toBe(runFolder('listings', 'r3'));
  });

  it('publishes nothing, and claims nothing, for a run without outputs', async () => {
    const { ports } = setup();
    expect(await publishRun(ports, 'r1', [])).toEqual([]);
    expect(lines.map((l) => l.message)).not.toContain('already published by an earlier attempt of this run');
  });

  it('names the partition and its holder when another run holds it', async () => {
    const { ports } = setup();
    const holder = await Lease.acquire(
      { blobs: new FileBlobStore(), log: ports.log },
      { prefix: `${join(partition('listings'), '_leases')}/`, description: 'held by hand' },
      'run-other',
      { ...quickPolicy, ttlMs: 60_000 },
    );
    await expect(publishRun(ports, 'r1', outputs('one').list)).rejects.toThrow(
      'listings source=pricehubble/dt=2024-01-15 is held by run-other',
    );
    await holder.release();
  });
});

describe('a run retried with the same run id', () => {
  it('after everything was published: writes nothing again and says so', async () => {
    const { ports, catalog } = setup();
    await publishRun(ports, 'r1', outputs('one').list);
    const retry = outputs('one, again');
    const result = await publishRun(ports, 'r1', retry.list);
    expect(retry.writes).toEqual([]);
    expect(result.map((p) => [p.location, p.previous])).toEqual([
      [runFolder('listings', 'r1'), undefined],
      [runFolder('listings_rejected', 'r1'), undefined],
    ]);
    expect(lines.filter((l) => l.message === 'already published by an earlier attempt of this run')).toEqual([
      expect.objectContaining({ runId: 'r1' }),
    ]);
    expect(await pointsAt(catalog, 'listings')).toBe(runFolder('listings', 'r1'));
  });

  it('after one table was published: rewrites only the other, then publishes both', async () => {
    const { ports, catalog } = setup();
    await publishRun(ports, 'r1', outputs('one', [listingsTable]).list);
    const retry = outputs('one, again');
    await publishRun(ports, 'r1', retry.list);
    expect(retry.writes).toEqual(['listings_rejected']);
    expect(await pointsAt(catalog, 'listings_rejected')).toBe(runFolder('listings_rejected', 'r1'));
    expect(await readdir(runFolder('listings', 'r1'))).toEqual(['part-00000.zstd.parquet']);
  });

  it('after one table was published and the switch then fails: keeps the published one, removes the other', async () => {
    const { ports: setupPorts } = setup();
    await publishRun(setupPorts, 'r1', outputs('one', [listingsTable]).list);
    const { ports } = setup([], [{ call: 'catalog.publish' }]);
    await expect(publishRun(ports, 'r1', outputs('one, again').list)).rejects.toThrow(
      'injected: catalog.publish',
    );
    expect(await runsOf('listings')).toEqual(['run=r1']);
    expect(await runsOf('listings_rejected')).toEqual([]);
  });
});

describe('a failure while publishing', () => {
  it('before the switch: removes the run prefixes it wrote; the day stays as it was', async () => {
    const { ports: setupPorts, catalog } = setup();
    await publishRun(setupPorts, 'r1', outputs('one').list);
    const { ports } = setup([], [{ call: 'catalog.publish' }]);
    await expect(publishRun(ports, 'r2', outputs('two').list)).rejects.toThrow('injected: catalog.publish');
    expect(await runsOf('listings')).toEqual(['run=r1']);
    expect(await runsOf('listings_rejected')).toEqual(['run=r1']);
    expect(await pointsAt(catalog, 'listings')).toBe(runFolder('listings', 'r1'));
  });

  it('before the switch, with the cleanup failing too: reports the first failure and warns that a later run cleans up', async () => {
    const { ports } = setup(
      [{ call: 'blobs.deletePrefix', matches: (uri) => uri.includes('run=r2'), nth: 3 }],
      [{ call: 'catalog.publish' }],
    );
    await expect(publishRun(ports, 'r2', outputs('two').list)).rejects.toThrow('injected: catalog.publish');
    const warning = lines.find((l) => l.level === 'warn');
    expect(warning).toMatchObject({
      message: 'could not remove an unpublished run prefix; a later run removes it',
      error: expect.stringContaining('injected: blobs.deletePrefix'),
    });
  });

  it('after the switch: deletes nothing of the new run and does not look for unpublished prefixes', async () => {
    const { ports: setupPorts } = setup();
    await publishRun(setupPorts, 'r1', outputs('one').list);
    await publishRun(setupPorts, 'r2', outputs('two').list);
    const { ports, catalog, lookups } = setup([
      { call: 'blobs.deletePrefix', matches: (uri) => uri.includes('run=r1') },
    ]);
    await expect(publishRun(ports, 'r3', outputs('three').list)).rejects.toThrow(
      'injected: blobs.deletePrefix',
    );
    expect(await pointsAt(catalog, 'listings')).toBe(runFolder('listings', 'r3'));
    expect(await readdir(runFolder('listings', 'r3'))).toEqual(['part-00000.zstd.parquet']);
    expect(await readdir(runFolder('listings_rejected', 'r3'))).toEqual(['part-00000.zstd.parquet']);
    // the partitions were looked up once each, before writing, and never again
    expect(lookups).toEqual(['listings', 'listings_rejected']);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});
