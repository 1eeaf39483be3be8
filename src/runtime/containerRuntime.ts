import type { z } from 'zod';
import type { DuckdbOptions } from '../adapters/duckdb/duckdbSession.ts';
import { JsonLogger } from '../adapters/jsonLogger.ts';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { failureReportUri } from '../domain/lake/lakeLayout.ts';
import type { FailedItem, FailureReport, TaskError } from '../domain/run/failureReport.ts';
import {
  type ContainerKind,
  containerLake,
  containerRunVariables,
  containerSettings,
} from '../domain/taskEnvironments/containerEnvironments.ts';
import type { Logger } from '../ports/logger.ts';
import { connectGlueLake, connectLake, type LakeConnection } from './lakeConnection.ts';

export class ContainerConfigurationError extends PipelineError {
  override readonly name = 'ContainerConfigurationError';
}

export type ContainerSettings = z.infer<typeof containerSettings>;
export type ContainerLakeSettings = z.infer<typeof containerLake>;
export type ContainerRunSettings<Kind extends ContainerKind> = z.infer<(typeof containerRunVariables)[Kind]>;

/** What a container's job gets: its per-run values, the lake, a logger, the work directory and DuckDB's limits. */
export interface ContainerContext<Kind extends ContainerKind> {
  readonly run: ContainerRunSettings<Kind>;
  readonly lake: LakeConnection;
  readonly log: Logger;
  readonly workDir: string;
  /** How often a long job logs its progress. */
  readonly progressIntervalMs: number;
  readonly duckdb: DuckdbOptions;
}

/** The lake a container's settings describe: a local directory, or S3 zones with Glue. */
export function containerLakeConnection(lake: ContainerLakeSettings): LakeConnection {
  if (lake.CATALOG === 'local') return connectLake(lake.LAKE, 'local');
  const zones = {
    raw: lake.LAKE_RAW,
    curated: lake.LAKE_CURATED,
    results: lake.LAKE_RESULTS,
    manifests: lake.LAKE_MANIFESTS,
    athenaResults: lake.LAKE_ATHENA_RESULTS,
  };
  return connectGlueLake(zones, lake.GLUE_DATABASE);
}

/** Every variable a container reads, parsed; ContainerConfigurationError names every problem. */
export function containerContext<Kind extends ContainerKind>(
  kind: Kind,
  component: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ContainerContext<Kind> {
  const settings = containerSettings.safeParse(env);
  const lake = containerLake.safeParse(env);
  const run = containerRunVariables[kind].safeParse(env);
  if (!settings.success || !lake.success || !run.success) {
    const issues = [settings, lake, run].flatMap((r) => r.error?.issues ?? []);
    throw new ContainerConfigurationError(
      `The ${component} container's environment is invalid: ${issues.map((i) => `${i.path.join('.') || '(lake)'}: ${i.message}`).join('; ')}.`,
    );
  }
  return containerContextOf(component, settings.data, lake.data, run.data as ContainerRunSettings<Kind>);
}

/** A container's context from its parsed settings: everything it reads of them is read here. */
export function containerContextOf<Kind extends ContainerKind>(
  component: string,
  settings: ContainerSettings,
  lake: ContainerLakeSettings,
  run: ContainerRunSettings<Kind>,
): ContainerContext<Kind> {
  return {
    run,
    lake: containerLakeConnection(lake),
    log: new JsonLogger(
      { component, environment: settings.ENVIRONMENT, runId: run.RUN_ID },
      undefined,
      settings.LOG_LEVEL,
    ),
    workDir: settings.WORK_DIR,
    progressIntervalMs: settings.PROGRESS_INTERVAL_SECONDS * 1000,
    duckdb: { memoryLimit: settings.DUCKDB_MEMORY_LIMIT, threads: settings.DUCKDB_THREADS },
  };
}

/** The item a container's run is for: its failure report is filed under it. */
export function failedItemOf<Kind extends ContainerKind>(
  kind: Kind,
  run: ContainerRunSettings<Kind>,
): FailedItem {
  const values = run as Record<string, string>;
  return kind === 'loader'
    ? { source: values.SOURCE as string, dt: run.RUN_DATE }
    : { useCase: values.USE_CASE as string, dt: run.RUN_DATE };
}

/**
 * Before it exits non-zero, a container files its error in the lake: ECS tells the state
 * machine only the exit code, so this is how the name, the message and the details (a
 * data-quality failure's top reasons and examples) reach the failure message.
 */
async function fileFailureReport<Kind extends ContainerKind>(
  kind: Kind,
  context: ContainerContext<Kind>,
  failure: TaskError,
): Promise<void> {
  const item = failedItemOf(kind, context.run);
  const report: FailureReport = {
    runId: context.run.RUN_ID,
    item,
    task: failure,
    executionId: null,
    stop: null,
    at: new Date().toISOString(),
  };
  await context.lake.blobs.putText(
    failureReportUri(context.lake.zones, item, context.run.RUN_ID),
    `${JSON.stringify(report, null, 2)}\n`,
  );
}

/**
 * A failure report left by an earlier attempt of this task is not this attempt's. A shard's or
 * a merge part's task leaves it alone: the report may be a sibling's, filed a moment before
 * (the publish runs alone, after every part, so it clears).
 */
async function clearFailureReport<Kind extends ContainerKind>(
  kind: Kind,
  context: ContainerContext<Kind>,
): Promise<void> {
  const run = context.run as Partial<ContainerRunSettings<'loader'>>;
  if (kind === 'loader' && (run.LOAD_STEP?.kind === 'shard' || run.LOAD_STEP?.kind === 'merge')) return;
  await context.lake.blobs.deletePrefix(
    failureReportUri(context.lake.zones, failedItemOf(kind, context.run), context.run.RUN_ID),
  );
}

/**
 * Runs a container's job with the contract every pipeline container shares: its environment
 * parsed first, JSON logs on stderr with the environment and run id, and the outcome as the
 * last stdout line — the summary on success; on failure a failure report in the lake,
 * `{ error, category, message }` on stdout and exit code 1.
 */
export function runContainer<Kind extends ContainerKind>(
  kind: Kind,
  component: string,
  job: (context: ContainerContext<Kind>) => Promise<Record<string, unknown>>,
): void {
  let context: ContainerContext<Kind> | undefined;
  const main = async (): Promise<void> => {
    context = containerContext(kind, component);
    await clearFailureReport(kind, context);
    const summary = await job(context);
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    context.log.info(`${component} finished`, { peakRssBytes });
    process.stdout.write(`${JSON.stringify({ ...summary, peakRssBytes })}\n`);
  };
  main().catch(async (error: unknown) => {
    const failure = error instanceof Error ? error : new Error(String(error));
    const taskError: TaskError = {
      error: failure.name,
      category: failure instanceof PipelineError ? failure.category : 'bug',
      message: failure.message,
      ...(failure instanceof PipelineError && failure.details ? { details: { ...failure.details } } : {}),
    };
    const log =
      context?.log ??
      new JsonLogger({ component, environment: process.env.ENVIRONMENT, runId: process.env.RUN_ID });
    log.error(`${component} failed`, {
      error: taskError.error,
      category: taskError.category,
      errorMessage: taskError.message,
    });
    if (context) {
      await fileFailureReport(kind, context, taskError).catch((reportError: unknown) =>
        log.error('could not file the failure report', { error: String(reportError) }),
      );
    }
    const { details: _, ...outcome } = taskError;
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
    process.exitCode = 1;
  });
}
