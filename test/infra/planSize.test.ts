import { describe, expect, it } from 'vitest';
import { planRun, type RunPlan } from '../../src/domain/run/runArguments.ts';
import { newRunId } from '../../src/domain/run/runId.ts';
import { sources } from '../../src/domain/sources/registry.ts';
import { useCases } from '../../src/domain/useCases/registry.ts';

/** Step Functions' limit on a state's input and output. */
const stateSizeLimit = 256 * 1024;
/** The plan's share: the rest is for `$.summary`, a failure's error and cause, and the original input. */
const planBudget = stateSizeLimit / 2;

const days = (from: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) =>
    new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
  );

/** Names as long as the registries allow (sources 41 characters, use cases 61). */
const longName = (prefix: string, i: number, length: number): string => `${prefix}${i}_`.padEnd(length, 'x');

describe('the run plan in the state machine', () => {
  it('carries names and dates only: today, a planned run holds no SQL and no per-partition records', () => {
    const plan = planRun(
      { from: '2024-01-01', to: '2024-01-31' },
      {
        environment: 'prod',
        executionStartTime: '2024-02-01T05:00:00Z',
        executionId: 'arn:aws:states:eu-central-2:123456789012:execution:listings-prod:x',
        timeZone: 'Europe/Zurich',
        knownSources: sources.map((s) => s.name),
        knownUseCases: useCases.map((u) => u.name),
      },
    );
    expect(Object.keys(plan).sort()).toEqual([
      'dates',
      'environment',
      'next',
      'quality',
      'rerunInput',
      'runId',
      'sources',
      'useCases',
    ]);
    expect(JSON.stringify(plan)).not.toMatch(/SELECT |UNLOAD \(|s3:\/\//);
  });

  it('a year of ten sources and ten times today’s use cases fits in half a state', () => {
    const planned = {
      sources: Array.from({ length: 10 }, (_, i) => longName('source', i, 41)),
      useCases: Array.from({ length: useCases.length * 10 }, (_, i) => longName('use_case', i, 61)),
    };
    const plan: RunPlan = {
      runId: newRunId(),
      environment: 'preprod',
      dates: days('2024-01-01', 366),
      ...planned,
      quality: { maxRejectedShare: 0.5, reason: 'x'.repeat(500) },
      next: null,
      rerunInput: {
        from: '2024-01-01',
        to: '2024-12-31',
        ...planned,
        quality: { maxRejectedShare: 0.5, reason: 'x'.repeat(500) },
      },
    };
    const size = Buffer.byteLength(JSON.stringify({ plan }), 'utf8');
    expect(size, `the plan is ${size} bytes`).toBeLessThan(planBudget);
  });
});
