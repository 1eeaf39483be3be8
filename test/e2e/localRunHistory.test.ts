/**
 * A local lake's run history and re-drive, as a person uses them: `etl runs --lake` lists the
 * runs from their reports; `etl redrive <execution> --lake` re-runs only the day that failed
 * (here: not landed yet), once it is landed, under the same run id.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import type { RunHistoryEntry } from '../../src/cli/runHistory.ts';
import type { RunSummary } from '../../src/cli/runSummary.ts';
import { landRawFiles } from '../../src/landing/landRawFiles.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { etlInProcess } from '../support/etlInProcess.ts';
import { sampleFiles } from '../support/sampleOracle.ts';

describe('etl runs --lake and etl redrive --lake', () => {
  let work: string;
  let lake: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'run-history-'));
    lake = join(work, 'lake');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('lists two runs, newest first, and re-drives only the day that failed once it is landed', async () => {
    const file = sampleFiles[0] as string;
    const first = await etlInProcess(
      'run',
      '--input',
      file,
      '--date',
      '2024-01-14',
      '--no-use-cases',
      '--lake',
      lake,
      '--json',
    );
    expect(first.code, first.stderr).toBe(0);
    // 2024-01-15 has no raw data yet: that day fails, 2024-01-14 loads again.
    const second = await etlInProcess(
      'run',
      '--from',
      '2024-01-14',
      '--to',
      '2024-01-15',
      '--no-use-cases',
      '--lake',
      lake,
      '--json',
    );
    expect(second.code).toBe(1);
    const failed = JSON.parse(second.stdout) as RunSummary;
    expect(failed.outcomes.partitions.map((p) => [p.dt, p.outcome])).toEqual([
      ['2024-01-14', 'loaded'],
      ['2024-01-15', 'failed'],
    ]);
    expect(failed.redriveCommand).toContain(`redrive ${failed.executionId}`);

    const runs = await etlInProcess('runs', '--lake', lake, '--json');
    expect(runs.code, runs.stderr).toBe(0);
    const listed = JSON.parse(runs.stdout) as RunHistoryEntry[];
    expect(listed.map((r) => [r.executionArn, r.status, r.days, r.failed])).toEqual([
      [failed.executionId, 'FAILED', '2024-01-14..2024-01-15', 1],
      [(JSON.parse(first.stdout) as RunSummary).executionId, 'SUCCEEDED', '2024-01-14', 0],
    ]);
    const table = await etlInProcess('runs', '--lake', lake);
    expect(table.stdout).toContain('FAILED');
    expect(table.stdout.split('\n').filter((l) => l.includes('2024-01-14'))).toHaveLength(2);

    // The missing day arrives: landed, nothing run yet.
    const connection = connectLake(lake);
    await landRawFiles(
      [file],
      { source: 'pricehubble', dt: '2024-01-15' },
      { blobs: connection.blobs, zones: connection.zones, log: silentLogger },
    );

    const redriven = await etlInProcess('redrive', failed.executionId, '--lake', lake, '--json');
    expect(redriven.code, redriven.stderr).toBe(0);
    const summary = JSON.parse(redriven.stdout) as RunSummary;
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.runId).toBe(failed.runId);
    expect(summary.outcomes.partitions.map((p) => [p.dt, p.outcome])).toEqual([['2024-01-15', 'loaded']]);
    expect(summary.partitions.map((p) => p.dt)).toEqual(['2024-01-15']);

    // The re-drive is in the history too, and a run where nothing failed has nothing to re-drive.
    const after = JSON.parse(
      (await etlInProcess('runs', '--lake', lake, '--json')).stdout,
    ) as RunHistoryEntry[];
    expect(after[0]).toMatchObject({
      executionArn: summary.executionId,
      redriveOf: failed.executionId,
      failed: 0,
    });
    const nothing = await etlInProcess('redrive', summary.executionId, '--lake', lake);
    expect(nothing.code).toBe(0);
    expect(nothing.stderr).toMatch(/nothing to re-drive/);
  });
});
