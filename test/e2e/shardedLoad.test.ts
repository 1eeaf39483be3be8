import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../lib/resolvedDefinition.ts';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { OutboxNotifier } from '../../src/adapters/local/outboxNotifier.ts';
import {
  failureReportUri,
  rawPrefix,
  shardOutputUris,
  shardWorkRoot,
} from '../../src/domain/lake/lakeLayout.ts';
import { sourceNamed } from '../../src/domain/sources/registry.ts';
import { stateNames } from '../../src/domain/stateMachine/stateNames.ts';
import { messyOfferLines } from '../../src/generator/messyOffers.ts';
import { ShardWorkMissingError } from '../../src/jobs/loader/loaderErrors.ts';
import type { LoadSummary } from '../../src/jobs/loader/loadPartition.ts';
import { checkShard, mergePart, publishShards } from '../../src/jobs/loader/shardedLoad.ts';
import { planShardsTask } from '../../src/lambdaTasks/planShards.ts';
import { localStateMachineDefinition } from '../../src/orchestrator/localDefinition.ts';
import { type LocalExecutionResult, runLocalExecution } from '../../src/orchestrator/localStateMachine.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { localPipelinePorts } from '../../src/runtime/localRuntime.ts';
import { queryCatalog } from '../support/lakeQuery.ts';

/**
 * A day larger than one task: PlanShards cuts it into shards, a loader task per shard checks
 * them at once (child processes here, Fargate tasks in AWS), a task per merge part
 * de-duplicates its share of the ids across them, and PublishShards publishes once. The
 * tables must be the very tables one task would publish.
 */

const dt = '2024-03-01';
const source = 'pricehubble';
let definition: StateMachineDefinition;
const roots: string[] = [];

beforeAll(async () => {
  definition = await localStateMachineDefinition('dev');
});
afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

/**
 * The day's four raw objects: generated offers whose ids repeat across objects (so that
 * de-duplication must look across shards), one of them gzipped.
 */
function dayObjects(): { name: string; content: Buffer }[] {
  return [1, 2, 3, 4].map((seed) => {
    const text = `${[...messyOfferLines(3000, seed)].join('\n')}\n`;
    return seed === 3
      ? { name: `part-${seed}.jsonl.gz`, content: gzipSync(text) }
      : { name: `part-${seed}.jsonl`, content: Buffer.from(text) };
  });
}

/**
 * A shard size under which each of `dayObjects` is a shard of its own, whole: every object fits
 * (the largest is 448,293 bytes), no two do, nor an object landed late beside one.
 */
const objectPerShard = 448_500;

interface LakeRun {
  readonly lake: LakeConnection;
  readonly execution: LocalExecutionResult;
}

/** A merge part size under which a day is merged in one part. */
const onePart = 1024 * 1024 * 1024;

async function runDay(
  shardMaxBytes: number,
  objects = dayObjects(),
  handlerOverrides = {},
  mergePartMaxBytes = onePart,
): Promise<LakeRun> {
  const root = await mkdtemp(join(tmpdir(), 'sharded-'));
  roots.push(root);
  const lake = connectLake(root);
  const dir = rawPrefix(lake.zones, { source, dt });
  await mkdir(dir, { recursive: true });
  for (const object of objects) await writeFile(join(dir, object.name), object.content);
  const ports = localPipelinePorts(lake, {
    environment: 'test',
    timeZone: 'Europe/Zurich',
    notifier: new OutboxNotifier(lake.blobs, root, silentLogger),
    rerunCommand: () => 'etl run',
    redriveCommand: () => 'etl redrive',
    shardMaxBytes,
    mergePartMaxBytes,
    log: silentLogger,
  });
  const execution = await runLocalExecution(definition, { date: dt, useCases: [] } as never, {
    lake,
    ports,
    workDir: join(root, 'work'),
    duckdbMemoryLimit: '256MB',
    handlerOverrides,
  });
  return { lake, execution };
}

const entered = (execution: LocalExecutionResult, state: string): number =>
  execution.stateDurations.find((d) => d.state === state)?.entered ?? 0;

