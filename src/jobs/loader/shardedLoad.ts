import { createWriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { type CheckedFile, mergePartColumn } from '../../domain/cleaning/listingRules.ts';
import type { ByteAccount } from '../../domain/ingest/byteAccount.ts';
import { type ShardPlan, shardPlanSchema } from '../../domain/ingest/shardPlan.ts';
import {
  manifestUri,
  mergePartUris,
  runDataFile,
  type SourceDay,
  shardOutputUris,
  shardPlanUri,
  shardWorkPrefix,
} from '../../domain/lake/lakeLayout.ts';
import type { JobPorts } from '../jobPorts.ts';
import {
  ContractChecker,
  type ContractOutcome,
  examplesPerReason,
  type RejectedExample,
} from './applyContract.ts';
import { ConservationError, ShardWorkMissingError } from './loaderErrors.ts';
import {
  applyContract,
  contractFiles,
  type LoadContext,
  type LoadRequest,
  type LoadSummary,
  publishOutcome,
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
  /** Per part of the merge, how many files of checked rows it wrote (none: no row of the shard is in that part). */
  checkedFiles: z.array(count),
});

const exampleSchema = z.object({ sourceObject: z.string(), recordNumber: count, rawRecord: z.string() });

/** What one part of the merge leaves for the publish beside its share of the tables: its counts. */
const mergePartSummarySchema = z.object({
  part: count,
  read: count,
  kept: count,
  rejected: count,
  rejectedForRules: count,
  rejectedByReason: z.record(z.string(), count),
  examplesByReason: z.record(z.string(), z.array(exampleSchema satisfies z.ZodType<RejectedExample>)),
}) satisfies z.ZodType<ContractOutcome>;

export interface ShardSummary {
  readonly runId: string;
  readonly source: string;
  readonly dt: string;
  readonly shard: number;
  readonly objects: number;
  readonly records: number;
}

/** What a merge part's task reports: its share of the day's records. */
export interface MergePartSummary {
  readonly runId: string;
  readonly source: string;
  readonly dt: string;
  readonly part: number;
  readonly read: number;
  readonly kept: number;
  readonly rejected: number;
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

/** The files of each merge part a check wrote: one file, or a folder per part (checkRecordsSql). */
async function checkedPartFiles(checked: string, mergeParts: number): Promise<string[][]> {
  if (mergeParts === 1) return [[checked]];
  const parts: string[][] = Array.from({ length: mergeParts }, () => []);
  for (const entry of await readdir(checked)) {
    const part = Number(entry.slice(`${mergePartColumn}=`.length));
    const files = parts[part];
    if (!entry.startsWith(`${mergePartColumn}=`) || files === undefined) continue;
    const folder = join(checked, entry);
    for (const file of (await readdir(folder)).sort()) files.push(join(folder, file));
  }
  return parts;
}

/**
 * One shard of a sharded day: stages its raw objects and applies every rule to them, then
 * leaves the checked rows (every record, with its reasons and raw text), in the merge's parts,
 * and its objects' summaries in the run's shard work area. Publishes nothing.
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
    const checkedFiles: number[] = Array.from({ length: plan.mergeParts }, () => 0);
    if (staged.stagedFiles.length > 0) {
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
        checker.check(staged.stagedFiles, plan.mergeParts);
        const [checked] = await checker.checkedFiles();
        clock.done('check');
        progress.stage = 'uploading';
        for (const [part, files] of (await checkedPartFiles(checked as string, plan.mergeParts)).entries()) {
          for (const [index, file] of files.entries())
            await ports.blobs.upload(file, out.checked(part, index));
          checkedFiles[part] = files.length;
        }
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
        checkedFiles,
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

interface ShardWork {
  /** Per object of the plan, its pieces' summaries in the plan's order. */
  readonly pieces: PieceSummary[][];
  /** Per shard: its summary, and the record number shift of each object it holds a later piece of. */
  readonly shards: {
    readonly summary: z.infer<typeof shardSummarySchema>;
    readonly recordOffsets: Map<number, number>;
  }[];
}

/**
 * Every shard's summary, each held to the plan: a shard whose work is missing, or was done
 * under another plan of the run, fails by name.
 */
