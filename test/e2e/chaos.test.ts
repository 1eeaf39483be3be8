import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { manifestUri, partitionPrefix, rawPrefix } from '../../src/domain/lake/lakeLayout.ts';
import { newRunId } from '../../src/domain/run/runId.ts';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import { listingsRejectedTable, listingsTable } from '../../src/domain/tables/tableSchema.ts';
import { messyOfferLines, seededRandom } from '../../src/generator/messyOffers.ts';
import { loadPartition } from '../../src/jobs/loader/loadPartition.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { repositoryRoot } from '../support/cli.ts';
import { type FaultRule, faultyBlobs, faultyCatalog } from '../support/faults.ts';
import { queryCatalog } from '../support/lakeQuery.ts';
import { quickPolicy } from '../support/leaseScenarios.ts';

/**
 * A small, seeded chaos run in the manner of Jepsen: a few dozen loads of a handful of days
 * against one lake, started in overlapping waves; some are killed (SIGKILL, as a separate
 * process), some meet an injected failure at a random step, some run clean. Then a checker
 * verifies the invariants; then one clean run per day repairs, and the checker runs again,
 * stricter. The seed is printed: `CHAOS_SEED=<seed> npx vitest run test/e2e/chaos.test.ts`
 * replays a failure.
 */
const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = seededRandom(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const days = ['2024-05-01', '2024-05-02', '2024-05-03'];
const runsPerWave = 5;
const waves = 6;

let work: string;
let lake: LakeConnection;
const reference = new Map<string, unknown>();

beforeAll(async () => {
  process.stdout.write(`chaos seed: ${seed} (replay with CHAOS_SEED=${seed})\n`);
  work = await mkdtemp(join(tmpdir(), 'chaos-'));
  lake = connectLake(join(work, 'lake'));
  for (const [index, dt] of days.entries()) {
    const text = `${[...messyOfferLines(1_500, 100 + index)].join('\n')}\n`;
    for (const target of [lake, connectLake(join(work, `reference-${dt}`))]) {
      const dir = rawPrefix(target.zones, { source: 'pricehubble', dt });
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'offers.jsonl'), text);
    }
    // What one completed run makes of the day, in a lake of its own.
    const alone = connectLake(join(work, `reference-${dt}`));
    await load(alone, dt, []);
    reference.set(dt, await dayContents(alone, dt));
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function load(target: LakeConnection, dt: string, rules: readonly FaultRule[], policy = quickPolicy) {
  return loadPartition(
    { source: pricehubble, date: dt, runId: newRunId() },
    {
      blobs: faultyBlobs(target.blobs, rules),
      catalog: faultyCatalog(target.catalog, rules),
      zones: target.zones,
      log: silentLogger,
      workDir: join(work, 'scratch'),
      leasePolicy: policy,
    },
  );
}

/**
 * The loader as a process of its own, killed at a random moment of its work (`afterMs`), or as
 * soon as it says it has started (`'started'`: certain to land mid-work): whether it was still
 * running.
 */
async function loadAndKill(dt: string, afterMs: number | 'started'): Promise<boolean> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'containers/loader/entrypoint.ts'], {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      ENVIRONMENT: 'chaos',
      LOG_LEVEL: 'info',
      RUN_ID: newRunId(),
      RUN_DATE: dt,
      SOURCE: 'pricehubble',
      QUALITY: 'null',
      LOAD_STEP: 'day',
      CATALOG: 'local',
      LAKE: lake.root,
      WORK_DIR: join(work, 'scratch'),
      DUCKDB_MEMORY_LIMIT: '256MB',
      DUCKDB_THREADS: '1',
      PROGRESS_INTERVAL_SECONDS: '10',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('close', (_, signal) => resolve(signal)),
  );
  if (afterMs === 'started') {
    // the loader's log lines go to stderr; "loader started" comes before any of its work
    await new Promise<void>((resolve) => {
      let seen = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('"message":"loader started"')) resolve();
      });
      child.on('close', () => resolve());
    });
  } else {
    child.stderr?.resume();
    await new Promise((resolve) => setTimeout(resolve, afterMs));
  }
  child.kill('SIGKILL');
  return (await exited) === 'SIGKILL';
}

const faultSteps: readonly ((runId?: string) => FaultRule)[] = [
  () => ({ call: 'blobs.upload', matches: (a) => a.includes('/listings/') }),
  () => ({ call: 'blobs.upload', matches: (a) => a.includes('/listings_rejected/') }),
  () => ({ call: 'catalog.ensureTable' }),
  () => ({ call: 'catalog.publish' }),
  () => ({ call: 'blobs.putText', matches: (a) => a.includes('/manifests/') }),
  () => ({ call: 'blobs.deletePrefix', matches: (a) => a.includes('run=') }),
];

