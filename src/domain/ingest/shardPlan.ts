import { z } from 'zod';
import { PipelineError } from '../errors/pipelineError.ts';
import { maxMergePartsPerDay, maxShardsPerDay } from './shardLimit.ts';

/** A piece of the day: object `object` (its index in the listing), bytes `[start, end)`. */
export const shardPieceSchema = z.object({
  object: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
});

export type ShardPiece = z.infer<typeof shardPieceSchema>;

/**
 * How a day's raw objects are cut into shards: each shard is a run of consecutive pieces (in
 * the listing's order) of at most `maxBytes` stored bytes, so that one task can clean it with
 * a bounded disk and memory. A piece is a whole object, or, for an uncompressed JSON Lines
 * object larger than the bound, one of the equal byte ranges it is cut into (each piece owns
 * the lines that start in it: objectPiece.ts). An object larger than the bound that cannot be
 * cut (gzip, an array or string export, a source with a records path) is a shard of its own.
 *
 * Objects keep the index they have in the whole day's listing: the checked rows of every
 * shard carry it, so that de-duplication across shards ("read last wins") and the rejects'
 * source objects are the same as when one task loads the whole day. Two pieces of one object
 * are never in one shard: within a shard's checked rows the object index names the piece.
 */
export const shardPlanSchema = z.object({
  source: z.string(),
  dt: z.string(),
  runId: z.string(),
  maxBytes: z.number().int().positive(),
  /** Every raw object of the day, in the listing's order: an object's index is its position here. */
  objects: z.array(z.object({ uri: z.string(), size: z.number().int().nonnegative() })),
  /** Per shard, its pieces (consecutive, ascending); together, every byte of every object once. */
  shards: z.array(z.array(shardPieceSchema).min(1)).min(1),
  /**
   * How many parts the merge is split into: every shard writes its checked rows in this many
   * parts by a hash of the id (all copies of an id in one part), and one task per part
   * de-duplicates and writes its share of the day, so that no task holds the whole day.
   */
  mergeParts: z.number().int().min(1).max(maxMergePartsPerDay),
});

export type ShardPlan = z.infer<typeof shardPlanSchema>;

/**
 * The shard size of dev and of a local run (`etl run --shard-size`): a day above 1 GiB of raw
 * objects is cleaned in several tasks (processes) at once.
 */
export const defaultShardMaxMiB = 1024;

/**
 * The merge part size of dev and of a local run (`etl run --merge-part-size`): a sharded day
 * above 32 GiB of raw objects is merged in several parts, split by a hash of the id.
 */
export const defaultMergePartMaxMiB = 32768;

/** A day needs more shards, or more merge parts, than an execution budgets for one source's day. */
export class DayTooLargeError extends PipelineError {
  override readonly name = 'DayTooLargeError';
}

export interface RawObjectRef {
  readonly uri: string;
  readonly size: number;
  /** Uncompressed JSON Lines that may be cut at line starts (PlanShards looks at its first bytes). */
  readonly splittable?: boolean;
}

/**
 * An object's pieces: itself whole, or, when it is larger than `maxBytes` and splittable,
 * n = ceil(size / maxBytes) ranges of equal size (±1 byte): each within the bound, and no two
 * of them fit in one shard together.
 */
export function piecesOf(object: number, ref: RawObjectRef, maxBytes: number): ShardPiece[] {
  if (!(ref.splittable && ref.size > maxBytes)) return [{ object, start: 0, end: ref.size }];
  const n = Math.ceil(ref.size / maxBytes);
  const at = (k: number) => Math.floor((k * ref.size) / n);
  return Array.from({ length: n }, (_, k) => ({ object, start: at(k), end: at(k + 1) }));
}

/**
 * Consecutive pieces, each shard filled up to `maxBytes` (an object larger than that, not cut,
 * alone); the merge in ceil(day's bytes / `mergePartMaxBytes`) parts.
 */
export function planShards(
  day: { readonly source: string; readonly dt: string; readonly runId: string },
  objects: readonly RawObjectRef[],
  maxBytes: number,
  mergePartMaxBytes: number = Number.POSITIVE_INFINITY,
): ShardPlan {
  const shards: ShardPiece[][] = [];
  let current: ShardPiece[] = [];
  let bytes = 0;
  for (const piece of objects.flatMap((ref, index) => piecesOf(index, ref, maxBytes))) {
    const size = piece.end - piece.start;
    // (a second piece of one object never fits by size; saying so keeps the merge's rule true)
    const sameObject = current.at(-1)?.object === piece.object;
    if (current.length > 0 && (bytes + size > maxBytes || sameObject)) {
      shards.push(current);
      current = [];
      bytes = 0;
    }
    current.push(piece);
    bytes += size;
  }
  if (current.length > 0) shards.push(current);
  const dayBytes = objects.reduce((sum, o) => sum + o.size, 0);
  if (shards.length > maxShardsPerDay) {
    throw new DayTooLargeError(
      `${day.source} ${day.dt} holds ${dayBytes} bytes in ${objects.length} raw objects: ${shards.length} shards of at most ` +
        `${maxBytes} bytes, more than the ${maxShardsPerDay} a day may have. Raise loader.shardMaxMiB (and the task's ` +
        'ephemeral storage) in lib/config/environments.ts (locally: --shard-size), then re-run the day. Nothing was published.',
    );
  }
  const mergeParts = Math.max(1, Math.ceil(dayBytes / mergePartMaxBytes));
  if (mergeParts > maxMergePartsPerDay) {
    throw new DayTooLargeError(
      `${day.source} ${day.dt} holds ${dayBytes} bytes in ${objects.length} raw objects: a merge in ${mergeParts} parts of at ` +
        `most ${mergePartMaxBytes} bytes, more than the ${maxMergePartsPerDay} a day may have. Raise loader.mergePartMaxMiB ` +
        "(and the task's ephemeral storage) in lib/config/environments.ts (locally: --merge-part-size), then re-run the day. " +
        'Nothing was published.',
    );
  }
  return {
    ...day,
    maxBytes,
    objects: objects.map(({ uri, size }) => ({ uri, size })),
    shards,
    mergeParts,
  };
}
