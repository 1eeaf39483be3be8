import { z } from 'zod';
import { planShards } from '../domain/ingest/shardPlan.ts';
import { type LakeZones, shardPlanUri } from '../domain/lake/lakeLayout.ts';
import { runIdPattern } from '../domain/run/runId.ts';
import { shardLoadStep } from '../domain/taskEnvironments/containerEnvironments.ts';
import { dayRawObjects } from '../jobs/loader/dayRawObjects.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Logger } from '../ports/logger.ts';
import { parseTaskEvent } from './taskEvent.ts';

export interface PlanShardsPorts {
  readonly zones: Pick<LakeZones, 'raw' | 'curated'>;
  readonly blobs: BlobStore;
  /** The most raw bytes (as stored) one shard's task cleans: the environment's `loader.shardMaxMiB`. */
  readonly shardMaxBytes: number;
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
}

/**
 * PlanShards: cuts a source's day into shards of bounded size. One shard (the usual day) is
 * loaded by one task as before; several are written as the run's shard plan, which every
 * shard task and the merge read (the state carries only how many there are).
 */
export async function planShardsTask(event: unknown, ports: PlanShardsPorts): Promise<ShardsOfDay> {
  const item = parseTaskEvent('PlanShards', planShardsEvent, event);
  const day = { source: item.source, dt: item.dt };
  const objects = await dayRawObjects(ports, day);
  const plan = planShards({ ...day, runId: item.runId }, objects, ports.shardMaxBytes);
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
    shardMaxBytes: ports.shardMaxBytes,
  });
  return { shards, loadSteps: shards > 1 ? plan.shards.map((_, shard) => shardLoadStep(shard)) : [] };
}
