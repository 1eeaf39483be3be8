/**
 * Summarize files the run ledger (`pipeline_runs`) of a local lake: what the run's JSON report
 * says, one row per partition, readable with DuckDB through the catalog's views; a second
 * Summarize of the same execution (a retry) replaces its rows, a re-drive adds its own.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/localQueryEngine.ts';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { FileBlobStore } from '../../src/adapters/local/fileBlobStore.ts';
import { LocalCatalog } from '../../src/adapters/local/localCatalog.ts';
import {
  failureReportUri,
  manifestUri,
  runLedgerPartitionUri,
  type SourceDay,
  zonesUnder,
} from '../../src/domain/lake/lakeLayout.ts';
import type { RunLedgerColumns } from '../../src/domain/run/runLedger.ts';
import type { RunOutcome } from '../../src/domain/run/runOutcome.ts';
import { pipelineRunsTable } from '../../src/domain/tables/tableSchema.ts';
import { type SummarizePorts, summarizeTask } from '../../src/lambdaTasks/summarize.ts';
import { readChartLibrary } from '../../src/report/chartLibrary.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { localQueryEngine } from '../../src/runtime/localRuntime.ts';

const runId = '20240301T050000Z-0a1b2c';
const source = 'pricehubble';
const executionArn = (name: string) => `arn:aws:states:local:000000000000:execution:listings-local:${name}`;

describe('Summarize files the run ledger, pipeline_runs', () => {
  let root: string;
  let ports: SummarizePorts;
  let catalog: LocalCatalog;
  const blobs = new FileBlobStore();

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'run-ledger-'));
    catalog = new LocalCatalog(root, 'test');
    ports = {
      environment: 'local',
      region: 'local',
      zones: zonesUnder(root),
      blobs,
      catalog,
      notifier: { publish: async () => 'message' },
      metrics: { publishRunFigures: () => undefined },
      redriveCommand: (id) => `etl redrive ${id}`,
      queryEngine: localQueryEngine({ ...connectLake(root), catalog }),
      chartLibrary: readChartLibrary,
      log: silentLogger,
    };
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const loaded = async (
    day: SourceDay,
    counts: { read: number; kept: number; byReason: Record<string, number> },
  ) => {
    const rejected = counts.read - counts.kept;
    await blobs.putText(
      manifestUri(ports.zones, day, runId),
      JSON.stringify({
        ...day,
        read: counts.read,
        kept: counts.kept,
        rejected,
        rejectedForRules: rejected,
        rejectedByReason: counts.byReason,
        durationMs: 1234.6,
        quality: {
          status: 'passed',
          limit: 0.6,
          source: 'run',
          reason: 'known bad export',
          contractLimit: 0.5,
          warnAt: null,
          rejectedShare: rejected / counts.read,
          shareByReason: {},
        },
      }),
    );
  };

  const failed = async (day: SourceDay, executionName: string) => {
    await blobs.putText(
      failureReportUri(ports.zones, day, runId),
      JSON.stringify({
        runId,
        item: day,
        task: {
          error: 'NoRawDataError',
          category: 'input',
          message: 'No raw files for the day.\nLand them.',
        },
        executionId: executionArn(executionName),
        stop: null,
        at: '2024-03-01T05:01:00Z',
      }),
    );
  };

  const summarize = (executionName: string, dates: string[], extra: Record<string, unknown> = {}) =>
    summarizeTask(
      {
        plan: {
          runId,
          dates,
          sources: [source],
          useCases: [],
          quality: { maxRejectedShare: 0.6, reason: 'known bad export' },
          rerunInput: { dates, useCases: [], runId, ...extra },
        },
        useCaseDates: [],
        executionId: executionArn(executionName),
        executionName,
        executionStartTime: '2024-03-01T05:00:00.000Z',
      },
      ports,
    );

  const ledger = async (where = 'true') => {
    const engine = await LocalQueryEngine.open(catalog, root);
    try {
      const columns = pipelineRunsTable.columns.map((c) => c.name).join(', ');
      return (
        await engine.query(
          `SELECT source, dt, ${columns}, CAST(started_at AS VARCHAR) AS started FROM pipeline_runs WHERE ${where} ORDER BY dt, execution_name`,
        )
      ).rows as unknown as readonly (RunLedgerColumns & { source: string; dt: string; started: string })[];
    } finally {
      engine.close();
    }
  };

  it('one row per planned partition, as the run’s report says; a retry of the same execution replaces its rows', async () => {
    await loaded(
      { source, dt: '2024-03-01' },
      { read: 10, kept: 7, byReason: { duplicate_id: 2, missing_field: 1 } },
    );
    await failed({ source, dt: '2024-03-02' }, 'first');
    const summary = await summarize('first', ['2024-03-01', '2024-03-02']);
    const report = JSON.parse((await blobs.getText(summary.report)) as string) as RunOutcome;

    const rows = await ledger();
    // Computed from the report, not from the code under test.
    expect(rows.map((r) => [r.dt, r.status, r.records_read, r.records_kept, r.records_rejected])).toEqual(
      report.partitions.map((p) => [p.dt, p.outcome, p.read ?? null, p.kept ?? null, p.rejected ?? null]),
    );
    const [day1, day2] = rows;
    expect(day1).toMatchObject({
      run_id: runId,
      execution_id: executionArn('first'),
      execution_name: 'first',
      environment: 'local',
      run_status: 'FAILED',
      rejected_by_reason: { duplicate_id: 2, missing_field: 1 },
      quality_status: 'passed',
      quality_limit: 0.6,
      contract_limit: 0.5,
      quality_override_share: 0.6,
      quality_override_reason: 'known bad export',
      load_duration_ms: 1235,
      error_name: null,
      started: '2024-03-01 05:00:00',
    });
    expect(day2).toMatchObject({
      status: 'failed',
      error_name: 'NoRawDataError',
      error_message: 'No raw files for the day.',
      records_read: null,
      rejected_by_reason: null,
      quality_limit: 0.6,
      contract_limit: 0.5,
    });
    expect(Number(day1?.run_duration_ms)).toBeGreaterThan(0);

    // The same execution summarized again (a retry of the step): one set of rows still.
    await summarize('first', ['2024-03-01', '2024-03-02']);
    expect((await ledger()).map((r) => [r.dt, r.execution_name])).toEqual([
      ['2024-03-01', 'first'],
      ['2024-03-02', 'first'],
    ]);
    expect(await readdir(runLedgerPartitionUri(ports.zones, { source, dt: '2024-03-01' }))).toEqual([
      `${runId}.first.json`,
    ]);
  });

  it('a re-drive adds its own rows beside the first execution’s; the latest row of each day answers', async () => {
    await loaded({ source, dt: '2024-03-01' }, { read: 4, kept: 4, byReason: {} });
    await failed({ source, dt: '2024-03-02' }, 'first');
    await summarize('first', ['2024-03-01', '2024-03-02']);
    await loaded({ source, dt: '2024-03-02' }, { read: 5, kept: 3, byReason: { unparseable_price: 2 } });
    await summarize('redrive', ['2024-03-02'], { redriveOf: executionArn('first') });

    expect((await ledger()).map((r) => [r.dt, r.execution_name, r.status, r.redrive_of])).toEqual([
      ['2024-03-01', 'first', 'loaded', null],
      ['2024-03-02', 'first', 'failed', null],
      ['2024-03-02', 'redrive', 'loaded', executionArn('first')],
    ]);
    const engine = await LocalQueryEngine.open(catalog, root);
    try {
      // The README's question, in SQL both Athena and DuckDB run.
      const latest = await engine.query(`
        SELECT dt, max_by(status, finished_at) AS status,
               max_by(records_read = records_kept + records_rejected, finished_at) AS conserved,
               max_by(element_at(rejected_by_reason, 'unparseable_price'), finished_at) AS unparseable
        FROM pipeline_runs
        WHERE source = 'pricehubble' AND dt BETWEEN '2024-03-01' AND '2024-03-31'
        GROUP BY dt ORDER BY dt`);
      expect(latest.rows).toEqual([
        { dt: '2024-03-01', status: 'loaded', conserved: true, unparseable: null },
        { dt: '2024-03-02', status: 'loaded', conserved: true, unparseable: 2 },
      ]);
    } finally {
      engine.close();
    }
  });
});
