import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StagedFile } from '../../domain/cleaning/listingRules.ts';
import { PipelineError } from '../../domain/errors/pipelineError.ts';
import type { ByteAccount } from '../../domain/ingest/byteAccount.ts';
import { type ObjectPiece, pieceLines, pieceReadStart } from '../../domain/ingest/objectPiece.ts';
import { newStagingStats, stageRecords } from '../../domain/ingest/recordStager.ts';
import { manifestUri, rawPrefix, runDataFile, type SourceDay } from '../../domain/lake/lakeLayout.ts';
import { judgeQuality, type QualityRecord, refusalOf } from '../../domain/quality/dataQualityGate.ts';
import type { QualityOverride } from '../../domain/run/runArguments.ts';
import { recordsPathOf, type SourceContract } from '../../domain/sources/sourceContract.ts';
import { listingsRejectedTable, listingsTable } from '../../domain/tables/tableSchema.ts';
import type { BlobObject } from '../../ports/blobStore.ts';
import type { Logger } from '../../ports/logger.ts';
import { publishRun } from '../../publishing/publishRun.ts';
import type { JobPorts } from '../jobPorts.ts';
import { ProgressTicker } from '../progressTicker.ts';
import { openScratch, scratchDiskFull } from '../scratchSpace.ts';
import { ContractChecker, type ContractOutcome, type RejectedExample } from './applyContract.ts';
import { checkBytes, checkConservation } from './conservationChecks.ts';
import { dayRawObjects } from './dayRawObjects.ts';
import { DataQualityError, RawObjectReadError } from './loaderErrors.ts';
import { LoadProgress, PhaseClock, stageAfter } from './loadProgress.ts';
import { type ContentCount, newContentCount, rawObjectContent } from './rawObjectContent.ts';

export interface LoadRequest {
  readonly source: SourceContract;
  /** Run date: the `dt` partition, YYYY-MM-DD. */
  readonly date: string;
  readonly runId: string;
  /** This run's data-quality limit instead of the contract's, and why; absent or null: the contract's. */
  readonly quality?: QualityOverride | null;
}

export interface RawObjectSummary {
  readonly uri: string;
  readonly format: string;
  readonly compressed: boolean;
  /** Bytes of the object as stored (compressed when `compressed`). */
  readonly storedBytes: number;
  /** Zeros after the end of the gzip data, which gunzip skips (nothing else may follow it). */
  readonly gzipPaddingBytes: number;
  readonly records: number;
  /** Blank lines and empty array elements. */
  readonly blankLines: number;
  /** The content ended inside a record or before a closing bracket or quote. */
  readonly truncated: boolean;
  /** Records over the size limit, staged cut (and rejected as malformed). */
  readonly cutRecords: number;
  /** Records after the end of an array or string export (one per line). */
  readonly recordsAfterEnd: number;
  /** Where every byte of the content (after gunzip) went: read = bom + envelope + records + separators + whiteSpace. */
  readonly bytes: ByteAccount;
}

export interface LoadSummary {
  readonly runId: string;
  readonly source: string;
  readonly dt: string;
  readonly read: number;
  readonly kept: number;
  readonly rejected: number;
  /** Rejected records that failed at least one rule (duplicates not counted): what the data-quality gate weighs. */
  readonly rejectedForRules: number;
  readonly rejectedByReason: Record<string, number>;
  readonly examplesByReason: Record<string, RejectedExample[]>;
  /** Rejected for rules among read: the share the data-quality gate weighed. */
  readonly rejectedShare: number;
  /** The gate's verdict: the limit that applied, whose it was (and why a run set it), any warning. */
  readonly quality: QualityRecord;
  readonly objects: readonly RawObjectSummary[];
  readonly published: {
    readonly table: string;
    readonly location: string;
    readonly previous: string | null;
  }[];
  readonly manifest: string;
  readonly durationMs: number;
  /** Milliseconds per phase: where the time went. */
  readonly phasesMs: Record<string, number>;
}

/** Step 1: the day's raw objects. */
async function listRawObjects(ports: JobPorts, day: SourceDay, log: Logger): Promise<BlobObject[]> {
  const rawObjects = await dayRawObjects(ports, day);
  log.info('loader started', { rawObjects: rawObjects.length, rawPrefix: rawPrefix(ports.zones, day) });
  return rawObjects;
}

/** A raw object and its position in the day's listing (what checked rows carry as `object_index`). */
export interface IndexedObject {
  readonly index: number;
  readonly object: BlobObject;
  /** Only this piece of it (a large JSON Lines object cut at line starts); absent: all of it. */
  readonly piece?: ObjectPiece;
}

/** A piece's lines, counted like an object's content: as stored, as handed on (the same, uncompressed). */
async function* pieceContent(
  stream: Readable,
  piece: ObjectPiece,
  count: ContentCount,
): AsyncGenerator<Buffer> {
  const read = { ended: false };
  for await (const chunk of pieceLines(stream, piece, read)) {
    count.storedBytes += chunk.length;
    count.contentBytes += chunk.length;
    yield chunk;
  }
  count.ended = read.ended;
}

