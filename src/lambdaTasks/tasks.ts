import { z } from 'zod';
import { InternalError, PipelineError } from '../domain/errors/pipelineError.ts';
import { manifestUri, tableLocation } from '../domain/lake/lakeLayout.ts';
import {
  failureNotification,
  type PartitionReport,
  type RunReport,
  successNotification,
} from '../domain/notifications/notifications.ts';
import { type PipelinePlan, planPipeline } from '../domain/run/pipelinePlan.ts';
import { sources } from '../domain/sources/registry.ts';
import { useCaseNamed } from '../domain/useCases/registry.ts';
import { removeSupersededRuns } from '../publishing/supersededRuns.ts';
import { readUseCaseSql } from '../runtime/useCaseSqlFiles.ts';
import type { PipelineDeps } from './taskPorts.ts';

/**
 * The pipeline's Lambda tasks, once: the Lambda handlers and the local orchestrator both call
 * these, with AWS or local adapters. Each validates its event at the edge.
 */

export const parseArgsEvent = z.object({
  input: z.unknown(),
  executionStartTime: z.string(),
  executionId: z.string(),
});

export function parseArgsTask(event: unknown, deps: PipelineDeps): PipelinePlan {
  const { input, executionStartTime } = parseArgsEvent.parse(event);
  const plan = planPipeline(
    input,
    {
      environment: deps.environment,
      executionStartTime,
      timeZone: deps.timeZone,
      knownSources: sources.map((s) => s.name),
      maxDays: deps.maxDays,
    },
    deps.zones,
    (useCase) => readUseCaseSql(useCase),
  );
  deps.log.info('run planned', { runId: plan.runId, dates: plan.dates, useCases: plan.useCaseNames });
  return plan;
}

const useCaseStepEvent = z.object({
  kind: z.literal('sql'),
  name: z.string(),
  table: z.string(),
  dt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  runId: z.string(),
  select: z.string(),
  outputPrefix: z.string(),
});

/** Points the use case's result partition at what RunSqlUseCase just wrote. */
export async function publishUseCaseTask(event: unknown, deps: PipelineDeps): Promise<{ published: string }> {
  const step = useCaseStepEvent.parse(event);
  const useCase = useCaseNamed(step.name);
  if (useCase.kind !== 'sql')
    throw new InternalError(`${step.name} is not a SQL use case: it publishes its own tables.`);
  const { table } = useCase;
  const values = { dt: step.dt };
  await deps.catalog.ensureTable(table, tableLocation(deps.zones, table));
  const [previous] = await deps.catalog.publish([{ table, values, location: step.outputPrefix }]);
  await removeSupersededRuns(
    { blobs: deps.blobs, zones: deps.zones, log: deps.log },
    [{ table, values, previous }],
    step.runId,
  );
  deps.log.info('use case published', {
    runId: step.runId,
    useCase: step.name,
    dt: step.dt,
    location: step.outputPrefix,
  });
  return { published: step.outputPrefix };
}

export class ManifestMissingError extends PipelineError {
  override readonly name = 'ManifestMissingError';
}

const summarizeEvent = z.object({
  plan: z.object({
    runId: z.string(),
    partitions: z.array(z.object({ source: z.string(), dt: z.string() })),
    useCaseNames: z.array(z.string()),
  }),
  executionId: z.string(),
});

const manifestSchema = z.object({
  source: z.string(),
  dt: z.string(),
  read: z.number(),
  kept: z.number(),
  rejected: z.number(),
  rejectedByReason: z.record(z.string(), z.number()),
  durationMs: z.number(),
});

/** Reads every partition's manifest, tells people the run succeeded, returns the report. */
export async function summarizeTask(event: unknown, deps: PipelineDeps): Promise<RunReport> {
  const { plan, executionId } = summarizeEvent.parse(event);
  const partitions: PartitionReport[] = [];
  for (const partition of plan.partitions) {
    const uri = manifestUri(deps.zones, partition, plan.runId);
    const text = await deps.blobs.getText(uri);
    if (text === undefined) {
      throw new ManifestMissingError(
        `No manifest at ${uri}: the loader did not finish ${partition.source}/${partition.dt}.`,
      );
    }
    const manifest = manifestSchema.parse(JSON.parse(text));
    partitions.push({
      source: manifest.source,
      dt: manifest.dt,
      read: manifest.read,
      kept: manifest.kept,
      rejected: manifest.rejected,
      rejectedByReason: manifest.rejectedByReason,
      durationMs: manifest.durationMs,
    });
  }
  const report: RunReport = {
    runId: plan.runId,
    environment: deps.environment,
    executionId,
    partitions,
    useCases: plan.useCaseNames,
    totals: {
      read: partitions.reduce((s, p) => s + p.read, 0),
      kept: partitions.reduce((s, p) => s + p.kept, 0),
      rejected: partitions.reduce((s, p) => s + p.rejected, 0),
    },
  };
  const messageId = await deps.notifier.publish(successNotification(report, deps.region));
  deps.log.info('run succeeded', { runId: plan.runId, ...report.totals, messageId });
  return report;
}

const notifyFailureEvent = z.object({
  state: z.record(z.string(), z.unknown()),
  executionId: z.string(),
  executionStartTime: z.string(),
  stateMachineName: z.string(),
});

/** Tells people the run failed: where, why, what was involved and how to re-run. */
export async function notifyFailureTask(event: unknown, deps: PipelineDeps): Promise<{ messageId: string }> {
  const parsed = notifyFailureEvent.parse(event);
  const notification = failureNotification({ ...parsed, environment: deps.environment, region: deps.region });
  const messageId = await deps.notifier.publish(notification);
  deps.log.error('run failed', { subject: notification.subject, messageId });
  return { messageId };
}
