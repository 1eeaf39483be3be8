import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { rawPrefix, runIdOf } from '../../src/domain/lake/lakeLayout.ts';
import { newRunId } from '../../src/domain/run/runId.ts';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import { loadPartition } from '../../src/jobs/loader/loadPartition.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { type FaultRule, faultyBlobs, faultyCatalog } from '../support/faults.ts';
import { queryCatalog } from '../support/lakeQuery.ts';
import { quickPolicy } from '../support/leaseScenarios.ts';
import { sampleFiles } from '../support/sampleOracle.ts';

const day = { source: 'pricehubble', dt: '2024-01-15' };
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'publish-faults-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const offer = (id: string, price: string) =>
  JSON.stringify({
    id,
    raw_price: price,
    living_area: 100,
    property_type: 'house',
    municipality: 'Bern',
    scraping_date: '2024-01-15',
  });

async function landInto(lake: LakeConnection, files: Record<string, string>): Promise<void> {
  const dir = rawPrefix(lake.zones, day);
  await mkdir(dir, { recursive: true });
  await copyFile(sampleFiles[0] as string, join(dir, 'a-sample.jsonl'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}

function load(lake: LakeConnection, rules: readonly FaultRule[] = [], runId = newRunId()) {
  return loadPartition(
    { source: pricehubble, date: day.dt, runId },
    {
      blobs: faultyBlobs(lake.blobs, rules),
      catalog: faultyCatalog(lake.catalog, rules),
      zones: lake.zones,
      log: silentLogger,
      workDir: join(root, 'work'),
      leasePolicy: quickPolicy,
    },
  );
}

/** What the day's tables hold, without the run id (the same data from two runs is equal). */
async function dayContents(lake: LakeConnection): Promise<unknown[][]> {
  return Promise.all([
    // the raw object's name, not its path: the reference lake lives elsewhere
    queryCatalog(
      lake,
      "SELECT * EXCLUDE (run_id, source_object), regexp_replace(source_object, '.*/', '') AS object " +
        'FROM listings ORDER BY id',
    ),
    queryCatalog(
      lake,
      "SELECT * EXCLUDE (run_id, source_object), regexp_replace(source_object, '.*/', '') AS object " +
        'FROM listings_rejected ORDER BY object, record_number',
    ),
  ]);
}

/** The day's tables as one completed run on these raw files makes them, in a lake of its own. */
async function afterOneRun(files: Record<string, string>): Promise<unknown[][]> {
  const reference = connectLake(join(root, `reference-${Object.keys(files).length}`));
  await landInto(reference, files);
  await load(reference);
  return dayContents(reference);
}

async function runPrefixes(lake: LakeConnection, table: string): Promise<string[]> {
  const entries = await readdir(join(lake.zones.curated, table, 'source=pricehubble', 'dt=2024-01-15'));
  return entries.filter((entry) => entry.startsWith('run='));
}

const before = {};
const more = { 'b-more.jsonl': [offer('new-1', '900 000 CHF'), offer('new-2', '1 100 000 CHF')].join('\n') };
const isData = (table: string) => (argument: string) =>
  argument.includes(`/${table}/`) && argument.includes('run=');

/** Every step of a load a failure can hit, and whether readers see the new run afterwards. */
const steps: [string, (runId: string) => FaultRule, 'previous' | 'new'][] = [
  [
    'taking the lease',
    () => ({ call: 'blobs.putTextIfAbsent', matches: (a) => a.includes('_leases') }),
    'previous',
  ],
  ['uploading listings', () => ({ call: 'blobs.upload', matches: isData('listings') }), 'previous'],
  [
    'uploading listings_rejected',
    () => ({ call: 'blobs.upload', matches: isData('listings_rejected') }),
    'previous',
  ],
  ['registering the tables', () => ({ call: 'catalog.ensureTable' }), 'previous'],
  ['switching the catalog', () => ({ call: 'catalog.publish' }), 'previous'],
  [
    'removing superseded runs',
    (runId) => ({ call: 'blobs.deletePrefix', matches: (a) => a.includes('run=') && !a.includes(runId) }),
    'new',
  ],
  [
    'writing the manifest',
    () => ({ call: 'blobs.putText', matches: (a) => a.includes('/manifests/') }),
    'new',
  ],
];

describe('a failure at any step of publishing a day', () => {
  it.each(steps)(
    'at %s leaves a whole, readable day, and the next run publishes one copy',
    async (_, rule, sees) => {
      const lake = connectLake(join(root, 'lake'));
      await landInto(lake, before);
      // Two runs before: the second leaves the first behind as a superseded run to remove.
      await load(lake);
      await load(lake);
      const published = await dayContents(lake);
      expect(published).toEqual(await afterOneRun(before));

      await landInto(lake, more);
      const runId = newRunId();
      await expect(load(lake, [rule(runId)], runId)).rejects.toThrow(/injected/);
      // Whatever failed, readers see one whole run: the one before, or (past the switch) the new one.
      expect(await dayContents(lake)).toEqual(sees === 'previous' ? published : await afterOneRun(more));

      const replaced = runIdOf((await lake.catalog.getPartition('listings', day))?.location ?? '');
      const next = await load(lake);
      expect(await dayContents(lake)).toEqual(await afterOneRun(more));
      // After a clean run: its own prefix, and exactly the one it replaced, which readers that
      // planned a query before the switch may still be reading; nothing else.
      for (const table of ['listings', 'listings_rejected']) {
        const runs = await runPrefixes(lake, table);
        expect(runs.sort()).toEqual([`run=${next.runId}`, `run=${replaced}`].sort());
      }
      expect(
        await lake.blobs.list(
          join(lake.zones.curated, 'listings', 'source=pricehubble', 'dt=2024-01-15', '_leases/'),
        ),
      ).toEqual([]);
    },
  );
});

describe('two loads of one day at once', () => {
  it('publish one after the other: the day is whole, and readers see one of the two runs', async () => {
    const lake = connectLake(join(root, 'lake'));
    await landInto(lake, more);
    const patient = { ...quickPolicy, waitMs: 60_000 };
    const both = await Promise.all(
      [0, 1].map(() =>
        loadPartition(
          { source: pricehubble, date: day.dt, runId: newRunId() },
          { ...lake, log: silentLogger, workDir: join(root, 'work'), leasePolicy: patient },
        ),
      ),
    );
    expect(both.map((s) => s.kept)).toEqual([both[0]?.kept, both[0]?.kept]);
    expect(await dayContents(lake)).toEqual(await afterOneRun(more));
    const live = (await lake.catalog.getPartition('listings', day))?.location ?? '';
    expect(both.map((s) => s.runId)).toContain(/run=([^/]+)\/$/.exec(live)?.[1]);
  });

  it('a run that waited too long fails by name, saying which run holds the day', async () => {
    const lake = connectLake(join(root, 'lake'));
    await landInto(lake, more);
    const holder = newRunId();
    // Another run holds the day's listings partition right now.
    const { Lease } = await import('../../src/leases/lease.ts');
    const held = await Lease.acquire(
      { blobs: lake.blobs, log: silentLogger },
      {
        prefix: join(lake.zones.curated, 'listings', 'source=pricehubble', 'dt=2024-01-15', '_leases/'),
        description: 'listings',
      },
      holder,
      { ...quickPolicy, ttlMs: 60_000 },
    );
    const error = await load(lake).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe('LeaseHeldError');
    expect(error?.message).toContain(holder);
    expect(error?.message).toMatch(/lapses at \d{4}-\d{2}-\d{2}T/);
    expect(await lake.catalog.getPartition('listings', day)).toBeUndefined();
    await held.release();
    await load(lake);
    expect(await dayContents(lake)).toEqual(await afterOneRun(more));
  });
});
