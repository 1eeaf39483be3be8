/**
 * Summarize's run ledger in an S3 lake with its tables in Glue (moto_server): the table Glue
 * holds is the one the schema defines (JSON SerDe, columns, partition keys), each day's
 * partition points at its folder, each execution has one JSON Lines object per day, and a
 * second Summarize of the same execution leaves one set of rows.
 */
import { GetQueryExecutionCommand, ListQueryExecutionsCommand } from '@aws-sdk/client-athena';
import { GetPartitionsCommand, GetTableCommand, type GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AthenaQueryEngine } from '../../src/adapters/aws/athenaQueryEngine.ts';
import { createAthenaClient, createGlueClient, createS3Client } from '../../src/adapters/aws/awsClients.ts';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import {
  failureReportUri,
  manifestUri,
  runLedgerPartitionUri,
  runLedgerTableUri,
  runReportPageUri,
} from '../../src/domain/lake/lakeLayout.ts';
import type { Notification } from '../../src/domain/notifications/notification.ts';
import { glueTableInput } from '../../src/domain/tables/glueTableInput.ts';
import { pipelineRunsTable } from '../../src/domain/tables/tableSchema.ts';
import { type SummarizePorts, summarizeTask } from '../../src/lambdaTasks/summarize.ts';
import { readChartLibrary } from '../../src/report/chartLibrary.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { awsTestOptions, createBucket, describeWithMoto, resetMoto } from './moto.ts';

const bucket = 'ledger-lake';
const database = 'listings_test';
const runId = '20240301T050000Z-0a1b2c';
const source = 'pricehubble';
const executionName = 'scheduled-2024-03-02';
const executionId = `arn:aws:states:us-east-1:123456789012:execution:listings-dev:${executionName}`;