/** The content of an object, or of the piece of it that is to be staged. */
async function contentOf(
  ports: JobPorts,
  raw: IndexedObject,
  count: ContentCount,
): Promise<AsyncIterable<Buffer>> {
  const { object, piece } = raw;
  if (piece === undefined) return rawObjectContent(await ports.blobs.read(object.uri), count, object.uri);
  return pieceContent(await ports.blobs.readFrom(object.uri, pieceReadStart(piece)), piece, count);
}

export interface StagedObjects {
  readonly objects: RawObjectSummary[];
  readonly stagedFiles: StagedFile[];
}

/**
 * Step 2: every raw object to local disk, one record per line, whatever its format; every
 * byte of it accounted for (checkBytes).
 */
export async function stageRawObjects(
  request: LoadRequest,
  ports: JobPorts,
  rawObjects: readonly IndexedObject[],
  work: string,
  log: Logger,
  progress: LoadProgress,
): Promise<StagedObjects> {
  const objects: RawObjectSummary[] = [];
  const stagedFiles: StagedFile[] = [];
  for (const raw of rawObjects) {
    const { index, object, piece } = raw;
    const stats = newStagingStats();
    const content = newContentCount();
    progress.staging = stats;
    const path = join(work, `staged-${index}.txt`);
    try {
      await pipeline(
        stageRecords(await contentOf(ports, raw, content), stats, object.uri, {
          recordsPath: recordsPathOf(request.source),
          piece: piece === undefined ? undefined : piece.start === 0 ? 'first' : 'later',
        }),
        createWriteStream(path),
      );
    } catch (error) {
      // The stager's own verdicts and the services' named errors keep their names; a full
      // scratch disk is the machine's problem; anything else is the object failing to read.
      if (error instanceof PipelineError) throw error;
      throw (
        scratchDiskFull(error, work) ??
        new RawObjectReadError(
          `Could not read raw object ${object.uri}: ${(error as Error).message}. ` +
            'The file is damaged (a truncated or corrupt gzip, say): replace it in the raw zone and re-run this date. ' +
            'Nothing was published.',
          { cause: error },
        )
      );
    }
    const summary: RawObjectSummary = {
      uri: object.uri,
      compressed: content.compressed,
      storedBytes: content.storedBytes,
      gzipPaddingBytes: content.gzipPaddingBytes,
      ...stats,
    };
    checkBytes(request.runId, summary, content);
    progress.staged(stats);
    objects.push(summary);
    if (stats.records > 0) stagedFiles.push({ path, objectIndex: index });
    log.info('raw object staged', { object: object.uri, ...piece, ...stats });
  }
  return { objects, stagedFiles };
}

/** Step 3 in one task: the staged files checked, then de-duplicated and written. */
const checkStaged =
  (staged: StagedObjects) =>
  (checker: ContractChecker): void => {
    // (Checking each object while the next one stages measured slower on 2 vCPUs: DuckDB
    // already uses both.)
    if (staged.stagedFiles.length > 0) checker.check(staged.stagedFiles);
  };

/** Where applyContract writes both tables in a task's scratch folder. */
export interface ContractFiles {
  readonly work: string;
  readonly listings: string;
  readonly rejected: string;
}

export const contractFiles = (work: string): ContractFiles => ({
  work,
  listings: join(work, 'listings.parquet'),
  rejected: join(work, 'listings_rejected.parquet'),
});

/**
 * Step 3: the contract in DuckDB, both tables written as local zstd Parquet. `feed` gives the
 * checker its rows: staged files to check, or files other tasks checked (a sharded day).
 */
export async function applyContract(
  request: LoadRequest,
  ports: JobPorts,
  feed: (checker: ContractChecker) => void,
  objectNames: readonly string[],
  files: ContractFiles,
  clock: PhaseClock,
  progress: LoadProgress,
): Promise<ContractOutcome> {
  const checker = await ContractChecker.open({
    source: request.source,
    runId: request.runId,
    workDir: files.work,
    ...(ports.duckdb ? { duckdb: ports.duckdb } : {}),
    trackProgress: ports.progressIntervalMs !== undefined,
    onPhase: (phase) => {
      clock.done(phase);
      progress.stage = stageAfter(phase, progress.stage);
    },
  });
  progress.checker = checker;
  progress.stage = 'checking';
  try {
    feed(checker);
    return await checker.finish(files.listings, files.rejected, objectNames);
  } finally {
    await checker.close();
  }
}

/**
 * Step 5: the data-quality gate; above the limit (the run's, or else the contract's) nothing is
 * published. Above the contract's warn level the day publishes, and says so.
 */
function checkQuality(
  request: LoadRequest,
  day: SourceDay,
  outcome: ContractOutcome,
  log: Logger,
): QualityRecord {
  const verdict = judgeQuality(request.source, outcome, request.quality ?? null);
  if (verdict.status === 'refused') {
    const { message, details } = refusalOf(request.source, day.dt, outcome, verdict);
    throw new DataQualityError(message, { details });
  }
  if (verdict.status === 'warned') {
    log.warn('data quality below the warn level; publishing', {
      rejectedShare: verdict.record.rejectedShare,
      warnAt: verdict.record.warnAt,
      shareByReason: verdict.record.shareByReason,
    });
  }
  return verdict.record;
}

