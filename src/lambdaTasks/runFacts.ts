import { z } from 'zod';
import { failureReportUri, type LakeZones, manifestUri } from '../domain/lake/lakeLayout.ts';
import { qualityRecordSchema } from '../domain/quality/dataQualityGate.ts';
import { type FailureReport, failureReportSchema } from '../domain/run/failureReport.ts';
import type { ManifestFacts, PartitionFacts } from '../domain/run/outcomes.ts';
import { partitionsOf, type RunPlan } from '../domain/run/runArguments.ts';
import type { BlobStore } from '../ports/blobStore.ts';

/** What the outcome steps read of the lake: manifests and failure reports. */
export interface RunFactsPorts {
  readonly zones: Pick<LakeZones, 'manifests'>;
  readonly blobs: BlobStore;
}

/** What a partition's manifest holds that outcomes use (the loader writes more). */
export const manifestSchema = z.object({
  source: z.string(),
  dt: z.string(),
  read: z.number(),
  kept: z.number(),
  rejected: z.number(),
  /** Absent from manifests written before the loader counted it. */
  rejectedForRules: z.number().optional(),
  rejectedByReason: z.record(z.string(), z.number()),
  durationMs: z.number(),
  quality: qualityRecordSchema.optional(),
});

/** Reads in parallel, a bounded number at a time: a year of days is a few thousand small objects. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  read: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await read(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const parallelReads = 16;

async function readManifest(ports: RunFactsPorts, uri: string): Promise<ManifestFacts | null> {
  const text = await ports.blobs.getText(uri);
  return text === undefined ? null : manifestSchema.parse(JSON.parse(text));
}

/** A failure report, if there is one; a report from another execution of the run does not count. */
export async function readFailureReport(
  ports: RunFactsPorts,
  uri: string,
  executionId?: string,
): Promise<FailureReport | null> {
  const text = await ports.blobs.getText(uri);
  if (text === undefined) return null;
  const report = failureReportSchema.parse(JSON.parse(text));
  return executionId === undefined || report.executionId === executionId ? report : null;
}

/** Every planned partition's manifest and this execution's failure report of it. */
export function partitionFactsOf(
  ports: RunFactsPorts,
  plan: Pick<RunPlan, 'runId' | 'dates' | 'sources'>,
  executionId: string,
): Promise<PartitionFacts[]> {
  return mapBounded(partitionsOf(plan), parallelReads, async (day) => ({
    ...day,
    manifest: await readManifest(ports, manifestUri(ports.zones, day, plan.runId)),
    failure: await readFailureReport(ports, failureReportUri(ports.zones, day, plan.runId), executionId),
  }));
}

/** This execution's failure reports of use cases, by `<useCase>/<dt>`. */
export async function useCaseFailuresOf(
  ports: RunFactsPorts,
  plan: Pick<RunPlan, 'runId' | 'dates' | 'useCases'>,
  executionId: string,
): Promise<Map<string, FailureReport>> {
  const items = plan.dates.flatMap((dt) => plan.useCases.map((useCase) => ({ useCase, dt })));
  const reports = await mapBounded(items, parallelReads, (item) =>
    readFailureReport(ports, failureReportUri(ports.zones, item, plan.runId), executionId),
  );
  return new Map(
    items.flatMap((item, i) => {
      const report = reports[i];
      return report ? [[`${item.useCase}/${item.dt}`, report] as const] : [];
    }),
  );
}
