/**
 * Issue 4's end-to-end check: the real sample files, landed in an emulated S3 raw zone, go
 * through the loader with the S3 blob store and the Glue catalog, and come out exactly as a
 * run on a local lake; re-runs replace, failed runs leave the published data alone.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createS3Client } from '../../src/adapters/aws/awsClients.ts';
import { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { partitionPrefix, rawPrefix, runPrefix, type SourceDay } from '../../src/domain/lake/lakeLayout.ts';
import { newRunId } from '../../src/domain/run/runId.ts';
import { sourceNamed } from '../../src/domain/sources/registry.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import {
  listingsRejectedTable,
  listingsTable,
  type TableDefinition,
} from '../../src/domain/tables/tableSchema.ts';
import { type LoadSummary, loadPartition } from '../../src/jobs/loader/loadPartition.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { sampleFiles as bundledSamples } from '../support/sampleOracle.ts';
import { FaultProxy, jsonServiceError } from './faultProxy.ts';
import {
  awsTestOptions,
  createBucket,
  describeWithMoto,
  requireMoto,
  resetMoto,
  testRegion,
} from './moto.ts';

const sampleFiles = bundledSamples.map((path) => ({ path, name: path.split('/').at(-1) ?? path }));
const bucket = 'listings-lake';
const lakeUri = `s3://${bucket}/e2e`;
const database = 'listings_e2e';
const source = sourceNamed('pricehubble');
const day: SourceDay = { source: 'pricehubble', dt: '2024-01-15' };

type Row = Record<string, unknown>;

describeWithMoto('the loader on S3 + Glue (moto_server)', () => {
  let scratch: string;
  let proxy: FaultProxy;
  let s3Lake: LakeConnection;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'loader-on-s3-'));
    // S3 and Glue calls go through the proxy, so one test can make Glue refuse to publish.
    proxy = await FaultProxy.start(requireMoto());
  });
  afterAll(async () => {
    await proxy.close();
    await rm(scratch, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetMoto();
    proxy.clear();
    // The bucket is the only thing that exists before the first run.
    const s3 = createS3Client(awsTestOptions());
    await createBucket(s3, bucket);
    s3.destroy();
    s3Lake = connectLake(lakeUri, 'glue', database, awsTestOptions(proxy.endpoint));
  });
  afterEach(() => proxy.clear());

  async function land(lake: LakeConnection, dt = day.dt): Promise<void> {
    for (const file of sampleFiles)
      await lake.blobs.upload(file.path, `${rawPrefix(lake.zones, { ...day, dt })}${file.name}`);
  }

  function load(lake: LakeConnection, runId = newRunId(), dt = day.dt): Promise<LoadSummary> {
    return loadPartition(
      { source, date: dt, runId },
      {
        blobs: lake.blobs,
        catalog: lake.catalog,
        zones: lake.zones,
        log: silentLogger,
        workDir: join(scratch, 'work'),
        duckdb: { memoryLimit: '512MB', threads: 2 },
      },
    );
  }

  /** The rows of a table's published partition, read through the catalog as a query engine would. */
  async function publishedRows(lake: LakeConnection, table: TableDefinition, dt = day.dt): Promise<Row[]> {
    const partition = await lake.catalog.getPartition(table.name, { ...day, dt });
    if (!partition) throw new Error(`${table.name} has no partition for ${dt}`);
    const files: string[] = [];
    const target = await mkdtemp(join(scratch, 'download-'));
    for (const [index, object] of (await lake.blobs.list(partition.location)).entries()) {
      const local = join(target, `${index}.parquet`);
      await pipeline(await lake.blobs.read(object.uri), createWriteStream(local));
      files.push(local);
    }
    const session = await DuckdbSession.open();
    try {
      const scan = `read_parquet([${files.map(sqlString).join(', ')}])`;
      // Rows name the raw object they came from: compare them relative to the raw zone.
      const raw = sqlString(rawPrefix(lake.zones, { ...day, dt }));
      const order = table === listingsTable ? 'id' : 'source_object, record_number';
      return await session.all(
        `SELECT * REPLACE (replace(source_object, ${raw}, '') AS source_object) FROM ${scan} ORDER BY ${order}`,
      );
    } finally {
      session.close();
      await rm(target, { recursive: true, force: true });
    }
  }

  async function runsUnder(lake: LakeConnection, table: TableDefinition, dt = day.dt): Promise<string[]> {
    const objects = await lake.blobs.list(partitionPrefix(lake.zones, table, { ...day, dt }));
    return [...new Set(objects.map((o) => /\/run=([^/]+)\//.exec(o.uri)?.[1] ?? o.uri))].sort();
  }

  it('publishes the sample data to Glue partitions that hold exactly what a local run produces', async () => {
    const runId = newRunId();
    await land(s3Lake);
    const localLake = connectLake(join(scratch, `local-lake-${runId}`));
    await land(localLake);

    const onS3 = await load(s3Lake, runId);
    const local = await load(localLake, runId);

    expect(onS3.read).toBeGreaterThan(0);
    expect(onS3.kept).toBeGreaterThan(0);
    expect(onS3.rejected).toBeGreaterThan(0);
    expect({
      read: onS3.read,
      kept: onS3.kept,
      rejected: onS3.rejected,
      byReason: onS3.rejectedByReason,
    }).toEqual({
      read: local.read,
      kept: local.kept,
      rejected: local.rejected,
      byReason: local.rejectedByReason,
    });
    expect(onS3.read).toBe(onS3.kept + onS3.rejected);

    // Glue: both tables exist and their partition points at this run's prefix.
    for (const table of [listingsTable, listingsRejectedTable]) {
      expect(await s3Lake.catalog.listPartitions(table.name)).toEqual([
        { values: day, location: runPrefix(s3Lake.zones, table, day, runId) },
      ]);
    }
    expect(onS3.published.map((p) => [p.table, p.location, p.previous])).toEqual([
      ['listings', runPrefix(s3Lake.zones, listingsTable, day, runId), null],
      ['listings_rejected', runPrefix(s3Lake.zones, listingsRejectedTable, day, runId), null],
    ]);
    expect((await s3Lake.catalog.listTables()).map((t) => t.name)).toEqual(['listings', 'listings_rejected']);

    // The Parquet behind the partitions: the very rows of the local run, lineage included.
    const s3Listings = await publishedRows(s3Lake, listingsTable);
    expect(s3Listings).toHaveLength(onS3.kept);
    expect(s3Listings).toEqual(await publishedRows(localLake, listingsTable));
    const s3Rejected = await publishedRows(s3Lake, listingsRejectedTable);
    expect(s3Rejected).toHaveLength(onS3.rejected);
    expect(s3Rejected).toEqual(await publishedRows(localLake, listingsRejectedTable));

    // The run manifest is in the manifests zone.
    const manifest = JSON.parse((await s3Lake.blobs.getText(onS3.manifest)) ?? 'null') as LoadSummary;
    expect(manifest).toMatchObject({ runId, read: onS3.read, kept: onS3.kept });
  });

  it('replaces the partition on a re-run and cleans up superseded run prefixes', async () => {
    await land(s3Lake);
    const first = await load(s3Lake);
    const firstRows = await publishedRows(s3Lake, listingsTable);

    const second = await load(s3Lake);

    // One partition per table, now on the second run; the first is only its "previous".
    expect(await s3Lake.catalog.listPartitions('listings')).toEqual([
      { values: day, location: runPrefix(s3Lake.zones, listingsTable, day, second.runId) },
    ]);
    expect(second.published[0]?.previous).toBe(runPrefix(s3Lake.zones, listingsTable, day, first.runId));
    const secondRows = await publishedRows(s3Lake, listingsTable);
    expect(secondRows).toHaveLength(firstRows.length);
    expect(secondRows.map((r) => ({ ...r, run_id: undefined }))).toEqual(
      firstRows.map((r) => ({ ...r, run_id: undefined })),
    );
    expect(new Set(secondRows.map((r) => r.run_id))).toEqual(new Set([second.runId]));

    // The replaced run stays one run longer (for queries that started before the switch)...
    expect(await runsUnder(s3Lake, listingsTable)).toEqual([first.runId, second.runId].sort());
    const third = await load(s3Lake);
    // ...and is gone after the next one: only the published run and its predecessor remain.
    for (const table of [listingsTable, listingsRejectedTable]) {
      expect(await runsUnder(s3Lake, table)).toEqual([second.runId, third.runId].sort());
      expect(await s3Lake.catalog.listPartitions(table.name)).toEqual([
        { values: day, location: runPrefix(s3Lake.zones, table, day, third.runId) },
      ]);
    }
  });

  it('leaves the published partition intact when a run fails on a corrupt raw object', async () => {
    await land(s3Lake);
    const good = await load(s3Lake);
    const before = await publishedRows(s3Lake, listingsTable);
    const corrupt = join(scratch, 'corrupt.json.gz');
    const gzip = gzipSync(Buffer.from('{"id":"1","raw_price":"1000"}\n'.repeat(200)));
    // A gzip header followed by garbage: the stream breaks in the middle of the object.
    await writeFile(corrupt, Buffer.concat([gzip.subarray(0, 40), Buffer.alloc(64, 0xff)]));
    await s3Lake.blobs.upload(corrupt, `${rawPrefix(s3Lake.zones, day)}zz-late-delivery.json.gz`);
    const failedRun = newRunId();

    await expect(load(s3Lake, failedRun)).rejects.toMatchObject({
      name: 'RawObjectReadError',
      message: expect.stringContaining('zz-late-delivery.json.gz'),
    });

    for (const table of [listingsTable, listingsRejectedTable]) {
      expect(await s3Lake.catalog.listPartitions(table.name)).toEqual([
        { values: day, location: runPrefix(s3Lake.zones, table, day, good.runId) },
      ]);
      expect(await runsUnder(s3Lake, table)).toEqual([good.runId]);
    }
    expect(await publishedRows(s3Lake, listingsTable)).toEqual(before);
    const everything = await s3Lake.blobs.list(`${lakeUri}/`);
    expect(everything.filter((o) => o.uri.includes(failedRun))).toEqual([]);
  });

  it('registers no partition and leaves no orphan run prefix when publishing fails after the upload', async () => {
    const dt = '2024-01-16';
    await land(s3Lake, dt);
    // Glue refuses to publish (not a retryable error): the Parquet is already uploaded by then.
    proxy.fail(
      1,
      jsonServiceError(400, 'AccessDeniedException', 'not authorized to glue:BatchGetPartition'),
      (r) => r.target === 'AWSGlue.BatchGetPartition',
    );
    const failedRun = newRunId();

    await expect(load(s3Lake, failedRun, dt)).rejects.toMatchObject({ name: 'AccessDeniedException' });

    const uploads = proxy.requests.filter(
      (r) => r.method === 'PUT' && decodeURIComponent(r.url).includes(`run=${failedRun}/`),
    );
    expect(uploads.length).toBeGreaterThan(0); // it did get as far as uploading
    for (const table of [listingsTable, listingsRejectedTable]) {
      expect(await s3Lake.catalog.listPartitions(table.name)).toEqual([]);
      expect(await runsUnder(s3Lake, table, dt)).toEqual([]);
    }
    const everything = await s3Lake.blobs.list(`${lakeUri}/`);
    expect(everything.filter((o) => o.uri.includes(failedRun))).toEqual([]);
  });

  it('runs as the loader container does: configured only by environment variables', async () => {
    await land(s3Lake);
    const runId = newRunId();
    const endpoint = requireMoto();
    const environment: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? scratch,
      RUN_ID: runId,
      SOURCE: 'pricehubble',
      RUN_DATE: day.dt,
      QUALITY: 'null',
      LOAD_STEP: 'day',
      ENVIRONMENT: 'test',
      LOG_LEVEL: 'info',
      CATALOG: 'glue',
      // the deployed stack's way: one variable per zone (here all in one bucket)
      LAKE_RAW: s3Lake.zones.raw,
      LAKE_CURATED: s3Lake.zones.curated,
      LAKE_RESULTS: s3Lake.zones.results,
      LAKE_MANIFESTS: s3Lake.zones.manifests,
      LAKE_ATHENA_RESULTS: s3Lake.zones.athenaResults,
      GLUE_DATABASE: database,
      WORK_DIR: join(scratch, 'container-work'),
      DUCKDB_MEMORY_LIMIT: '512MB',
      DUCKDB_THREADS: '2',
      PROGRESS_INTERVAL_SECONDS: '10',
      // Everything AWS from the standard variables, all pointing at the local emulator.
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: testRegion,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(scratch, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-aws-credentials'),
    };
    await mkdir(environment.WORK_DIR ?? scratch, { recursive: true });

    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'containers/loader/entrypoint.ts'], {
        cwd: process.cwd(),
        env: environment,
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err = (err + chunk.toString()).slice(-8_000);
      });
      child.once('error', reject);
      child.once('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
    });

    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as LoadSummary;
    expect(summary).toMatchObject({ runId, source: 'pricehubble', dt: day.dt });
    expect(summary.kept).toBeGreaterThan(0);
    expect((await s3Lake.catalog.getPartition('listings', day))?.location).toBe(
      runPrefix(s3Lake.zones, listingsTable, day, runId),
    );
  });
});