/** A published table's rows as text, the run's own id and the lake's own path taken out. */
async function tableRows(run: LakeRun, table: string): Promise<string[]> {
  const rows = await queryCatalog(
    run.lake,
    `SELECT * EXCLUDE (run_id) REPLACE (replace(source_object, '${run.lake.root}', '') AS source_object)
     FROM ${table} ORDER BY source_object, record_number`,
  );
  return rows.map((row) => JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
}

async function manifestOf(run: LakeRun): Promise<LoadSummary> {
  const prefix = `${run.lake.zones.manifests}source=${source}/dt=${dt}/`;
  const [manifest] = (await run.lake.blobs.list(prefix)).filter((o) =>
    o.uri.endsWith(`${run.execution.plan?.runId}.json`),
  );
  return JSON.parse((await run.lake.blobs.getText(manifest?.uri ?? '')) ?? 'null') as LoadSummary;
}

describe('a day cleaned in shards', () => {
  it('publishes the same tables from 4 shards, merged in 1 part or in 3, as from 1 task, with every guarantee kept', async () => {
    const dayBytes = dayObjects().reduce((sum, o) => sum + o.content.length, 0);
    const [one, four, inThree] = await Promise.all([
      runDay(1024 * 1024 * 1024),
      runDay(objectPerShard),
      runDay(objectPerShard, dayObjects(), {}, Math.ceil(dayBytes / 3)),
    ]);
    for (const { execution } of [one, four, inThree]) {
      expect(execution.error).toBeNull();
      expect(execution.status).toBe('SUCCEEDED');
    }
    // one shard: one task, as before; four: a task per shard, a task per merge part, the publish
    expect(entered(one.execution, stateNames.load)).toBe(1);
    expect(entered(one.execution, stateNames.checkShard)).toBe(0);
    expect(entered(four.execution, stateNames.load)).toBe(0);
    expect(entered(four.execution, stateNames.checkShard)).toBe(4);
    expect(entered(four.execution, stateNames.mergeShard)).toBe(1);
    expect(entered(four.execution, stateNames.publishShards)).toBe(1);
    expect(entered(inThree.execution, stateNames.checkShard)).toBe(4);
    expect(entered(inThree.execution, stateNames.mergeShard)).toBe(3);
    expect(entered(inThree.execution, stateNames.publishShards)).toBe(1);
    // one data file per merge part under each published run prefix
    for (const table of ['listings', 'listings_rejected']) {
      const partition = await inThree.lake.catalog.getPartition(table, { source, dt });
      const files = await inThree.lake.blobs.list(partition?.location ?? 'missing');
      expect(files.map((f) => f.uri.split('/').at(-1))).toEqual([
        'part-00000.zstd.parquet',
        'part-00001.zstd.parquet',
        'part-00002.zstd.parquet',
      ]);
    }

    for (const table of ['listings', 'listings_rejected']) {
      const [rowsOfOne, rowsOfFour, rowsInThree] = await Promise.all([
        tableRows(one, table),
        tableRows(four, table),
        tableRows(inThree, table),
      ]);
      expect(rowsOfOne.length).toBeGreaterThan(1000);
      expect(rowsOfFour).toEqual(rowsOfOne);
      expect(rowsInThree).toEqual(rowsOfOne);
    }
    const [manifestOfOne, ...sharded] = await Promise.all([
      manifestOf(one),
      manifestOf(four),
      manifestOf(inThree),
    ]);
    const examples = (m: LoadSummary) =>
      Object.entries(m.examplesByReason).map(([reason, list]) => [
        reason,
        list.map((e) => ({ ...e, sourceObject: e.sourceObject.split('/').at(-1) })),
      ]);
    for (const manifest of sharded) {
      // ids repeat across the objects: the merge found the duplicates across shards
      expect(manifest.rejectedByReason.duplicate_id).toBeGreaterThan(1000);
      for (const field of ['read', 'kept', 'rejected', 'rejectedForRules'] as const) {
        expect(manifest[field]).toEqual(manifestOfOne[field]);
      }
      // the same counts per reason, in the same order, with the same first examples
      expect(Object.entries(manifest.rejectedByReason)).toEqual(
        Object.entries(manifestOfOne.rejectedByReason),
      );
      expect(examples(manifest)).toEqual(examples(manifestOfOne));
      expect(manifest.read).toBe(12000);
      // every object's byte account, in the day's order, whichever shard read it
      const accounts = (m: LoadSummary) =>
        m.objects.map(({ uri, bytes, records }) => ({ uri: uri.split('/').at(-1), bytes, records }));
      expect(accounts(manifest)).toEqual(accounts(manifestOfOne));
    }
    // the shard work area is gone once the day is published
    for (const run of [four, inThree])
      expect(await run.lake.blobs.list(shardWorkRoot(run.lake.zones))).toEqual([]);
  });

  it('cuts a large JSON Lines object at line starts into pieces and publishes what loading it whole does', async () => {
    const lines = [...messyOfferLines(3000, 5)];
    // blank lines, a malformed line, CRLF line ends, a BOM, no newline at the end: each must
    // keep its line number (record_number) and its bytes' place whichever piece reads it
    lines.splice(700, 0, '', '   ', 'not json {');
    lines.splice(1500, 0, '');
    const text = `\ufeff${lines.map((line, i) => (i % 7 === 3 ? `${line}\r` : line)).join('\n')}`;
    const valid = [...messyOfferLines(500, 6)].filter((line) => {
      try {
        return typeof JSON.parse(line) === 'object';
      } catch {
        return false;
      }
    });
    const objects = [
      { name: 'part-1.jsonl', content: Buffer.from(text) },
      // larger than a shard but not JSON Lines: gzip, a JSON array; they stay whole
      { name: 'part-2.jsonl.gz', content: gzipSync(`${[...messyOfferLines(3000, 7)].join('\n')}\n`) },
      { name: 'part-3.json', content: Buffer.from(`[\n${valid.join(',\n')}\n]\n`) },
    ];
    const shardMaxBytes = 50_000;
    expect(objects[0]?.content.length).toBeGreaterThan(4 * shardMaxBytes);
    for (const object of objects.slice(1)) expect(object.content.length).toBeGreaterThan(shardMaxBytes);
    const [whole, cut] = await Promise.all([
      runDay(1024 * 1024 * 1024, objects),
      runDay(shardMaxBytes, objects),
    ]);
    for (const { execution } of [whole, cut]) {
      expect(execution.error).toBeNull();
      expect(execution.status).toBe('SUCCEEDED');
    }
    // ceil(size / 50,000) pieces of part-1, each a shard; part-2 and part-3 whole, a shard each
    const pieces = Math.ceil((objects[0]?.content.length ?? 0) / shardMaxBytes);
    expect(entered(cut.execution, stateNames.checkShard)).toBe(pieces + 2);
    expect(entered(cut.execution, stateNames.publishShards)).toBe(1);

    for (const table of ['listings', 'listings_rejected']) {
      const [rowsWhole, rowsCut] = await Promise.all([tableRows(whole, table), tableRows(cut, table)]);
      expect(rowsWhole.length).toBeGreaterThan(100);
      expect(rowsCut).toEqual(rowsWhole);
    }
    const [manifestWhole, manifestCut] = await Promise.all([manifestOf(whole), manifestOf(cut)]);
    for (const field of ['read', 'kept', 'rejected', 'rejectedForRules', 'rejectedByReason'] as const) {
      expect(manifestCut[field]).toEqual(manifestWhole[field]);
    }
    // one summary per object, as if read whole: counts and byte accounts summed over its pieces
    const summaries = (m: LoadSummary) => m.objects.map((o) => ({ ...o, uri: o.uri.split('/').at(-1) }));
    expect(summaries(manifestCut)).toEqual(summaries(manifestWhole));
    const [large] = manifestCut.objects;
    expect(large?.blankLines).toBe(3);
    expect(large?.bytes.bom).toBe(3);
    expect(large?.storedBytes).toBe(objects[0]?.content.length);
  });

  it('publishes nothing when one shard fails, and files what failed', async () => {
    const objects = dayObjects();
    // a damaged gzip: its shard's task fails by name
    objects[2] = {
      name: 'part-3.jsonl.gz',
      content: (objects[2]?.content ?? Buffer.alloc(0)).subarray(0, 5000),
    };
    const run = await runDay(objectPerShard, objects);
    expect(run.execution.status).toBe('FAILED');
    expect(entered(run.execution, stateNames.mergeShard)).toBe(0);
    expect(entered(run.execution, stateNames.publishShards)).toBe(0);
    expect(entered(run.execution, stateNames.recordLoadFailure)).toBe(1);
    const report = JSON.parse(
      (await run.lake.blobs.getText(
        failureReportUri(run.lake.zones, { source, dt }, run.execution.plan?.runId ?? ''),
      )) ?? 'null',
    ) as { task: { error: string; message: string } };
    expect(report.task.error).toBe('RawObjectReadError');
    expect(report.task.message).toContain('part-3.jsonl.gz');
    // nothing published: neither table has the day
    expect(await run.lake.catalog.getPartition('listings', { source, dt })).toBeUndefined();
  });

  /** A lake with the day landed, and the shard steps' ports and request, called directly. */
  async function shardSteps() {
    const root = await mkdtemp(join(tmpdir(), 'sharded-merge-'));
    roots.push(root);
    const lake = connectLake(root);
    const dir = rawPrefix(lake.zones, { source, dt });
    await mkdir(dir, { recursive: true });
    for (const object of dayObjects()) await writeFile(join(dir, object.name), object.content);
    const runId = '20240301T060000Z-abcdef';
    const ports = {
      blobs: lake.blobs,
      catalog: lake.catalog,
      zones: lake.zones,
      log: silentLogger,
      workDir: join(root, 'work'),
    };
    const request = { source: sourceNamed(source), date: dt, runId };
    const plan = (mergePartMaxBytes = onePart) =>
      planShardsTask({ source, dt, runId }, { ...ports, shardMaxBytes: objectPerShard, mergePartMaxBytes });
    /** The merge's parts, then the publish, as the state machine runs them. */
    const mergeAndPublish = async (parts = 1) => {
      for (let part = 0; part < parts; part++) await mergePart(request, part, ports);
      return publishShards(request, ports);
    };
    return { lake, dir, ports, request, plan, mergeAndPublish };
  }

  it('refuses to merge or publish while a shard has left no work, and publishes nothing', async () => {
    const { lake, ports, request, plan, mergeAndPublish } = await shardSteps();
    const { shards } = await plan();
    expect(shards).toBe(4);
    // shards 0, 1 and 3 finished; shard 2 never ran (its task was lost)
    for (const shard of [0, 1, 3]) await checkShard(request, shard, ports);
    await expect(mergePart(request, 0, ports)).rejects.toThrow(ShardWorkMissingError);
    await expect(mergePart(request, 0, ports)).rejects.toThrow(
      /Shard 2 .* left no summary .*Nothing was published/,
    );
    await expect(publishShards(request, ports)).rejects.toThrow(/Shard 2 .* left no summary/);
    expect(await lake.catalog.getPartition('listings', { source, dt })).toBeUndefined();
    // once it has run, the same steps publish the whole day
    await checkShard(request, 2, ports);
    const summary = await mergeAndPublish();
    expect(summary.read).toBe(12000);
    expect(await lake.catalog.getPartition('listings', { source, dt })).toBeDefined();
  });

  it('refuses to publish while a merge part has left no work, and publishes nothing', async () => {
    const { lake, ports, request, plan } = await shardSteps();
    const { mergeSteps } = await plan(1_000_000);
    expect(mergeSteps).toEqual(['merge-0', 'merge-1']);
    for (const shard of [0, 1, 2, 3]) await checkShard(request, shard, ports);
    // part 1's task was lost
    const first = await mergePart(request, 0, ports);
    expect(first.read).toBeGreaterThan(0);
    expect(first.read).toBeLessThan(12000);
    await expect(publishShards(request, ports)).rejects.toThrow(
      /Merge part 1 of pricehubble 2024-03-01 left no summary .*Nothing was published/,
    );
    expect(await lake.catalog.getPartition('listings', { source, dt })).toBeUndefined();
    expect(await lake.catalog.getPartition('listings_rejected', { source, dt })).toBeUndefined();
    // re-driven: the part runs, and the publish adds both parts up to the whole day
    const second = await mergePart(request, 1, ports);
    const summary = await publishShards(request, ports);
    expect(first.read + second.read).toBe(12000);
    expect(summary.read).toBe(12000);
    expect(summary.kept).toBe(first.kept + second.kept);
    const partition = await lake.catalog.getPartition('listings', { source, dt });
    expect(partition?.location).toContain(request.runId);
    // the shard work is gone; a retry of the publish (its task failed on the way out) finds the
    // day published by this run and says so, instead of failing for want of work
    expect(await lake.blobs.list(shardWorkRoot(lake.zones))).toEqual([]);
    expect(await publishShards(request, ports)).toEqual(summary);
    expect(await lake.catalog.getPartition('listings', { source, dt })).toEqual(partition);
  });

  it('refuses a shard summary it cannot read, by name, and publishes nothing', async () => {
    const { lake, ports, request, plan } = await shardSteps();
    await plan();
    for (const shard of [0, 1, 2, 3]) await checkShard(request, shard, ports);
    const { summary } = shardOutputUris(lake.zones, { source, dt }, request.runId, 1);
    const text = (await lake.blobs.getText(summary)) ?? '';
    // cut short, then with a byte account missing (written by some other version)
    for (const damaged of [text.slice(0, 100), text.replace(/"separators":\d+,/g, '')]) {
      await lake.blobs.putText(summary, damaged);
      await expect(mergePart(request, 0, ports)).rejects.toThrow(
        /shard-00001\.json is not a shard plan or summary this loader can read .*Nothing was published/,
      );
    }
    expect(await lake.catalog.getPartition('listings', { source, dt })).toBeUndefined();
  });

  it('refuses to merge shards checked under another plan of the run: no object is left out in silence', async () => {
    const { lake, dir, ports, request, plan } = await shardSteps();
    await plan();
    for (const shard of [0, 1, 2, 3]) await checkShard(request, shard, ports);
    // an object lands late and the day is planned again: shard 0 is now that object
    await writeFile(join(dir, 'part-0.jsonl'), `${[...messyOfferLines(10, 9)].join('\n')}\n`);
    expect((await plan()).shards).toBe(5);
    await expect(mergePart(request, 0, ports)).rejects.toThrow(
      /Shard 0 .* not the 1 in 1 its plan names .*planned again/,
    );
    expect(await lake.catalog.getPartition('listings', { source, dt })).toBeUndefined();
  });
});
