import { z } from 'zod';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { type LakeZones, manifestUri } from '../domain/lake/lakeLayout.ts';
import {
  type PartitionReport,
  type RunReport,
  successNotification,
} from '../domain/notifications/notifications.ts';
import { partitionsOf } from '../domain/run/runArguments.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Logger } from '../ports/logger.ts';
import type { Notifier } from '../ports/notifier.ts';
import { parseTaskEvent } from './taskEvent.ts';

export interface SummarizePorts {
  readonly environment: string;
  /** For console links. */
  readonly region: string;
  readonly zones: Pick<LakeZones, 'manifests'>;
  readonly blobs: BlobStore;
  readonly notifier: Notifier;
  readonly log: Logger;
}

export class ManifestMissingError extends PipelineError {
  override readonly name = 'ManifestMissingError';
}

const summarizeEvent = z.object({
  plan: z.object({
    runId: z.string(),
    dates: z.array(z.string()),
    sources: z.array(z.string()),
    useCases: z.array(z.string()),
  }),
  executionId: z.string(),
});

/** What Summarize needs of a partition's manifest. */
export const manifestSchema = z.object({
  source: z.string(),
  dt: z.string(),
  read: z.number(),
  kept: z.number(),
  rejected: z.number(),
  rejectedByReason: z.record(z.string(), z.number()),
  durationMs: z.number(),
});

/** Summarize: reads every partition's manifest, tells people the run succeeded, returns the report. */
export async function summarizeTask(event: unknown, ports: SummarizePorts): Promise<RunReport> {
  const { plan, executionId } = parseTaskEvent('Summarize', summarizeEvent, event);
  const partitions: PartitionReport[] = [];
  for (const partition of partitionsOf(plan)) {
    const uri = manifestUri(ports.zones, partition, plan.runId);
    const text = await ports.blobs.getText(uri);
    if (text === undefined) {
      throw new ManifestMissingError(
        `No manifest at ${uri}: the loader did not finish ${partition.source}/${partition.dt}.`,
      );
    }
    const { source, dt, read, kept, rejected, rejectedByReason, durationMs } = manifestSchema.parse(
      JSON.parse(text),
    );
    partitions.push({ source, dt, read, kept, rejected, rejectedByReason, durationMs });
  }
  const report: RunReport = {
    runId: plan.runId,
    environment: ports.environment,
    executionId,
    partitions,
    useCases: plan.useCases,
    totals: {
      read: partitions.reduce((s, p) => s + p.read, 0),
      kept: partitions.reduce((s, p) => s + p.kept, 0),
      rejected: partitions.reduce((s, p) => s + p.rejected, 0),
    },
  };
  const messageId = await ports.notifier.publish(successNotification(report, ports.region));
  ports.log.info('run succeeded', { runId: plan.runId, ...report.totals, messageId });
  return report;
}