async function readShardSummaries(
  request: LoadRequest,
  plan: ShardPlan,
  ports: JobPorts,
): Promise<ShardWork> {
  const day = dayOf(request);
  const pieces: PieceSummary[][] = plan.objects.map(() => []);
  const shards: ShardWork['shards'] = [];
  for (const [shard, planned] of plan.shards.entries()) {
    const out = shardOutputUris(ports.zones, day, request.runId, shard);
    const text = await ports.blobs.getText(out.summary);
    if (text === undefined) {
      throw new ShardWorkMissingError(
        `Shard ${shard} of ${day.source} ${day.dt} left no summary (${out.summary}): it did not finish. ` +
          'Re-drive the execution to run it again. Nothing was published.',
      );
    }
    const summary = readShardWork(shardSummarySchema, text, out.summary);
    // Work left by a shard of another plan of this run (the day re-planned after more objects
    // landed) would leave objects out in silence: its pieces must be the plan's.
    const named = (p: { uri: string | undefined; start: number; end: number }) =>
      `${p.uri} ${p.start}-${p.end}`;
    const expected = planned.map((p) => named({ ...p, uri: plan.objects[p.object]?.uri }));
    const found = summary.pieces.map(named);
    if (
      JSON.stringify(found) !== JSON.stringify(expected) ||
      summary.checkedFiles.length !== plan.mergeParts
    ) {
      throw new ShardWorkMissingError(
        `Shard ${shard} of ${day.source} ${day.dt} checked ${found.length} pieces in ${summary.checkedFiles.length} merge parts, ` +
          `not the ${expected.length} in ${plan.mergeParts} its plan names (${out.summary}): the day was planned again since. ` +
          'Re-drive the execution. Nothing was published.',
      );
    }
    // A later piece's record numbers go on from the lines of its object's earlier pieces,
    // which are in earlier shards (pieces are consecutive): as if the object were read whole.
    const recordOffsets = new Map<number, number>();
    for (const [i, piece] of planned.entries()) {
      const earlier = pieces[piece.object] ?? [];
      const lines = earlier.reduce((sum, p) => sum + p.records + p.blankLines, 0);
      if (lines > 0) recordOffsets.set(piece.object, lines);
      earlier.push(summary.pieces[i] as PieceSummary);
    }
    shards.push({ summary, recordOffsets });
  }
  return { pieces, shards };
}

/**
 * One part of a sharded day's merge: the checked rows of that part from every shard (every
 * copy of an id is in one part), de-duplicated together and written as the part's share of
 * both tables, with its counts, in the run's shard work area. Publishes nothing.
 */
export async function mergePart(
  request: LoadRequest,
  part: number,
  ports: JobPorts,
): Promise<MergePartSummary> {
  const plan = await readPlan(request, ports);
  const day = dayOf(request);
  if (part >= plan.mergeParts) {
    throw new ShardWorkMissingError(
      `Merge part ${part} is not in the plan of ${day.source} ${day.dt} (it has ${plan.mergeParts}).`,
    );
  }
  return withLoadContext(request, ports, async (context) => {
    const { log, clock, progress, work } = context;
    const { shards } = await readShardSummaries(request, plan, ports);
    log.info('merge part started', { part, parts: plan.mergeParts, shards: shards.length });
    progress.stage = 'downloading';
    progress.knowsRecords = false;
    const checkedFiles: CheckedFile[] = [];
    for (const [shard, { summary, recordOffsets }] of shards.entries()) {
      const out = shardOutputUris(ports.zones, day, request.runId, shard);
      for (let file = 0; file < (summary.checkedFiles[part] ?? 0); file++) {
        const local = join(work, `shard-${shard}.${file}.checked.parquet`);
        await pipeline(await ports.blobs.read(out.checked(part, file)), createWriteStream(local));
        checkedFiles.push({ path: local, recordOffsets });
      }
    }
    clock.done('download');
    const files = contractFiles(work);
    const objectNames = plan.objects.map((o) => o.uri);
    const feed = (checker: ContractChecker) => checker.adopt(checkedFiles);
    const outcome = await applyContract(request, ports, feed, objectNames, files, clock, progress);
    const uris = mergePartUris(ports.zones, day, request.runId, part);
    progress.stage = 'uploading';
    await ports.blobs.upload(files.listings, uris.listings);
    await ports.blobs.upload(files.rejected, uris.rejected);
    // The summary goes last: its presence says the part's work is complete.
    await ports.blobs.putText(uris.summary, `${JSON.stringify({ part, ...outcome })}\n`);
    clock.done('upload');
    const { read, kept, rejected } = outcome;
    log.info('merge part written', { part, read, kept, rejected, phasesMs: clock.phasesMs });
    return { runId: request.runId, source: day.source, dt: day.dt, part, read, kept, rejected };
  });
}