/** What the last steps of a load work with, in one task or in the merge of a sharded day. */
export interface LoadContext {
  readonly request: LoadRequest;
  readonly ports: JobPorts;
  readonly day: SourceDay;
  readonly log: Logger;
  readonly clock: PhaseClock;
  readonly progress: LoadProgress;
  readonly work: string;
}

/** How a load's two tables get under their fresh run prefix: uploaded by this task, or copied from the merge's parts. */
export interface TableWrites {
  readonly listings: (location: string) => Promise<void>;
  readonly rejected: (location: string) => Promise<void>;
}

/**
 * Steps 3–6, once the day's rows are staged or checked: apply the contract (de-duplication
 * across everything checked), then publishOutcome.
 */
export async function publishDay(
  context: LoadContext,
  objects: readonly RawObjectSummary[],
  feed: (checker: ContractChecker) => void,
): Promise<LoadSummary> {
  const { request, ports, clock, progress, work } = context;
  const files = contractFiles(work);
  const objectNames = objects.map((o) => o.uri);
  const outcome = await applyContract(request, ports, feed, objectNames, files, clock, progress);
  const upload = (local: string) => (location: string) => ports.blobs.upload(local, runDataFile(location));
  return publishOutcome(context, objects, outcome, {
    listings: upload(files.listings),
    rejected: upload(files.rejected),
  });
}

/**
 * Steps 4–6, once both tables are written: check conservation and data quality, publish both
 * tables (the one publish step: fresh run prefix, catalog switch, superseded runs removed),
 * write the run manifest. Until the switch, readers keep seeing the previous partition.
 */
export async function publishOutcome(
  context: LoadContext,
  objects: readonly RawObjectSummary[],
  outcome: ContractOutcome,
  writes: TableWrites,
): Promise<LoadSummary> {
  const { request, ports, day, log, clock, progress } = context;
  const read = checkConservation(request.runId, day, objects, outcome);
  const { kept, rejected, rejectedForRules, rejectedByReason, examplesByReason } = outcome;
  log.info('contract applied', { read, kept, rejected, rejectedForRules, rejectedByReason });
  const quality = checkQuality(request, day, outcome, log);

  progress.stage = 'publishing';
  const published = await publishRun({ ...ports, log }, request.runId, [
    { table: listingsTable, values: day, write: writes.listings },
    { table: listingsRejectedTable, values: day, write: writes.rejected },
  ]);
  clock.done('publish');

  const manifest = manifestUri(ports.zones, day, request.runId);
  const summary: LoadSummary = {
    runId: request.runId,
    source: day.source,
    dt: day.dt,
    read,
    kept,
    rejected,
    rejectedForRules,
    rejectedByReason,
    examplesByReason,
    rejectedShare: quality.rejectedShare,
    quality,
    objects: [...objects],
    published: published.map((p) => ({
      table: p.table.name,
      location: p.location,
      previous: p.previous ?? null,
    })),
    manifest,
    durationMs: Math.round(performance.now() - clock.started),
    phasesMs: clock.phasesMs,
  };
  await ports.blobs.putText(manifest, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/**
 * Runs a step of a load with what every step shares: the day's logger and phase clock,
 * progress lines, a scratch folder removed at the end, failures logged.
 */
export async function withLoadContext<T>(
  request: LoadRequest,
  ports: JobPorts,
  step: (context: LoadContext) => Promise<T>,
): Promise<T> {
  const day: SourceDay = { source: request.source.name, dt: request.date };
  const log = ports.log.child({ runId: request.runId, source: day.source, dt: day.dt });
  const clock = new PhaseClock(log);
  const progress = new LoadProgress();
  const ticker =
    ports.progressIntervalMs === undefined
      ? undefined
      : new ProgressTicker(log, ports.progressIntervalMs, () => progress.sample());
  let work: string | undefined;
  try {
    work = await openScratch(ports.workDir, 'load', request.runId, log);
    ticker?.start();
    return await step({ request, ports, day, log, clock, progress, work });
  } catch (error) {
    log.error('loader failed', { error: (error as Error).name, errorMessage: (error as Error).message });
    throw error;
  } finally {
    ticker?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }
}

/**
 * Loads one partition (a source and a day) in one task, in named steps: list the raw objects,
 * stage them, then apply the contract and publish (publishDay).
 */
export async function loadPartition(request: LoadRequest, ports: JobPorts): Promise<LoadSummary> {
  const day: SourceDay = { source: request.source.name, dt: request.date };
  const rawObjects = await listRawObjects(
    ports,
    day,
    ports.log.child({ runId: request.runId, source: day.source, dt: day.dt }),
  );
  return withLoadContext(request, ports, async (context) => {
    const indexed = rawObjects.map((object, index) => ({ index, object }));
    const staged = await stageRawObjects(
      request,
      ports,
      indexed,
      context.work,
      context.log,
      context.progress,
    );
    context.clock.done('stage');
    return publishDay(context, staged.objects, checkStaged(staged));
  });
}
