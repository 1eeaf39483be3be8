import { z } from 'zod';
import { splittableJsonLines } from '../domain/ingest/recordStager.ts';
import { planShards, type RawObjectRef } from '../domain/ingest/shardPlan.ts';
import { type LakeZones, shardPlanUri } from '../domain/lake/lakeLayout.ts';
import { runIdPattern } from '../domain/run/runId.ts';
import { sourceNamed } from '../domain/sources/registry.ts';
import { recordsPathOf } from '../domain/sources/sourceContract.ts';
import { mergeLoadStep, shardLoadStep } from '../domain/taskEnvironments/containerEnvironments.ts';
import { dayRawObjects } from '../jobs/loader/dayRawObjects.ts';
import { isGzip } from '../jobs/loader/rawObjectContent.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Logger } from '../ports/logger.ts';
import { parseTaskEvent } from './taskEvent.ts';

export interface PlanShardsPorts {
  readonly zones: Pick<LakeZones, 'raw' | 'curated'>;
  readonly blobs: BlobStore;
  /** The most raw bytes (as stored) one shard's task cleans: the environment's `loader.shardMaxMiB`. */
  readonly shardMaxBytes: number;
  /** The most raw bytes (as stored) one part of the merge takes: the environment's `loader.mergePartMaxMiB`. */
  readonly mergePartMaxBytes: number;
  readonly log: Logger;
}

/** An item of the Map over a day's sources: names and a date. */
const planShardsEvent = z.object({
  source: z.string().min(1),
  dt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  runId: z.string().regex(runIdPattern),
});

export interface ShardsOfDay {
  /** How many shards: one loads the day in one task, more in a Map over `loadSteps`. */
  readonly shards: number;
  /** Each shard's LOAD_STEP, the items of the Map over shards (empty for one shard). */
  readonly loadSteps: readonly string[];
  /** Each merge part's LOAD_STEP, the items of the Map over merge parts (empty for one shard). */
  readonly mergeSteps: readonly string[];
}

/**
 * Whether a raw object is uncompressed JSON Lines that may be cut at line starts, told from its
 * first chunk as the stager would tell it (recordStager.ts); anything it cannot tell from
 * there (a first chunk of white space only) stays whole.
 */
async function isSplittable(blobs: BlobStore, uri: string): Promise<boolean> {
  const stream = await blobs.readFrom(uri, 0);
  try {
    for await (const chunk of stream) {
      const head = chunk as Buffer;
      return !isGzip(head) && splittableJsonLines(head, false, false) === true;
    }
    return false;
  } finally {
    stream.destroy();
  }
}

/**
 * PlanShards: cuts a source's day into shards of bounded size. One shard (the usual day) is
 * loaded by one task as before; several are written as the run's shard plan, which every
 * shard task and the merge read (the state carries only how many there are).
 */
export async function planShardsTask(event: unknown, ports: PlanShardsPorts): Promise<ShardsOfDay> {
  const item = parseTaskEvent('PlanShards', planShardsEvent, event);
  const day = { source: item.source, dt: item.dt };
  const listed = await dayRawObjects(ports, day);
  const recordsPath = () => recordsPathOf(sourceNamed(item.source)) !== undefined;
  const objects: RawObjectRef[] = [];
  for (const object of listed) {
    // Only an object too large for a shard is looked at: a day of smaller ones costs no read.
    const splittable =
      object.size > ports.shardMaxBytes && !recordsPath() && (await isSplittable(ports.blobs, object.uri));
    objects.push({ uri: object.uri, size: object.size, ...(splittable ? { splittable } : {}) });
  }
  const plan = planShards(
    { ...day, runId: item.runId },
    objects,
    ports.shardMaxBytes,
    ports.mergePartMaxBytes,
  );
  const shards = plan.shards.length;
  if (shards > 1)
    await ports.blobs.putText(shardPlanUri(ports.zones, day, item.runId), `${JSON.stringify(plan)}\n`);
  ports.log.info('day planned', {
    runId: item.runId,
    source: item.source,
    dt: item.dt,
    objects: objects.length,
    bytes: objects.reduce((sum, o) => sum + o.size, 0),
    shards,
    mergeParts: shards > 1 ? plan.mergeParts : 0,
    shardMaxBytes: ports.shardMaxBytes,
  });
  if (shards === 1) return { shards, loadSteps: [], mergeSteps: [] };
  return {
    shards,
    loadSteps: plan.shards.map((_, shard) => shardLoadStep(shard)),
    mergeSteps: Array.from({ length: plan.mergeParts }, (_, part) => mergeLoadStep(part)),
  };
}