async function dayContents(target: LakeConnection, dt: string): Promise<unknown> {
  return {
    listings: await queryCatalog(
      target,
      "SELECT * EXCLUDE (run_id, dt, source_object), regexp_replace(source_object, '.*/', '') AS object " +
        `FROM listings WHERE dt = '${dt}' ORDER BY id`,
    ),
    rejected: await queryCatalog(
      target,
      "SELECT * EXCLUDE (run_id, dt, source_object), regexp_replace(source_object, '.*/', '') AS object " +
        `FROM listings_rejected WHERE dt = '${dt}' ORDER BY record_number`,
    ),
  };
}

/** Every published day reads whole and equals what one completed run makes of it; its manifest conserves. */
async function checkPublishedDays(): Promise<void> {
  for (const dt of days) {
    const partition = await lake.catalog.getPartition('listings', { source: 'pricehubble', dt });
    if (!partition) continue;
    expect(await dayContents(lake, dt), `day ${dt} (seed ${seed})`).toEqual(reference.get(dt));
    const runId = /run=([^/]+)\/$/.exec(partition.location)?.[1] ?? '';
    const rejected = await lake.catalog.getPartition('listings_rejected', { source: 'pricehubble', dt });
    expect(rejected?.location, `both tables of ${dt} from one run (seed ${seed})`).toContain(`run=${runId}/`);
  }
}

describe(`a seeded chaos run (seed ${seed})`, () => {
  it('keeps every invariant of the lake through overlapping, killed and failing loads', async () => {
    const outcomes = { clean: 0, killed: 0, killedMidRun: 0, faulted: 0, otherFailures: 0, refused: 0 };
    for (let wave = 0; wave < waves; wave++) {
      const runs = Array.from({ length: runsPerWave }, async (_, index) => {
        const dt = pick(days);
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 300)));
        // every wave's first run is killed once it has started, whatever the seed draws
        const kind = index === 0 ? 'killed' : pick(['clean', 'killed', 'faulted', 'faulted'] as const);
        if (kind === 'killed') {
          const moment = index === 0 ? 'started' : 200 + Math.floor(random() * 2_500);
          if (await loadAndKill(dt, moment)) outcomes.killedMidRun++;
          outcomes.killed++;
          return;
        }
        const rules = kind === 'faulted' ? [pick(faultSteps)()] : [];
        const waitFor = random() < 0.3 ? { ...quickPolicy, waitMs: 0 } : { ...quickPolicy, waitMs: 30_000 };
        try {
          await load(lake, dt, rules, waitFor);
          outcomes.clean++;
        } catch (error) {
          if ((error as Error).name === 'LeaseHeldError') outcomes.refused++;
          else if (kind === 'faulted' && /injected/.test((error as Error).message)) outcomes.faulted++;
          else outcomes.otherFailures++;
          if (kind === 'clean' && (error as Error).name !== 'LeaseHeldError') throw error;
        }
      });
      await Promise.all(runs);
      await checkPublishedDays();
    }
    process.stdout.write(`chaos outcomes (seed ${seed}): ${JSON.stringify(outcomes)}\n`);
    // The run did what it claims: some loads died mid-work and some failed at an injected step.
    expect(outcomes.killedMidRun, `loads killed while running (seed ${seed})`).toBeGreaterThan(0);
    expect(outcomes.faulted, `loads failed by an injected fault (seed ${seed})`).toBeGreaterThan(0);

    // The next run repairs what the last one left behind.
    for (const dt of days) await load(lake, dt, [], { ...quickPolicy, waitMs: 30_000 });
    await checkPublishedDays();
    for (const dt of days) {
      const values = { source: 'pricehubble', dt };
      const manifest = JSON.parse(
        (await lake.blobs.getText(
          manifestUri(
            lake.zones,
            values,
            /run=([^/]+)\/$/.exec(
              (await lake.catalog.getPartition('listings', values))?.location ?? '',
            )?.[1] ?? '',
          ),
        )) ?? '{}',
      ) as { read: number; kept: number; rejected: number; published: { previous: string | null }[] };
      expect(manifest.read, `conservation of ${dt}`).toBe(manifest.kept + manifest.rejected);
      for (const table of [listingsTable, listingsRejectedTable]) {
        const prefix = partitionPrefix(lake.zones, table, values);
        const current = (await lake.catalog.getPartition(table.name, values))?.location;
        const previous =
          manifest.published.find((p) => p.previous?.startsWith(prefix))?.previous ?? undefined;
        const runs = (await readdir(prefix)).filter((entry) => entry.startsWith('run='));
        const explained = new Set(
          [current, previous].filter(Boolean).map((l) => /(run=[^/]+)\/$/.exec(l ?? '')?.[1]),
        );
        expect(
          runs.filter((run) => !explained.has(run)),
          `${table.name} ${dt}: unexplained run prefixes (seed ${seed})`,
        ).toEqual([]);
        expect(
          await lake.blobs.list(`${prefix}_leases/`),
          `${table.name} ${dt}: leases left (seed ${seed})`,
        ).toEqual([]);
      }
    }
    const scratch = await readdir(join(work, 'scratch')).catch(() => []);
    expect(
      scratch.filter((entry) => entry.startsWith('load-')),
      `scratch left (seed ${seed})`,
    ).toEqual([]);
  }, 300_000);
});
