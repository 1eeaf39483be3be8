import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { CheckedFile } from '../../domain/cleaning/listingRules.ts';
import type { ByteAccount } from '../../domain/ingest/byteAccount.ts';
import { type ShardPlan, shardPlanSchema } from '../../domain/ingest/shardPlan.ts';
import {
  type SourceDay,
  shardOutputUris,
  shardPlanUri,
  shardWorkPrefix,
} from '../../domain/lake/lakeLayout.ts';
import type { JobPorts } from '../jobPorts.ts';
import { ContractChecker } from './applyContract.ts';
import { ConservationError, ShardWorkMissingError } from './loaderErrors.ts';
import {
  type LoadRequest,
  type LoadSummary,
  publishDay,
  type RawObjectSummary,
  stageRawObjects,
  withLoadContext,
} from './loadPartition.ts';

const count = z.number().int().nonnegative();

/** A RawObjectSummary as a shard leaves it in the lake, read back (the type keeps the two in step). */
const rawObjectSummarySchema = z.object({
  uri: z.string(),
  format: z.string(),
  compressed: z.boolean(),
  storedBytes: count,
  gzipPaddingBytes: count,
  records: count,
  blankLines: count,
  truncated: z.boolean(),
  cutRecords: count,
  recordsAfterEnd: count,
  bytes: z.object({
    read: count,
    bom: count,
    envelope: count,
    records: count,
    separators: count,
    whiteSpace: count,
  }),
}) satisfies z.ZodType<RawObjectSummary>;

/** A piece's summary: its object's fields, counted over the piece's bytes `[start, end)` only. */
const pieceSummarySchema = rawObjectSummarySchema.extend({ start: count, end: count });
type PieceSummary = z.infer<typeof pieceSummarySchema>;

/** What a shard leaves for the merge beside its checked rows: where each of its pieces' bytes went. */
const shardSummarySchema = z.object({
  shard: z.number().int().nonnegative(),
  /** Its pieces' summaries (a RawObjectSummary with the piece's start and end each), in the plan's order. */
  pieces: z.array(pieceSummarySchema),
  /** False when its pieces held no record: it wrote no checked rows. */
  checked: z.boolean(),
});

export interface ShardSummary {
  readonly runId: string;
  readonly source: string;
  readonly dt: string;
  readonly shard: number;
  readonly objects: number;
  readonly records: number;
}

/** A plan or a shard's summary read back from the lake; one that does not parse fails by name. */
function readShardWork<Schema extends z.ZodType>(schema: Schema, text: string, uri: string): z.infer<Schema> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ShardWorkMissingError(
    `${uri} is not a shard plan or summary this loader can read (cut short, or written by another version): ` +
      'run the day again (etl rerun) so that it is planned and checked afresh. Nothing was published.',
  );
}

const dayOf = (request: LoadRequest): SourceDay => ({ source: request.source.name, dt: request.date });

async function readPlan(request: LoadRequest, ports: JobPorts): Promise<ShardPlan> {
  const uri = shardPlanUri(ports.zones, dayOf(request), request.runId);
  const text = await ports.blobs.getText(uri);
  if (text === undefined) {
    throw new ShardWorkMissingError(
      `The shard plan ${uri} is missing: PlanShards writes it before any shard runs. ` +
        `Re-run the day (etl rerun) so that it is planned again. Nothing was published.`,
    );
  }
  return readShardWork(shardPlanSchema, text, uri);
}

/**
 * One shard of a sharded day: stages its raw objects and applies every rule to them, then
 * leaves the checked rows (every record, with its reasons and raw text) and its objects'
 * summaries in the run's shard work area. Publishes nothing: the merge does, once.
 */
export async function checkShard(
  request: LoadRequest,
  shard: number,
  ports: JobPorts,
): Promise<ShardSummary> {
  const plan = await readPlan(request, ports);
  const pieces = plan.shards[shard];
  if (!pieces) {
    throw new ShardWorkMissingError(
      `Shard ${shard} is not in the plan of ${request.source.name} ${request.date} (it has ${plan.shards.length}).`,
    );
  }
  return withLoadContext(request, ports, async ({ log, clock, progress, work }) => {
    log.info('shard started', { shard, pieces: pieces.length, shards: plan.shards.length });
    const objects = pieces.map(({ object: index, start, end }) => {
      const object = plan.objects[index] as ShardPlan['objects'][number];
      const whole = start === 0 && end === object.size;
      return { index, object, ...(whole ? {} : { piece: { start, end } }) };
    });
    const staged = await stageRawObjects(request, ports, objects, work, log, progress);
    clock.done('stage');
    const out = shardOutputUris(ports.zones, dayOf(request), request.runId, shard);
    const checked = staged.stagedFiles.length > 0;
    if (checked) {
      const checker = await ContractChecker.open({
        source: request.source,
        runId: request.runId,
        workDir: work,
        ...(ports.duckdb ? { duckdb: ports.duckdb } : {}),
        trackProgress: ports.progressIntervalMs !== undefined,
      });
      progress.checker = checker;
      progress.stage = 'checking';
      try {
        checker.check(staged.stagedFiles);
        const [file] = await checker.checkedFiles();
        clock.done('check');
        progress.stage = 'uploading';
        await ports.blobs.upload(file as string, out.checked);
      } finally {
        await checker.close();
      }
    }
    // The summary goes last: its presence says the shard's work is complete.
    await ports.blobs.putText(
      out.summary,
      `${JSON.stringify({
        shard,
        pieces: staged.objects.map((o, i) => ({ ...o, start: pieces[i]?.start, end: pieces[i]?.end })),
        checked,
      })}\n`,
    );
    clock.done('upload');
    const records = staged.objects.reduce((sum, o) => sum + o.records, 0);
    log.info('shard checked', { shard, records, phasesMs: clock.phasesMs });
    return {
      runId: request.runId,
      source: request.source.name,
      dt: request.date,
      shard,
      objects: staged.objects.length,
      records,
    };
  });
}