describeWithMoto('the run ledger on S3 + Glue (moto_server)', () => {
  let s3: S3Client;
  let glue: GlueClient;
  let lake: LakeConnection;
  let ports: SummarizePorts;

  beforeEach(async () => {
    await resetMoto();
    s3 = createS3Client(awsTestOptions());
    glue = createGlueClient(awsTestOptions());
    await createBucket(s3, bucket);
    lake = connectLake(`s3://${bucket}/env`, 'glue', database, awsTestOptions());
    ports = {
      environment: 'dev',
      region: 'us-east-1',
      zones: lake.zones,
      blobs: lake.blobs,
      catalog: lake.catalog,
      notifier: { publish: async () => 'message' },
      metrics: { publishRunFigures: () => undefined },
      redriveCommand: (id) => `npx etl redrive ${id}`,
      queryEngine: new AthenaQueryEngine(createAthenaClient(awsTestOptions()), {
        workgroup: 'primary',
        database,
        outputLocation: lake.zones.athenaResults,
      }),
      chartLibrary: readChartLibrary,
      log: silentLogger,
    };
  });
  afterEach(() => {
    s3.destroy();
    glue.destroy();
  });

  const summarize = () =>
    summarizeTask(
      {
        plan: {
          runId,
          dates: ['2024-03-01', '2024-03-02'],
          sources: [source],
          useCases: [],
          rerunInput: { from: '2024-03-01', to: '2024-03-02', useCases: [], runId },
        },
        useCaseDates: [],
        executionId,
        executionName,
        executionStartTime: '2024-03-02T05:00:00.000Z',
      },
      ports,
    );

  it("files the run's HTML report in the results zone, its SQL run by Athena in the workgroup, and links it in the message", async () => {
    await lake.blobs.putText(
      manifestUri(lake.zones, { source, dt: '2024-03-01' }, runId),
      JSON.stringify({
        source,
        dt: '2024-03-01',
        read: 10,
        kept: 8,
        rejected: 2,
        rejectedByReason: {},
        durationMs: 900,
      }),
    );
    const sent: Notification[] = [];
    await summarizeTask(
      {
        plan: {
          runId,
          dates: ['2024-03-01'],
          sources: [source],
          useCases: [],
          rerunInput: { date: '2024-03-01', useCases: [], runId },
        },
        useCaseDates: [],
        executionId,
        executionName,
        executionStartTime: '2024-03-01T05:00:00.000Z',
      },
      {
        ...ports,
        notifier: {
          publish: async (n) => {
            sent.push(n);
            return 'm-1';
          },
        },
      },
    );
    const page = runReportPageUri(lake.zones, runId, executionName);
    expect(page).toBe(`s3://${bucket}/env/results/run_reports/run=${runId}/${executionName}.html`);
    const html = (await lake.blobs.getText(page)) ?? '';
    expect(html).toContain('<title>Listings pipeline: run report for 2024-03-01</title>');
    expect(html).toContain('Chart.defaults.animation = false');
    expect(sent[0]?.message).toContain(`Report with charts: ${page}`);
    // moto accepts the queries and answers no rows: the page still renders, saying what is missing
    const athena = createAthenaClient(awsTestOptions());
    try {
      const { QueryExecutionIds = [] } = await athena.send(
        new ListQueryExecutionsCommand({ WorkGroup: 'primary' }),
      );
      const queries = await Promise.all(
        QueryExecutionIds.map(
          async (id) =>
            (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution?.Query,
        ),
      );
      expect(queries.some((q) => q?.includes('FROM pipeline_runs'))).toBe(true);
    } finally {
      athena.destroy();
    }
  });

  it('files one object per day under the partition Glue points at, in the table the schema defines; a retry replaces it', async () => {
    await lake.blobs.putText(
      manifestUri(lake.zones, { source, dt: '2024-03-01' }, runId),
      JSON.stringify({
        source,
        dt: '2024-03-01',
        read: 10,
        kept: 8,
        rejected: 2,
        rejectedByReason: { duplicate_id: 2 },
        durationMs: 900,
      }),
    );
    await lake.blobs.putText(
      failureReportUri(lake.zones, { source, dt: '2024-03-02' }, runId),
      JSON.stringify({
        runId,
        item: { source, dt: '2024-03-02' },
        task: { error: 'NoRawDataError', category: 'input', message: 'Nothing landed.' },
        executionId,
        stop: null,
        at: '2024-03-02T05:01:00Z',
      }),
    );
    await summarize();
    await summarize();

    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: database, Name: 'pipeline_runs' }));
    const expected = glueTableInput(pipelineRunsTable, runLedgerTableUri(lake.zones));
    expect(Table?.StorageDescriptor?.Columns).toEqual(expected.StorageDescriptor.Columns);
    expect(Table?.PartitionKeys).toEqual(expected.PartitionKeys);
    expect(Table?.StorageDescriptor?.Location).toBe(`s3://${bucket}/env/curated/pipeline_runs/`);
    expect(Table?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe(
      'org.apache.hive.hcatalog.data.JsonSerDe',
    );
    expect(Table?.StorageDescriptor?.InputFormat).toBe(expected.StorageDescriptor.InputFormat);

    const { Partitions } = await glue.send(
      new GetPartitionsCommand({ DatabaseName: database, TableName: 'pipeline_runs' }),
    );
    expect(
      (Partitions ?? [])
        .map((p) => [p.Values, p.StorageDescriptor?.Location])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual(
      ['2024-03-01', '2024-03-02'].map((dt) => [
        [source, dt],
        runLedgerPartitionUri(lake.zones, { source, dt }),
      ]),
    );

    // Two Summarizes of one execution: still one object per day, one row each.
    const objects = await lake.blobs.list(runLedgerTableUri(lake.zones));
    expect(objects.map((o) => o.uri)).toEqual(
      ['2024-03-01', '2024-03-02'].map(
        (dt) => `${runLedgerPartitionUri(lake.zones, { source, dt })}${runId}.${executionName}.json`,
      ),
    );
    const rows = await Promise.all(
      objects.map(async (o) =>
        ((await lake.blobs.getText(o.uri)) ?? '')
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ),
    );
    expect(rows.map((lines) => lines.length)).toEqual([1, 1]);
    expect(rows.flat()).toEqual([
      expect.objectContaining({
        run_id: runId,
        execution_id: executionId,
        status: 'loaded',
        records_read: 10,
        records_kept: 8,
        records_rejected: 2,
        rejected_by_reason: { duplicate_id: 2 },
        quality_limit: 0.5,
        quality_override_share: null,
        started_at: '2024-03-02 05:00:00.000',
      }),
      expect.objectContaining({ status: 'failed', error_name: 'NoRawDataError', records_read: null }),
    ]);
    // Every column of the table, in its order; the partition keys are in the key, not the line.
    expect(Object.keys(rows[0]?.[0] ?? {})).toEqual(pipelineRunsTable.columns.map((c) => c.name));
  });
});
