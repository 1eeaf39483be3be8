import { describe, expect, it } from 'vitest';
import { JsonLogger } from '../../src/adapters/jsonLogger.ts';
import { newStagingStats } from '../../src/domain/ingest/stagingStats.ts';
import { LoadProgress, PhaseClock, stageAfter } from '../../src/jobs/loader/loadProgress.ts';

function stats(records: number, bytes: number) {
  const s = newStagingStats();
  s.records = records;
  s.bytes.read = bytes;
  return s;
}

describe('a load’s progress, as its progress lines show it', () => {
  it('while staging: the objects staged so far plus the one streaming now', () => {
    const progress = new LoadProgress();
    expect(progress.sample()).toEqual({ stage: 'staging', records: 0, bytes: 0 });
    progress.staged(stats(100, 5_000));
    progress.staged(stats(20, 700));
    progress.staging = stats(3, 90);
    expect(progress.sample()).toEqual({ stage: 'staging', records: 123, bytes: 5_790 });
  });

  it('after staging: every staged record, and how far the engine is when it can tell', () => {
    const progress = new LoadProgress();
    progress.staged(stats(100, 5_000));
    progress.staged(stats(20, 700));
    progress.stage = 'checking';
    expect(progress.sample()).toEqual({ stage: 'checking', records: 120 });
    let percent: number | null = null;
    progress.checker = { progressPercent: () => percent };
    expect(progress.sample()).toEqual({ stage: 'checking', records: 120 });
    percent = 42;
    expect(progress.sample()).toEqual({ stage: 'checking', records: 120, percent: 42 });
  });

  it('names the stage that follows each of the engine’s phases, in the load’s order', () => {
    const phases = ['check', 'dedupe', 'writeListings', 'writeRejected'];
    expect(phases.map((phase) => stageAfter(phase, 'checking'))).toEqual([
      'de-duplicating',
      'writing listings',
      'writing rejects',
      'summarizing',
    ]);
    expect(stageAfter('something else', 'publishing')).toBe('publishing');
  });
});

describe('the phase clock', () => {
  it('records each phase’s milliseconds and logs them with the process’s peak memory in bytes', async () => {
    const lines: Record<string, unknown>[] = [];
    const clock = new PhaseClock(new JsonLogger({}, (line) => lines.push(JSON.parse(line)), 'debug'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    clock.done('stage');
    clock.done('check');
    expect(clock.phasesMs.stage).toBeGreaterThanOrEqual(25);
    expect(clock.phasesMs.stage).toBeLessThan(10_000);
    expect(clock.phasesMs.check).toBeGreaterThanOrEqual(0);
    expect(clock.phasesMs.check).toBeLessThan(10_000);
    expect(lines.map((l) => [l.message, l.phase, l.ms])).toEqual([
      ['phase done', 'stage', clock.phasesMs.stage],
      ['phase done', 'check', clock.phasesMs.check],
    ]);
    // a Node process holds tens of megabytes at least: bytes, not kilobytes
    expect(lines[0]?.peakRssBytes).toBeGreaterThan(20 * 1024 * 1024);
  });
});
