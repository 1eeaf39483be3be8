import { z } from 'zod';
import { PipelineError } from '../errors/pipelineError.ts';
import { maxShardsPerDay } from './shardLimit.ts';

/**
 * How a day's raw objects are cut into shards: each shard is a run of consecutive objects (in
 * the listing's order) of at most `maxBytes` stored bytes, so that one task can clean it with
 * a bounded disk and memory. An object larger than the bound is a shard of its own.
 *
 * Objects keep the index they have in the whole day's listing: the checked rows of every
 * shard carry it, so that de-duplication across shards ("read last wins") and the rejects'
 * source objects are the same as when one task loads the whole day.
 */
export const shardPlanSchema = z.object({
  source: z.string(),
  dt: z.string(),
  runId: z.string(),
  maxBytes: z.number().int().positive(),
  /** Every raw object of the day, in the listing's order: an object's index is its position here. */
  objects: z.array(z.object({ uri: z.string(), size: z.number().int().nonnegative() })),
  /** Per shard, the indexes of its objects (consecutive, ascending); together, every object once. */
  shards: z.array(z.array(z.number().int().nonnegative()).min(1)).min(1),
});

export type ShardPlan = z.infer<typeof shardPlanSchema>;

/**
 * The shard size of dev and of a local run (`etl run --shard-size`): a day above 1 GiB of raw
 * objects is cleaned in several tasks (processes) at once.
 */
export const defaultShardMaxMiB = 1024;

/** A day needs more shards than an execution budgets for one source's day. */
export class DayTooLargeError extends PipelineError {
  override readonly name = 'DayTooLargeError';
}

export interface RawObjectRef {
  readonly uri: string;
  readonly size: number;
}

/** Consecutive objects, each shard filled up to `maxBytes` (an object larger than that alone). */
export function planShards(
  day: { readonly source: string; readonly dt: string; readonly runId: string },
  objects: readonly RawObjectRef[],
  maxBytes: number,
): ShardPlan {
  const shards: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const [index, object] of objects.entries()) {
    if (current.length > 0 && bytes + object.size > maxBytes) {
      shards.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += object.size;
  }
  if (current.length > 0) shards.push(current);
  if (shards.length > maxShardsPerDay) {
    const bytes = objects.reduce((sum, o) => sum + o.size, 0);
    throw new DayTooLargeError(
      `${day.source} ${day.dt} holds ${bytes} bytes in ${objects.length} raw objects: ${shards.length} shards of at most ` +
        `${maxBytes} bytes, more than the ${maxShardsPerDay} a day may have. Raise loader.shardMaxMiB (and the task's ` +
        'ephemeral storage) in lib/config/environments.ts, or land fewer, larger objects; then re-run the day. Nothing was published.',
    );
  }
  return {
    ...day,
    maxBytes,
    objects: objects.map(({ uri, size }) => ({ uri, size })),
    shards,
  };
}