/**
 * One summary per object, as if it had been staged whole: a cut object's pieces must cover its
 * bytes exactly (each piece's own account held when it was staged), their counts add up.
 */
function objectSummary(
  runId: string,
  object: ShardPlan['objects'][number],
  pieces: readonly PieceSummary[],
): RawObjectSummary {
  const covered = pieces.every((p, i) => p.start === (i === 0 ? 0 : pieces[i - 1]?.end));
  const read = pieces.reduce((sum, p) => sum + p.bytes.read, 0);
  const [first] = pieces;
  const whole = pieces.length === 1 && first !== undefined && first.end === object.size;
  if (!(covered && pieces.at(-1)?.end === object.size && (whole || read === object.size))) {
    throw new ConservationError(
      `Byte conservation failed for raw object ${object.uri} (${object.size} bytes): its ${pieces.length} pieces ` +
        `(${pieces.map((p) => `${p.start}-${p.end}`).join(', ')}) read ${read} bytes. Nothing was published; ` +
        `this is a bug, please report it with the run id ${runId}.`,
    );
  }
  const { start: _start, end: _end, ...summary } = first as PieceSummary;
  if (whole) return summary;
  const sum = (field: 'gzipPaddingBytes' | 'records' | 'blankLines' | 'cutRecords' | 'recordsAfterEnd') =>
    pieces.reduce((total, p) => total + p[field], 0);
  const bytes = { ...summary.bytes };
  for (const key of Object.keys(bytes) as (keyof ByteAccount)[])
    bytes[key] = pieces.reduce((total, p) => total + p.bytes[key], 0);
  return {
    ...summary,
    storedBytes: object.size,
    gzipPaddingBytes: sum('gzipPaddingBytes'),
    records: sum('records'),
    blankLines: sum('blankLines'),
    truncated: pieces.at(-1)?.truncated ?? false,
    cutRecords: sum('cutRecords'),
    recordsAfterEnd: sum('recordsAfterEnd'),
    bytes,
  };
}

/**
 * The end of a sharded day: every shard's checked rows, de-duplicated across shards and
 * written as the day's two tables, through the same conservation, quality and publish steps
 * as a day loaded in one task. A shard whose work is missing fails the merge by name.
 */
export async function mergeShards(request: LoadRequest, ports: JobPorts): Promise<LoadSummary> {
  const plan = await readPlan(request, ports);
  const day = dayOf(request);
  const summary = await withLoadContext(request, ports, async (context) => {
    const pieces: PieceSummary[][] = plan.objects.map(() => []);
    const checkedFiles: CheckedFile[] = [];
    context.log.info('merge started', { shards: plan.shards.length, objects: plan.objects.length });
    for (const [shard, planned] of plan.shards.entries()) {
      const out = shardOutputUris(ports.zones, day, request.runId, shard);
      const text = await ports.blobs.getText(out.summary);
      if (text === undefined) {
        throw new ShardWorkMissingError(
          `Shard ${shard} of ${day.source} ${day.dt} left no summary (${out.summary}): it did not finish. ` +
            'Re-drive the execution to run it again. Nothing was published.',
        );
      }
      const shardSummary = readShardWork(shardSummarySchema, text, out.summary);
      // Work left by a shard of another plan of this run (the day re-planned after more objects
      // landed) would leave objects out in silence: its pieces must be the plan's.
      const named = (p: { uri: string | undefined; start: number; end: number }) =>
        `${p.uri} ${p.start}-${p.end}`;
      const expected = planned.map((p) => named({ ...p, uri: plan.objects[p.object]?.uri }));
      const found = shardSummary.pieces.map(named);
      if (JSON.stringify(found) !== JSON.stringify(expected)) {
        throw new ShardWorkMissingError(
          `Shard ${shard} of ${day.source} ${day.dt} checked ${found.length} pieces that are not the ${expected.length} ` +
            `its plan names (${out.summary}): the day was planned again since. Re-drive the execution. Nothing was published.`,
        );
      }
      // A later piece's record numbers go on from the lines of its object's earlier pieces,
      // which are in earlier shards (pieces are consecutive): as if the object were read whole.
      const recordOffsets = new Map<number, number>();
      for (const [i, piece] of planned.entries()) {
        const earlier = pieces[piece.object] ?? [];
        const lines = earlier.reduce((sum, p) => sum + p.records + p.blankLines, 0);
        if (lines > 0) recordOffsets.set(piece.object, lines);
        earlier.push(shardSummary.pieces[i] as PieceSummary);
      }
      if (shardSummary.checked) {
        const local = join(context.work, `shard-${shard}.checked.parquet`);
        await pipeline(await ports.blobs.read(out.checked), createWriteStream(local));
        checkedFiles.push({ path: local, recordOffsets });
      }
    }
    context.clock.done('download');
    const objects = plan.objects.map((object, index) =>
      objectSummary(request.runId, object, pieces[index] ?? []),
    );
    // The day's records, which the shards staged, for the merge's progress lines.
    for (const object of objects) context.progress.staged(object);
    return publishDay(context, objects, (checker) => checker.adopt(checkedFiles));
  });
  // Published: the shards' work is of no further use (a failure here leaves it for the bucket's expiry).
  await ports.blobs.deletePrefix(shardWorkPrefix(ports.zones, day, request.runId)).catch((error: unknown) =>
    ports.log.warn('could not remove the shard work area', {
      runId: request.runId,
      prefix: shardWorkPrefix(ports.zones, day, request.runId),
      error: String(error),
    }),
  );
  return summary;
}
