import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { maxShardsPerDay } from '../../src/domain/ingest/shardLimit.ts';
import { DayTooLargeError, planShards, shardPlanSchema } from '../../src/domain/ingest/shardPlan.ts';
import { rawPrefix, shardPlanUri } from '../../src/domain/lake/lakeLayout.ts';
import { loadStepVariable, shardLoadStep } from '../../src/domain/taskEnvironments/containerEnvironments.ts';
import { NoRawDataError } from '../../src/jobs/loader/loaderErrors.ts';
import { planShardsTask } from '../../src/lambdaTasks/planShards.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';

const day = { source: 'pricehubble', dt: '2024-03-01', runId: '20240301T060000Z-abcdef' };
const objects = (...sizes: number[]) => sizes.map((size, i) => ({ uri: `s3://raw/part-${i}.jsonl`, size }));

describe('cutting a day into shards', () => {
  it('fills each shard with consecutive objects up to the bound; a larger object is a shard of its own', () => {
    expect(planShards(day, objects(40, 50, 30, 200, 10, 10), 100).shards).toEqual([[0, 1], [2], [3], [4, 5]]);
    // a bound every object fits under once: one shard, the day as one task loads it
    expect(planShards(day, objects(40, 50, 30), 1000).shards).toEqual([[0, 1, 2]]);
    // every object in exactly one shard, in the listing's order
    const plan = planShards(day, objects(7, 3, 9, 1, 5, 8, 2), 10);
    expect(plan.shards.flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const shard of plan.shards) {
      const bytes = shard.reduce((sum, i) => sum + (plan.objects[i]?.size ?? 0), 0);
      expect(shard.length === 1 || bytes <= 10).toBe(true);
    }
    expect(shardPlanSchema.parse(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });

  it(`refuses a day that needs more than ${maxShardsPerDay} shards, saying what to raise`, () => {
    const many = objects(...Array.from({ length: maxShardsPerDay + 1 }, () => 10));
    expect(planShards(day, many.slice(0, maxShardsPerDay), 10).shards).toHaveLength(maxShardsPerDay);
    expect(() => planShards(day, many, 10)).toThrow(DayTooLargeError);
    expect(() => planShards(day, many, 10)).toThrow(/Raise loader\.shardMaxMiB .*Nothing was published/);
  });

  it('names each shard task by a LOAD_STEP the loader reads back', () => {
    expect(loadStepVariable.parse(shardLoadStep(12))).toEqual({ kind: 'shard', shard: 12 });
    expect(loadStepVariable.parse('day')).toEqual({ kind: 'day' });
    expect(loadStepVariable.parse('merge')).toEqual({ kind: 'merge' });
    for (const bad of ['', 'shard-', 'shard-x', 'Day', 'shard-1-2', 'shard-123456']) {
      expect(loadStepVariable.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe('PlanShards', () => {
  const roots: string[] = [];
  afterEach(async () => {
    for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
  });

  async function lakeWith(sizes: number[]) {
    const root = await mkdtemp(join(tmpdir(), 'plan-shards-'));
    roots.push(root);
    const lake = connectLake(root);
    const dir = rawPrefix(lake.zones, day);
    await mkdir(dir, { recursive: true });
    for (const [i, size] of sizes.entries()) await writeFile(join(dir, `part-${i}.jsonl`), 'x'.repeat(size));
    return lake;
  }
  const ports = (lake: ReturnType<typeof connectLake>, shardMaxBytes: number) => ({
    zones: lake.zones,
    blobs: lake.blobs,
    shardMaxBytes,
    log: silentLogger,
  });

  it('writes the plan of a day of several shards and lists their load steps', async () => {
    const lake = await lakeWith([60, 60, 60]);
    expect(await planShardsTask(day, ports(lake, 100))).toEqual({
      shards: 3,
      loadSteps: ['shard-0', 'shard-1', 'shard-2'],
    });
    const plan = shardPlanSchema.parse(
      JSON.parse((await lake.blobs.getText(shardPlanUri(lake.zones, day, day.runId))) ?? ''),
    );
    expect(plan.shards).toEqual([[0], [1], [2]]);
    expect(plan.objects.map((o) => o.size)).toEqual([60, 60, 60]);
  });

  it('leaves a day of one shard to one task, with no plan to read', async () => {
    const lake = await lakeWith([60, 60]);
    expect(await planShardsTask(day, ports(lake, 1000))).toEqual({ shards: 1, loadSteps: [] });
    expect(await lake.blobs.getText(shardPlanUri(lake.zones, day, day.runId))).toBeUndefined();
  });

  it('fails a day without raw objects by name', async () => {
    const lake = await lakeWith([]);
    await expect(planShardsTask(day, ports(lake, 1000))).rejects.toThrow(NoRawDataError);
  });
});