/** UTF-8 byte order, as DuckDB compares text: the examples of the parts ordered as one task orders them. */
const byObjectAndRecord = (a: RejectedExample, b: RejectedExample): number =>
  Buffer.compare(Buffer.from(a.sourceObject), Buffer.from(b.sourceObject)) || a.recordNumber - b.recordNumber;

/** The merge parts' counts as one: sums, and per reason the first examples in read order. */
function outcomeOfParts(parts: readonly ContractOutcome[]): ContractOutcome {
  const sum = (field: 'read' | 'kept' | 'rejected' | 'rejectedForRules') =>
    parts.reduce((total, p) => total + p[field], 0);
  const rejectedByReason: Record<string, number> = {};
  const examples: Record<string, RejectedExample[]> = {};
  for (const part of parts) {
    for (const [reason, records] of Object.entries(part.rejectedByReason))
      rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + records;
    for (const [reason, list] of Object.entries(part.examplesByReason))
      examples[reason] = [...(examples[reason] ?? []), ...list];
  }
  // Reasons in the order one task gives them: most records first, then by name.
  const reasons = Object.keys(rejectedByReason).sort(
    (a, b) => (rejectedByReason[b] ?? 0) - (rejectedByReason[a] ?? 0) || (a < b ? -1 : a > b ? 1 : 0),
  );
  return {
    read: sum('read'),
    kept: sum('kept'),
    rejected: sum('rejected'),
    rejectedForRules: sum('rejectedForRules'),
    rejectedByReason: Object.fromEntries(reasons.map((r) => [r, rejectedByReason[r] as number])),
    examplesByReason: Object.fromEntries(
      reasons.map((r) => [r, (examples[r] ?? []).sort(byObjectAndRecord).slice(0, examplesPerReason)]),
    ),
  };
}

/**
 * The end of a sharded day: every merge part's counts added up and put through the same
 * conservation, quality and publish steps as a day loaded in one task; the parts' files are
 * copied (in the store, not through the task) under the run's fresh prefix, one data file per
 * part. A part or shard whose work is missing fails the publish by name.
 */
export async function publishShards(request: LoadRequest, ports: JobPorts): Promise<LoadSummary> {
  const day = dayOf(request);
  // A retry of a publish that got as far as its manifest (then the shard work went, and the task
  // failed on its way out): the day is published, and says so, rather than failing for want of work.
  const published = await ports.blobs.getText(manifestUri(ports.zones, day, request.runId));
  if (published !== undefined) {
    ports.log.info('already published by an earlier attempt of this run', { runId: request.runId, ...day });
    return JSON.parse(published) as LoadSummary;
  }
  const plan = await readPlan(request, ports);
  const summary = await withLoadContext(request, ports, async (context: LoadContext) => {
    const { pieces } = await readShardSummaries(request, plan, ports);
    const parts: ContractOutcome[] = [];
    for (let part = 0; part < plan.mergeParts; part++) {
      const uris = mergePartUris(ports.zones, day, request.runId, part);
      const text = await ports.blobs.getText(uris.summary);
      if (text === undefined) {
        throw new ShardWorkMissingError(
          `Merge part ${part} of ${day.source} ${day.dt} left no summary (${uris.summary}): it did not finish. ` +
            'Re-drive the execution to run it again. Nothing was published.',
        );
      }
      const { part: named, ...outcome } = readShardWork(mergePartSummarySchema, text, uris.summary);
      if (named !== part)
        throw new ShardWorkMissingError(`${uris.summary} is the summary of part ${named}, not ${part}.`);
      parts.push(outcome);
    }
    context.log.info('publish started', { parts: plan.mergeParts, shards: plan.shards.length });
    const objects = plan.objects.map((object, index) =>
      objectSummary(request.runId, object, pieces[index] ?? []),
    );
    const copyParts = (table: 'listings' | 'rejected') => async (location: string) => {
      for (let part = 0; part < plan.mergeParts; part++)
        await ports.blobs.copy(
          mergePartUris(ports.zones, day, request.runId, part)[table],
          runDataFile(location, part),
        );
    };
    return publishOutcome(context, objects, outcomeOfParts(parts), {
      listings: copyParts('listings'),
      rejected: copyParts('rejected'),
    });
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
