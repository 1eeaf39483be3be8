import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { type ShardPlan, shardPlanSchema } from '../../domain/ingest/shardPlan.ts';
import {
  type SourceDay,
  shardOutputUris,
  shardPlanUri,
  shardWorkPrefix,
} from '../../domain/lake/lakeLayout.ts';
import type { JobPorts } from '../jobPorts.ts';
import { ContractChecker } from './applyContract.ts';
import { ShardWorkMissingError } from './loaderErrors.ts';
import {
  type LoadRequest,
  type LoadSummary,
  publishDay,
  type RawObjectSummary,
  stageRawObjects,
  withLoadContext,
} from './loadPartition.ts';

/** What a shard leaves for the merge beside its checked rows: where each of its objects' bytes went. */
const shardSummarySchema = z.object({
  shard: z.number().int().nonnegative(),
  /** Its objects' summaries (a RawObjectSummary each), in the plan's order. */
  objects: z.array(z.custom<RawObjectSummary>((v) => typeof v === 'object' && v !== null)),
  /** False when its objects held no record: it wrote no checked rows. */
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
  return shardPlanSchema.parse(JSON.parse(text));
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
  const indexes = plan.shards[shard];
  if (!indexes) {
    throw new ShardWorkMissingError(
      `Shard ${shard} is not in the plan of ${request.source.name} ${request.date} (it has ${plan.shards.length}).`,
    );
  }
  return withLoadContext(request, ports, async ({ log, clock, progress, work }) => {
    log.info('shard started', { shard, objects: indexes.length, shards: plan.shards.length });
    const objects = indexes.map((index) => ({
      index,
      object: plan.objects[index] as ShardPlan['objects'][number],
    }));
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
      `${JSON.stringify({ shard, objects: staged.objects, checked })}\n`,
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
 * The end of a sharded day: every shard's checked rows, de-duplicated across shards and
 * written as the day's two tables, through the same conservation, quality and publish steps
 * as a day loaded in one task. A shard whose work is missing fails the merge by name.
 */
export async function mergeShards(request: LoadRequest, ports: JobPorts): Promise<LoadSummary> {
  const plan = await readPlan(request, ports);
  const day = dayOf(request);
  const summary = await withLoadContext(request, ports, async (context) => {
    const objects: RawObjectSummary[] = [];
    const checkedFiles: string[] = [];
    context.log.info('merge started', { shards: plan.shards.length, objects: plan.objects.length });
    for (const shard of plan.shards.keys()) {
      const out = shardOutputUris(ports.zones, day, request.runId, shard);
      const text = await ports.blobs.getText(out.summary);
      if (text === undefined) {
        throw new ShardWorkMissingError(
          `Shard ${shard} of ${day.source} ${day.dt} left no summary (${out.summary}): it did not finish. ` +
            'Re-drive the execution to run it again. Nothing was published.',
        );
      }
      const shardSummary = shardSummarySchema.parse(JSON.parse(text));
      // Work left by a shard of another plan of this run (the day re-planned after more objects
      // landed) would leave objects out in silence: its objects must be the plan's.
      const planned = (plan.shards[shard] ?? []).map((index) => plan.objects[index]?.uri);
      const found = shardSummary.objects.map((o) => o.uri);
      if (JSON.stringify(found) !== JSON.stringify(planned)) {
        throw new ShardWorkMissingError(
          `Shard ${shard} of ${day.source} ${day.dt} checked ${found.length} objects that are not the ${planned.length} ` +
            `its plan names (${out.summary}): the day was planned again since. Re-drive the execution. Nothing was published.`,
        );
      }
      objects.push(...shardSummary.objects);
      if (shardSummary.checked) {
        const local = join(context.work, `shard-${shard}.checked.parquet`);
        await pipeline(await ports.blobs.read(out.checked), createWriteStream(local));
        checkedFiles.push(local);
      }
    }
    context.clock.done('download');
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
