import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { maxMergePartsPerDay, maxShardsPerDay } from '../../src/domain/ingest/shardLimit.ts';
import {
  DayTooLargeError,
  planShards,
  type ShardPlan,
  shardPlanSchema,
} from '../../src/domain/ingest/shardPlan.ts';
import { rawPrefix, shardPlanUri } from '../../src/domain/lake/lakeLayout.ts';
import {
  loadStepVariable,
  mergeLoadStep,
  shardLoadStep,
} from '../../src/domain/taskEnvironments/containerEnvironments.ts';
import { NoRawDataError } from '../../src/jobs/loader/loaderErrors.ts';
import { planShardsTask } from '../../src/lambdaTasks/planShards.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';

const day = { source: 'pricehubble', dt: '2024-03-01', runId: '20240301T060000Z-abcdef' };
const objects = (...sizes: number[]) => sizes.map((size, i) => ({ uri: `s3://raw/part-${i}.jsonl`, size }));
/** Each shard's object indexes. */
const indexes = (plan: ShardPlan) => plan.shards.map((shard) => shard.map((p) => p.object));

describe('cutting a day into shards', () => {
  it('fills each shard with consecutive objects up to the bound; a larger object is a shard of its own', () => {
    expect(indexes(planShards(day, objects(40, 50, 30, 200, 10, 10), 100))).toEqual([
      [0, 1],
      [2],
      [3],
      [4, 5],
    ]);
    // a bound every object fits under once: one shard, the day as one task loads it
    expect(indexes(planShards(day, objects(40, 50, 30), 1000))).toEqual([[0, 1, 2]]);
    // every object in exactly one shard, whole, in the listing's order
    const plan = planShards(day, objects(7, 3, 9, 1, 5, 8, 2), 10);
    expect(indexes(plan).flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const shard of plan.shards) {
      for (const p of shard) expect([p.start, p.end]).toEqual([0, plan.objects[p.object]?.size]);
      const bytes = shard.reduce((sum, p) => sum + p.end - p.start, 0);
      expect(shard.length === 1 || bytes <= 10).toBe(true);
    }
    expect(shardPlanSchema.parse(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });

  it('cuts a splittable object larger than the bound into equal pieces, each in a shard of its own', () => {
    const refs = objects(10, 250, 10, 200);
    const plan = planShards(day, [refs[0], { ...refs[1], splittable: true }, refs[2], refs[3]] as never, 100);
    expect(plan.shards).toEqual([
      [
        { object: 0, start: 0, end: 10 },
        { object: 1, start: 0, end: 83 },
      ],
      [{ object: 1, start: 83, end: 166 }],
      [
        { object: 1, start: 166, end: 250 },
        { object: 2, start: 0, end: 10 },
      ],
      // not splittable (gzip, an array export): whole, alone, as before
      [{ object: 3, start: 0, end: 200 }],
    ]);
    for (const shard of plan.shards.slice(0, 3))
      expect(shard.reduce((sum, p) => sum + p.end - p.start, 0)).toBeLessThanOrEqual(100);
    // sizes just above a multiple of the bound: n = ceil(S / bound) pieces, none above it
    for (const size of [101, 199, 200, 201, 1001]) {
      const cut = planShards(day, [{ uri: 's3://raw/a.jsonl', size, splittable: true }], 100).shards;
      expect(cut).toHaveLength(Math.ceil(size / 100));
      const pieces = cut.flat();
      expect(pieces[0]?.start).toBe(0);
      expect(pieces.at(-1)?.end).toBe(size);
      for (const [i, p] of pieces.entries()) {
        expect(p.end - p.start).toBeLessThanOrEqual(100);
        if (i > 0) expect(p.start).toBe(pieces[i - 1]?.end);
      }
    }
    // a splittable object within the bound stays whole
    expect(planShards(day, [{ uri: 's3://raw/a.jsonl', size: 100, splittable: true }], 100).shards).toEqual([
      [{ object: 0, start: 0, end: 100 }],
    ]);
    // the shards after cutting count against the limit
    const huge = { uri: 's3://raw/a.jsonl', size: 10 * (maxShardsPerDay + 1), splittable: true };
    expect(() => planShards(day, [huge], 10)).toThrow(DayTooLargeError);
  });

  it(`refuses a day that needs more than ${maxShardsPerDay} shards, saying what to raise`, () => {
    const many = objects(...Array.from({ length: maxShardsPerDay + 1 }, () => 10));
    expect(planShards(day, many.slice(0, maxShardsPerDay), 10).shards).toHaveLength(maxShardsPerDay);
    expect(() => planShards(day, many, 10)).toThrow(DayTooLargeError);
    expect(() => planShards(day, many, 10)).toThrow(/Raise loader\.shardMaxMiB .*Nothing was published/);
  });

  it('merges a day in ceil(its bytes / the part size) parts, one by default', () => {
    // no part size: the whole day in one part
    expect(planShards(day, objects(40, 50, 30), 100).mergeParts).toBe(1);
    expect(planShards(day, objects(40, 50, 30), 100, 120).mergeParts).toBe(1);
    expect(planShards(day, objects(40, 50, 30), 100, 119).mergeParts).toBe(2);
    expect(planShards(day, objects(40, 50, 30), 100, 40).mergeParts).toBe(3);
    expect(planShards(day, objects(40, 50, 30), 100, 39).mergeParts).toBe(4);
    // the parts do not depend on how the day is cut into shards
    expect(planShards(day, objects(40, 50, 30), 10, 60).mergeParts).toBe(2);
    const plan = planShards(day, objects(40, 50, 30), 100, 39);
    expect(shardPlanSchema.parse(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });

  it(`refuses a day whose merge needs more than ${maxMergePartsPerDay} parts, saying what to raise`, () => {
    const bytes = 10 * maxMergePartsPerDay;
    expect(planShards(day, objects(bytes), 1000, 10).mergeParts).toBe(maxMergePartsPerDay);
    expect(() => planShards(day, objects(bytes + 1), 1000, 10)).toThrow(DayTooLargeError);
    expect(() => planShards(day, objects(bytes + 1), 1000, 10)).toThrow(
      /a day may have\. Raise loader\.mergePartMaxMiB .*--merge-part-size.*Nothing was published/,
    );
  });

  it('names each shard and merge part task by a LOAD_STEP the loader reads back', () => {
    expect(loadStepVariable.parse(shardLoadStep(12))).toEqual({ kind: 'shard', shard: 12 });
    expect(loadStepVariable.parse(mergeLoadStep(3))).toEqual({ kind: 'merge', part: 3 });
    expect(loadStepVariable.parse('merge-3')).toEqual({ kind: 'merge', part: 3 });
    expect(loadStepVariable.parse('day')).toEqual({ kind: 'day' });
    expect(loadStepVariable.parse('publish')).toEqual({ kind: 'publish' });
    for (const bad of [
      '',
      'shard-',
      'shard-x',
      'Day',
      'shard-1-2',
      'shard-123456',
      'merge',
      'merge-',
      'merge-x',
      'merge-1-2',
      'Publish',
    ]) {
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
  const ports = (
    lake: ReturnType<typeof connectLake>,
    shardMaxBytes: number,
    mergePartMaxBytes = Number.MAX_SAFE_INTEGER,
  ) => ({
    zones: lake.zones,
    blobs: lake.blobs,
    shardMaxBytes,
    mergePartMaxBytes,
    log: silentLogger,
  });

  it('writes the plan of a day of several shards and lists their load steps and merge steps', async () => {
    const lake = await lakeWith([60, 60, 60]);
    expect(await planShardsTask(day, ports(lake, 100))).toEqual({
      shards: 3,
      loadSteps: ['shard-0', 'shard-1', 'shard-2'],
      mergeSteps: ['merge-0'],
    });
    const plan = shardPlanSchema.parse(
      JSON.parse((await lake.blobs.getText(shardPlanUri(lake.zones, day, day.runId))) ?? ''),
    );
    expect(indexes(plan)).toEqual([[0], [1], [2]]);
    expect(plan.objects.map((o) => o.size)).toEqual([60, 60, 60]);
    expect(plan.mergeParts).toBe(1);
  });

  it('lists a merge step per part of a sharded day, as the plan it writes says', async () => {
    const lake = await lakeWith([60, 60, 60]);
    expect(await planShardsTask(day, ports(lake, 100, 50))).toEqual({
      shards: 3,
      loadSteps: ['shard-0', 'shard-1', 'shard-2'],
      mergeSteps: ['merge-0', 'merge-1', 'merge-2', 'merge-3'],
    });
    const plan = shardPlanSchema.parse(
      JSON.parse((await lake.blobs.getText(shardPlanUri(lake.zones, day, day.runId))) ?? ''),
    );
    expect(plan.mergeParts).toBe(4);
  });

  it('cuts only uncompressed JSON Lines: gzip, arrays and string exports larger than a shard stay whole', async () => {
    const lake = await lakeWith([]);
    const dir = rawPrefix(lake.zones, day);
    const line = '{"id":"a"}\n'.repeat(30); // 330 bytes
    const contents = [
      line, // JSON Lines: 4 pieces of 100 bytes or less
      `\ufeff${line}`, // with a BOM: still JSON Lines
      gzipSync(line.repeat(20)).subarray(0, 150), // gzip (its first bytes say so)
      `  [${line.trimEnd().split('\n').join(',')}]`, // a JSON array
      JSON.stringify(`[${line.trimEnd().split('\n').join(',')}]`), // a JSON string export
      `"a"\n${line}`, // a first line that is a JSON string, not an export: JSON Lines
    ];
    for (const [i, content] of contents.entries()) await writeFile(join(dir, `part-${i}.jsonl`), content);
    await planShardsTask(day, ports(lake, 100));
    const plan = shardPlanSchema.parse(
      JSON.parse((await lake.blobs.getText(shardPlanUri(lake.zones, day, day.runId))) ?? ''),
    );
    const piecesPerObject = plan.objects.map(
      (_, i) => plan.shards.flat().filter((p) => p.object === i).length,
    );
    expect(piecesPerObject).toEqual([4, 4, 1, 1, 1, 4]);
  });

  it('leaves a day of one shard to one task, with no plan to read', async () => {
    const lake = await lakeWith([60, 60]);
    // however small the merge part: one task loads and publishes the day
    expect(await planShardsTask(day, ports(lake, 1000, 50))).toEqual({
      shards: 1,
      loadSteps: [],
      mergeSteps: [],
    });
    expect(await lake.blobs.getText(shardPlanUri(lake.zones, day, day.runId))).toBeUndefined();
  });

  it('fails a day without raw objects by name', async () => {
    const lake = await lakeWith([]);
    await expect(planShardsTask(day, ports(lake, 1000))).rejects.toThrow(NoRawDataError);
  });
});
