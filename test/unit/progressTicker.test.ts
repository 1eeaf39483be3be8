import { describe, expect, it } from 'vitest';
import { JsonLogger } from '../../src/adapters/jsonLogger.ts';
import { type ProgressSample, ProgressTicker } from '../../src/jobs/progressTicker.ts';

describe('progress lines of a long job', () => {
  it('gives rates over the stage so far, counted from the tick before the stage began', () => {
    const lines: Record<string, unknown>[] = [];
    const clock = { now: 0 };
    let sample: ProgressSample = { stage: 'staging', records: 400_000, bytes: 60_000_000 };
    const ticker = new ProgressTicker(
      new JsonLogger({ runId: 'r1' }, (line) => lines.push(JSON.parse(line))),
      1_000,
      () => sample,
      () => clock.now,
    );
    clock.now = 2_000; // the job began at 0: two seconds of staging
    ticker.tick();
    sample = { stage: 'checking', records: 1_000_000, percent: 12.4 };
    clock.now = 4_000; // checking began somewhere after the tick at 2 s
    ticker.tick();
    clock.now = 6_000;
    ticker.tick();
    expect(lines.map(({ time: _time, ...rest }) => rest)).toEqual([
      {
        level: 'info',
        message: 'progress',
        runId: 'r1',
        stage: 'staging',
        records: 400_000,
        recordsPerSecond: 200_000,
        bytes: 60_000_000,
        mbPerSecond: 30,
        elapsedMs: 2_000,
      },
      {
        level: 'info',
        message: 'progress',
        runId: 'r1',
        stage: 'checking',
        records: 1_000_000,
        recordsPerSecond: 500_000,
        percent: 12,
        elapsedMs: 4_000,
      },
      {
        level: 'info',
        message: 'progress',
        runId: 'r1',
        stage: 'checking',
        records: 1_000_000,
        recordsPerSecond: 250_000,
        percent: 12,
        elapsedMs: 6_000,
      },
    ]);
  });
});
