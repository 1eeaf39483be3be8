import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { type RunOptions, runPipeline } from '../../src/cli/runCommand.ts';
import type { RunSummary } from '../../src/cli/runSummary.ts';
import { rawPrefix, runReportUri } from '../../src/domain/lake/lakeLayout.ts';
import { runOutcomeSchema } from '../../src/domain/run/runOutcome.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { etlInProcess } from '../support/etlInProcess.ts';
import { queryCatalog } from '../support/lakeQuery.ts';
import { sampleFiles } from '../support/sampleOracle.ts';

/**
 * Backfills as a person runs them: a range with a day missing publishes the others and runs
 * their use cases, reports the missing day, and a range longer than one execution holds runs
 * as parts that start one another.
 */

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'backfill-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function daysFrom(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

async function land(lakeDir: string, dt: string): Promise<void> {
  const dir = rawPrefix(connectLake(lakeDir).zones, { source: 'pricehubble', dt });
  await mkdir(dir, { recursive: true });
  await copyFile(sampleFiles[0] as string, join(dir, 'offers.jsonl'));
}

const options = (lake: string, extra: Partial<RunOptions>): RunOptions => ({
  inputs: [],
  sources: ['pricehubble'],
  // one use case: a day's use cases are the same steps whatever their number, and 40 days are slow enough
  useCases: ['market_stats_monthly'],
  lake,
  catalog: 'local',
  workDir: join(work, 'scratch'),
  duckdbMemoryLimit: '256MB',
  ...extra,
});

describe('backfills', () => {
  it('40 days with one missing: 39 publish and run their use cases, the missing day is reported; landed and re-driven, the range is complete', async () => {
    const lake = join(work, 'forty');
    const days = daysFrom('2024-01-01', 40);
    const missing = '2024-01-20';
    for (const dt of days.filter((d) => d !== missing)) await land(lake, dt);

    const summary = await runPipeline(options(lake, { from: days[0], to: days.at(-1) }), silentLogger);

    expect(summary.status).toBe('FAILED');
    expect(summary.error).toMatchObject({ name: 'PartitionsFailedError' });
    const byOutcome = (outcome: string) => summary.outcomes.partitions.filter((p) => p.outcome === outcome);
    expect(byOutcome('loaded').map((p) => p.dt)).toEqual(days.filter((d) => d !== missing));
    expect(byOutcome('failed')).toEqual([
      expect.objectContaining({ source: 'pricehubble', dt: missing, error: 'NoRawDataError' }),
    ]);
    const ran = summary.outcomes.useCases.filter((u) => u.outcome === 'ran');
    expect(ran).toHaveLength(39);
    expect(summary.outcomes.useCases.filter((u) => u.outcome === 'skipped').map((u) => u.dt)).toEqual([
      missing,
    ]);
    // published: every day but the missing one, in the tables and in the use cases
    const lakeConnection = connectLake(lake);
    const [listings] = await queryCatalog(
      lakeConnection,
      'SELECT count(DISTINCT dt) AS days, count(*) AS n FROM listings',
    );
    expect(listings).toEqual({ days: 39, n: 39 * 90 });
    expect(await lakeConnection.catalog.listPartitions('market_stats_monthly')).toHaveLength(39);
    // the message lists the missing day and how to re-run only it
    expect(summary.notification?.attributes).toMatchObject({ status: 'FAILED', error: 'NoRawDataError' });
    expect(summary.notification?.message).toContain(`pricehubble ${missing}: NoRawDataError`);
    expect(summary.notification?.message).toContain(`redrive ${summary.executionId}`);
    // the run report in the lake says what a re-drive runs: the missing day and its use cases, same run id
    const name = summary.executionId.split(':').at(-1) as string;
    const report = runOutcomeSchema.parse(
      JSON.parse(
        (await lakeConnection.blobs.getText(runReportUri(lakeConnection.zones, summary.runId ?? '', name))) ??
          '{}',
      ),
    );
    expect(report.redriveInput).toEqual({
      date: missing,
      sources: ['pricehubble'],
      useCases: ['market_stats_monthly'],
      runId: summary.runId,
    });

    // land the day, re-drive: only that day loads, under the same run id; the range is complete
    await land(lake, missing);
    const redriven = await etlInProcess('redrive', summary.executionId, '--lake', lake, '--json');
    expect(redriven.code, redriven.stderr).toBe(0);
    const redrive = JSON.parse(redriven.stdout) as RunSummary;
    expect(redrive).toMatchObject({ status: 'SUCCEEDED', runId: summary.runId });
    expect(redrive.outcomes.partitions.map((p) => `${p.dt} ${p.outcome}`)).toEqual([`${missing} loaded`]);
    expect(redrive.outcomes.useCases.map((u) => `${u.useCase} ${u.dt} ${u.outcome}`)).toEqual([
      `market_stats_monthly ${missing} ran`,
    ]);
    const [complete] = await queryCatalog(
      lakeConnection,
      'SELECT count(DISTINCT dt) AS days, count(*) AS n FROM listings',
    );
    expect(complete).toEqual({ days: 40, n: 40 * 90 });
    expect(await lakeConnection.catalog.listPartitions('market_stats_monthly')).toHaveLength(40);
  }, 600_000);

  it('a range longer than one execution holds runs as parts, each started by the one before, under one run id', async () => {
    const lake = join(work, 'parts');
    const days = daysFrom('2024-03-01', 5);
    for (const dt of days) await land(lake, dt);

    const summary = await runPipeline(
      options(lake, { from: days[0], to: days.at(-1), useCases: [], maxDaysPerExecution: 2 }),
      silentLogger,
    );

    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.executions).toHaveLength(3);
    expect(summary.states.filter((s) => s === 'StartNextPart')).toHaveLength(2);
    expect(summary.outcomes.partitions.map((p) => `${p.dt} ${p.outcome}`)).toEqual(
      days.map((dt) => `${dt} loaded`),
    );
    expect(summary.input).toMatchObject({ from: days[0], to: days.at(-1) });
    const lakeConnection = connectLake(lake);
    // one run id for every part: each part's report is filed under it
    for (const execution of summary.executions) {
      const name = execution.split(':').at(-1) as string;
      const text = await lakeConnection.blobs.getText(
        runReportUri(lakeConnection.zones, summary.runId ?? '', name),
      );
      expect(text, execution).toBeDefined();
    }
    const [listings] = await queryCatalog(lakeConnection, 'SELECT count(DISTINCT dt) AS days FROM listings');
    expect(listings).toEqual({ days: 5 });
  }, 300_000);
});
