/**
 * The publish step's guarantees on S3 + Glue: a failure injected at each step (through the
 * fault proxy, in front of moto) leaves the published day whole, and the next run publishes
 * one copy; two loads of one day at once keep the day whole.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createS3Client } from '../../src/adapters/aws/awsClients.ts';
import { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { partitionPrefix, rawPrefix, runIdOf, type SourceDay } from '../../src/domain/lake/lakeLayout.ts';
import { newRunId } from '../../src/domain/run/runId.ts';
import { sourceNamed } from '../../src/domain/sources/registry.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import {
  listingsRejectedTable,
  listingsTable,
  type TableDefinition,
} from '../../src/domain/tables/tableSchema.ts';
import { loadPartition } from '../../src/jobs/loader/loadPartition.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { sampleFiles } from '../support/sampleOracle.ts';
import {
  FaultProxy,
  type InjectedResponse,
  jsonServiceError,
  type RecordedRequest,
  s3AccessDenied,
} from './faultProxy.ts';
import { awsTestOptions, createBucket, describeWithMoto, requireMoto, resetMoto } from './moto.ts';

const bucket = 'listings-lake';
const day: SourceDay = { source: 'pricehubble', dt: '2024-01-15' };
const glueDenied = jsonServiceError(400, 'AccessDeniedException', 'not allowed');

describeWithMoto('publishing on S3 + Glue under injected failures (moto_server)', () => {
  let scratch: string;
  let proxy: FaultProxy;
  let lake: LakeConnection;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'publish-on-s3-'));
    proxy = await FaultProxy.start(requireMoto());
  });
  afterAll(async () => {
    await proxy.close();
    await rm(scratch, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetMoto();
    proxy.clear();
    proxy.serialize((r) => r.ifNoneMatch === '*');
    const s3 = createS3Client(awsTestOptions());
    await createBucket(s3, bucket);
    s3.destroy();
    lake = connectLake(`s3://${bucket}/lake`, 'glue', 'listings_faults', awsTestOptions(proxy.endpoint));
  });

  const land = async (files: readonly string[]) => {
    for (const file of files)
      await lake.blobs.upload(file, `${rawPrefix(lake.zones, day)}${file.split('/').at(-1)}`);
  };

  // Renewed often enough to outlast a slow emulator on a busy machine; a lease a failed load left
  // lapses well within the next load's wait.
  const loadPolicy = { ttlMs: 4_000, renewEveryMs: 500, waitMs: 8_000, pollMs: 50 };

  const load = (runId = newRunId()) =>
    loadPartition(
      { source: sourceNamed('pricehubble'), date: day.dt, runId },
      { ...lake, log: silentLogger, workDir: join(scratch, 'work'), leasePolicy: loadPolicy },
    );

  /** Both tables of the day as readers see them (through the catalog), without run ids. */
  async function dayContents(): Promise<unknown[]> {
    const read = async (table: TableDefinition) => {
      const partition = await lake.catalog.getPartition(table.name, day);
      if (!partition) return [];
      const target = await mkdtemp(join(scratch, 'read-'));
      const files: string[] = [];
      for (const [index, object] of (await lake.blobs.list(partition.location)).entries()) {
        files.push(join(target, `${index}.parquet`));
        await pipeline(await lake.blobs.read(object.uri), createWriteStream(files.at(-1) as string));
      }
      expect(
        files.length,
        `${table.name} points at ${partition.location}, which holds no file`,
      ).toBeGreaterThan(0);
      const session = await DuckdbSession.open();
      try {
        return await session.all(
          `SELECT * EXCLUDE (run_id) FROM read_parquet([${files.map(sqlString).join(', ')}]) ORDER BY ALL`,
        );
      } finally {
        session.close();
        await rm(target, { recursive: true, force: true });
      }
    };
    return [await read(listingsTable), await read(listingsRejectedTable)];
  }

  const runsOf = async (table: TableDefinition) =>
    new Set(
      (await lake.blobs.list(partitionPrefix(lake.zones, table, day)))
        .map((o) => /\/run=([^/]+)\//.exec(o.uri)?.[1])
        .filter((run) => run !== undefined),
    );

  const s3Put = (part: string) => (r: RecordedRequest) =>
    r.method === 'PUT' && decodeURIComponent(r.url).includes(part);
  const glue = (operation: string, table: string) => (r: RecordedRequest) =>
    r.target === `AWSGlue.${operation}` && r.bodyText.includes(`"${table}"`);

  /** Each step, its injected answer, what readers see after it, and the error the load fails with. */
  const steps: [string, (r: RecordedRequest) => boolean, InjectedResponse, 'previous' | 'new', string][] = [
    [
      'taking the lease',
      (r) => r.ifNoneMatch === '*' && decodeURIComponent(r.url).includes('_leases'),
      s3AccessDenied,
      'previous',
      'AccessDenied',
    ],
    ['uploading listings', s3Put('/curated/listings/source='), s3AccessDenied, 'previous', 'AccessDenied'],
    [
      'uploading listings_rejected',
      s3Put('/curated/listings_rejected/source='),
      s3AccessDenied,
      'previous',
      'AccessDenied',
    ],
    [
      'registering a table',
      glue('GetTable', 'listings_rejected'),
      glueDenied,
      'previous',
      'AccessDeniedException',
    ],
    [
      'switching the second table',
      glue('BatchUpdatePartition', 'listings_rejected'),
      glueDenied,
      'previous',
      // the first table was switched back: the error says so
      'GluePublishError',
    ],
    [
      'removing superseded runs',
      // DeleteObjects of a run prefix (the keys are in the body), not of a lease
      (r) => r.method === 'POST' && r.url.includes('?delete') && r.bodyText.includes('/run='),
      s3AccessDenied,
      'new',
      'AccessDenied',
    ],
    ['writing the manifest', s3Put('/manifests/'), s3AccessDenied, 'new', 'AccessDenied'],
  ];

  it.each(steps)(
    'a failure at %s leaves the day whole; the next run publishes one copy',
    async (_, matches, response, sees, errorName) => {
      await land([sampleFiles[0] as string]);
      await load();
      await load(); // the first run is now the superseded one the next publish removes
      const before = await dayContents();

      await land([sampleFiles[1] as string]);
      proxy.fail(1_000, response, matches);
      const failure = await load().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(failure?.name).toBe(errorName);
      proxy.clear();
      proxy.serialize((r) => r.ifNoneMatch === '*');
      const afterFailure = await dayContents();
      if (sees === 'previous') expect(afterFailure).toEqual(before);
      else expect(afterFailure).not.toEqual(before);

      const replaced = runIdOf((await lake.catalog.getPartition('listings', day))?.location ?? '');
      const next = await load();
      const after = await dayContents();
      expect(after).not.toEqual(before);
      if (sees === 'new') expect(after).toEqual(afterFailure);
      // the new run and exactly the one it replaced, which readers may still be reading
      for (const table of [listingsTable, listingsRejectedTable]) {
        expect([...(await runsOf(table))].sort()).toEqual([next.runId, replaced].sort());
      }
    },
  );

  it('two loads of one day at once publish one after the other; the day is whole', async () => {
    await land(sampleFiles);
    const patient = { ...loadPolicy, waitMs: 60_000 };
    const runs = await Promise.all(
      [0, 1].map(() =>
        loadPartition(
          { source: sourceNamed('pricehubble'), date: day.dt, runId: newRunId() },
          { ...lake, log: silentLogger, workDir: join(scratch, 'work'), leasePolicy: patient },
        ),
      ),
    );
    const live = (await lake.catalog.getPartition('listings', day))?.location ?? '';
    expect(runs.map((r) => r.runId)).toContain(/run=([^/]+)\/$/.exec(live)?.[1]);
    const contents = await dayContents();
    await load();
    expect(await dayContents()).toEqual(contents);
  });
});
