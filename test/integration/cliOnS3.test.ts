/**
 * Issue 4, as a data engineer runs it: `etl run --lake s3://bucket/prefix --catalog glue` with
 * the standard AWS environment (AWS_ENDPOINT_URL pointing at moto_server) publishes exactly
 * the rows a local-lake run of the same input publishes. The whole synthesized state machine
 * runs: ParseArgs, the loader container on S3 + Glue, the use case on Athena, Summarize.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createS3Client } from '../../src/adapters/aws/awsClients.ts';
import { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import type { RunSummary } from '../../src/cli/runSummary.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { etl } from '../support/cli.ts';
import { sampleFiles } from '../support/sampleOracle.ts';
import {
  awsTestOptions,
  createBucket,
  describeWithMoto,
  requireMoto,
  resetMoto,
  testRegion,
} from './moto.ts';

const bucket = 'listings-cli';
const lakeUri = `s3://${bucket}/lake`;

describeWithMoto('etl run on S3 + Glue (moto_server)', () => {
  let scratch: string;
  let awsEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'cli-on-s3-'));
    awsEnv = {
      AWS_ENDPOINT_URL: requireMoto(),
      AWS_REGION: testRegion,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetMoto();
    const s3 = createS3Client(awsTestOptions());
    await createBucket(s3, bucket);
    s3.destroy();
  });

  /** The listings rows a lake publishes, read from the Parquet its catalog points at. */
  async function publishedListings(lake: LakeConnection): Promise<Record<string, unknown>[]> {
    const partition = await lake.catalog.getPartition('listings', {
      source: 'pricehubble',
      dt: '2024-01-15',
    });
    if (!partition) throw new Error('no listings partition');
    const target = await mkdtemp(join(scratch, 'rows-'));
    const files: string[] = [];
    for (const [i, object] of (await lake.blobs.list(partition.location)).entries()) {
      files.push(join(target, `${i}.parquet`));
      await pipeline(await lake.blobs.read(object.uri), createWriteStream(files[i] as string));
    }
    const session = await DuckdbSession.open();
    try {
      return await session.all(
        // the raw object by its name: one lake is on S3, the other on disk
        `SELECT * EXCLUDE (run_id) REPLACE (regexp_replace(source_object, '.*/', '') AS source_object) ` +
          `FROM read_parquet([${files.map(sqlString).join(', ')}]) ORDER BY id`,
      );
    } finally {
      session.close();
    }
  }

  it('publishes exactly the rows a local-lake run publishes', async () => {
    const file = sampleFiles[1] as string;
    const onS3 = await etl(
      ['run', '--input', file, '--date', '2024-01-15', '--lake', lakeUri, '--catalog', 'glue', '--json'],
      awsEnv,
    );
    expect(onS3.code, onS3.stderr).toBe(0);
    const s3Summary = JSON.parse(onS3.stdout) as RunSummary;
    expect(s3Summary.status).toBe('SUCCEEDED');
    expect(s3Summary.states.slice(0, 8)).toEqual([
      'ParseArgs',
      'LoadPartitions',
      'LoadSourcesOfDay',
      'PlanShards',
      'ChooseLoad',
      'Load',
      'ReviewLoads',
      'RunUseCases',
    ]);
    expect(s3Summary.states.slice(-4)).toEqual(['Summarize', 'HasNextPart', 'CheckOutcome', 'Succeeded']);
    const localLakeDir = join(scratch, 'local-lake');
    const local = await etl([
      'run',
      '--input',
      file,
      '--date',
      '2024-01-15',
      '--lake',
      localLakeDir,
      '--json',
    ]);
    const localSummary = JSON.parse(local.stdout) as RunSummary;
    expect(s3Summary.totals).toEqual(localSummary.totals);

    const s3Lake = connectLake(lakeUri, 'glue', undefined, awsTestOptions());
    const rows = await publishedListings(s3Lake);
    expect(rows.length).toBe(localSummary.totals.kept);
    expect(rows).toEqual(await publishedListings(connectLake(localLakeDir)));
    // The success notification went to the outbox in the lake (no topic outside AWS)
    const outbox = await s3Lake.blobs.list(`${lakeUri}/outbox/`);
    expect(outbox).toHaveLength(1);
    expect(JSON.parse((await s3Lake.blobs.getText(outbox[0]?.uri as string)) ?? '{}').attributes.status).toBe(
      'SUCCEEDED',
    );
  });
});
