import { describe, expect, it } from 'vitest';
import { environmentNames, loadEnvironmentConfig } from '../../lib/config/environments.ts';
import { type LakeZones, zonesUnder } from '../../src/domain/lake/lakeLayout.ts';
import { planPipeline } from '../../src/domain/run/pipelinePlan.ts';
import { sources } from '../../src/domain/sources/registry.ts';
import { readUseCaseSql } from '../../src/runtime/useCaseSqlFiles.ts';

/** Step Functions' limit on a state's input and output. */
const stateSizeLimit = 256 * 1024;
/** The plan's share: the rest is for `$.summary`, a failure's error and cause, and the original input. */
const planBudget = stateSizeLimit / 2;

/** Bucket names as long as S3 allows (63 characters): the worst case for every URI in the plan. */
const longestBucket = (zone: string) => `s3://${`listings-prod-${zone}-`.padEnd(63, 'x')}/`;
const zones: LakeZones = {
  ...zonesUnder(longestBucket('curated')),
  raw: longestBucket('raw'),
  curated: longestBucket('curated'),
  results: longestBucket('results'),
  athenaResults: longestBucket('athena'),
};

describe('the largest run plan fits in the state machine', () => {
  it.each(environmentNames)('%s: every source and use case over the longest backfill', (environment) => {
    const config = loadEnvironmentConfig(environment);
    const from = '2024-01-01';
    const to = new Date(Date.parse(`${from}T00:00:00Z`) + (config.maxBackfillDays - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const plan = planPipeline(
      { from, to },
      {
        environment,
        executionStartTime: '2024-02-01T05:00:00Z',
        timeZone: config.schedule.timeZone,
        knownSources: sources.map((s) => s.name),
        maxDays: config.maxBackfillDays,
      },
      zones,
      readUseCaseSql,
    );
    expect(plan.dates).toHaveLength(config.maxBackfillDays);
    const size = Buffer.byteLength(JSON.stringify({ plan }), 'utf8');
    expect(size, `plan of ${config.maxBackfillDays} days is ${size} bytes`).toBeLessThan(planBudget);
  });
});
