/**
 * The run ledger end to end on a local lake: real runs through the local state machine, a day
 * that fails (not landed yet) and its re-drive, then `etl query` over `pipeline_runs` answers
 * one row per execution and partition, with the counts the run's report and the published
 * tables give independently.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import type { RunSummary } from '../../src/cli/runSummary.ts';
import { runReportUri } from '../../src/domain/lake/lakeLayout.ts';
import type { RunOutcome } from '../../src/domain/run/runOutcome.ts';
import { landRawFiles } from '../../src/landing/landRawFiles.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { etlInProcess } from '../support/etlInProcess.ts';
import { sampleFiles } from '../support/sampleOracle.ts';

type Row = Record<string, unknown>;

describe('pipeline_runs: the run ledger of a local lake', () => {
  let work: string;
  let lake: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pipeline-runs-'));
    lake = join(work, 'lake');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const query = async (sql: string): Promise<Row[]> => {
    const result = await etlInProcess('query', '--lake', lake, '--format', 'json', sql);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Row[];
  };

  /** The execution's JSON report, where Summarize filed it beside the manifests. */
  const reportOf = async (summary: RunSummary): Promise<RunOutcome> => {
    const connection = connectLake(lake);
    const executionName = summary.executionId.split(':').at(-1) as string;
    const text = await connection.blobs.getText(
      runReportUri(connection.zones, summary.runId as string, executionName),
    );
    return JSON.parse(text as string) as RunOutcome;
  };

  it('one row per execution and day, the failed day and its re-drive included, with the report’s counts', async () => {
    const file = sampleFiles[0] as string;
    // 2024-03-02 is not landed: that day fails, 2024-03-01 loads.
    const first = await etlInProcess(
      'run',
      '--input',
      file,
      '--date',
      '2024-03-01',
      '--no-use-cases',
      '--lake',
      lake,
      '--json',
    );
    expect(first.code, first.stderr).toBe(0);
    const failedRun = await etlInProcess(
      'run',
      '--from',
      '2024-03-01',
      '--to',
      '2024-03-02',
      '--no-use-cases',
      '--lake',
      lake,
      '--json',
    );
    expect(failedRun.code).toBe(1);
    const failed = JSON.parse(failedRun.stdout) as RunSummary;
    const loadedFirst = JSON.parse(first.stdout) as RunSummary;

    const connection = connectLake(lake);
    await landRawFiles(
      [file],
      { source: 'pricehubble', dt: '2024-03-02' },
      { blobs: connection.blobs, zones: connection.zones, log: silentLogger },
    );
    const redriven = await etlInProcess('redrive', failed.executionId, '--lake', lake, '--json');
    expect(redriven.code, redriven.stderr).toBe(0);
    const redrive = JSON.parse(redriven.stdout) as RunSummary;

    const rows = await query(
      `SELECT dt, execution_id, run_id, status, run_status, records_read, records_kept, records_rejected,
              rejected_by_reason, error_name, redrive_of, quality_limit, contract_limit
       FROM pipeline_runs WHERE source = 'pricehubble' AND dt BETWEEN '2024-03-01' AND '2024-03-31'
       ORDER BY finished_at, dt`,
    );
    // Expected from each execution's JSON report in the lake, partition by partition.
    const expected: Row[] = [];
    for (const summary of [loadedFirst, failed, redrive]) {
      const report = await reportOf(summary);
      for (const p of report.partitions) {
        expected.push({
          dt: p.dt,
          execution_id: report.executionId,
          run_id: report.runId,
          status: p.outcome,
          run_status: report.status,
          records_read: p.read ?? null,
          records_kept: p.kept ?? null,
          records_rejected: p.rejected ?? null,
          rejected_by_reason: p.rejectedByReason ?? null,
          error_name: p.error ?? null,
          redrive_of: report.input.redriveOf ?? null,
          quality_limit: 0.5,
          contract_limit: 0.5,
        });
      }
    }
    expect(rows).toEqual(expected);
    expect(rows.map((r) => [r.dt, r.status, r.error_name])).toEqual([
      ['2024-03-01', 'loaded', null],
      ['2024-03-01', 'loaded', null],
      ['2024-03-02', 'failed', 'NoRawDataError'],
      ['2024-03-02', 'loaded', null],
    ]);
    expect(rows[3]).toMatchObject({ run_id: failed.runId, redrive_of: failed.executionId });

    // The published tables agree with the latest row of each day, counted on their own.
    const published = await query(`
      SELECT l.dt, l.kept, r.rejected, b.by_reason
      FROM (SELECT dt, count(*) AS kept FROM listings GROUP BY dt) l
      JOIN (SELECT dt, count(*) AS rejected FROM listings_rejected GROUP BY dt) r ON l.dt = r.dt
      JOIN (SELECT dt, count(*) AS by_reason FROM listings_rejected CROSS JOIN UNNEST(reasons) AS u(reason) GROUP BY dt) b
        ON b.dt = l.dt
      ORDER BY l.dt`);
    const latest = await query(`
      SELECT dt, max_by(records_kept, finished_at) AS kept, max_by(records_rejected, finished_at) AS rejected,
             max_by(rejected_by_reason, finished_at) AS by_reason
      FROM pipeline_runs WHERE status = 'loaded' GROUP BY dt ORDER BY dt`);
    expect(latest.map((r) => [r.dt, r.kept, r.rejected])).toEqual(
      published.map((r) => [r.dt, r.kept, r.rejected]),
    );
    expect(
      latest.map((r) => Object.values(r.by_reason as Record<string, number>).reduce((a, b) => a + b, 0)),
    ).toEqual(published.map((r) => r.by_reason));

    // The README's question: was every day of March conserved and published?
    const readme = await readFile(join(import.meta.dirname, '../../README.md'), 'utf8');
    const marchSql = /# Was every day of March.*\nnpx etl query "([^"]+)"/.exec(readme)?.[1];
    expect(marchSql, 'the README shows the query').toBeDefined();
    expect(await query(marchSql as string)).toEqual([
      { source: 'pricehubble', dt: '2024-03-01', status: 'loaded', conserved: true },
      { source: 'pricehubble', dt: '2024-03-02', status: 'loaded', conserved: true },
    ]);
  });
});
