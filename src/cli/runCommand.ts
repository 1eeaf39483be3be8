import { join } from 'node:path';
import { OutboxNotifier } from '../adapters/local/outboxNotifier.ts';
import { manifestUri, runReportUri } from '../domain/lake/lakeLayout.ts';
import type { Notification } from '../domain/notifications/notification.ts';
import { qualityNotesOf } from '../domain/quality/qualityNotes.ts';
import {
  dayIn,
  daysArguments,
  partitionsOf,
  pipelineTimeZone,
  type QualityOverride,
  type RunArguments,
  type RunPlan,
  runArgumentsSchema,
} from '../domain/run/runArguments.ts';
import { type PartitionOutcome, runOutcomeSchema, type UseCaseOutcome } from '../domain/run/runOutcome.ts';
import type { TaskProgress } from '../domain/run/taskProgress.ts';
import { defaultSourceName } from '../domain/sources/registry.ts';
import { useCaseNamed } from '../domain/useCases/registry.ts';
import type { LoadSummary } from '../jobs/loader/loadPartition.ts';
import { landRawFiles } from '../landing/landRawFiles.ts';
import { localStateMachineDefinition } from '../orchestrator/localDefinition.ts';
import { type LocalExecutionResult, runLocalExecution } from '../orchestrator/localStateMachine.ts';
import type { Logger } from '../ports/logger.ts';
import type { Notifier } from '../ports/notifier.ts';
import { type CatalogKind, connectLake, type LakeConnection } from '../runtime/lakeConnection.ts';
import { localPipelinePorts } from '../runtime/localRuntime.ts';
import { redriveCommandFor, rerunCommandFor } from './rerunCommand.ts';
import { type RunSummary, totalsOf } from './runSummary.ts';
import { UsageError } from './usageError.ts';

export interface RunOptions {
  readonly inputs: readonly string[];
  readonly date?: string;
  readonly from?: string;
  readonly to?: string;
  /** Absent: every known source. --input files land under the first (runOptions allows one then). */
  readonly sources?: readonly string[];
  /** Absent: every registered use case; empty: none. */
  readonly useCases?: readonly string[];
  /** This run's data-quality limit and why; absent: each source contract's. */
  readonly quality?: QualityOverride;
  readonly lake: string;
  readonly catalog: CatalogKind;
  readonly workDir: string;
  readonly duckdbMemoryLimit: string;
  /** A day above this many MiB of raw objects is loaded in shards (default: dev's). */
  readonly shardMaxMiB?: number;
  /** A sharded day above this many MiB of raw objects is merged in parts (default: dev's). */
  readonly mergePartMaxMiB?: number;
  /** Days one execution plans at most (default: what Step Functions' history allows); tests make parts small. */
  readonly maxDaysPerExecution?: number;
  /** The execution input as it is (a re-drive's days, run id and lineage) instead of the options' days. */
  readonly input?: RunArguments;
  /** Where running tasks report progress (the CLI's live lines). */
  readonly onProgress?: (progress: TaskProgress) => void;
}

/** The environment whose synthesized state machine runs locally. */
export const localDefinitionEnvironment = 'dev';

/** Turns command-line options into the execution input a scheduler or a person would send. */
export function runArgumentsOf(options: RunOptions): RunArguments {
  if (options.input) return { ...options.input };
  return {
    ...(options.date ? { date: options.date } : {}),
    ...(options.from ? { from: options.from } : {}),
    ...(options.to ? { to: options.to } : {}),
    ...(options.sources ? { sources: [...options.sources] } : {}),
    ...(options.useCases ? { useCases: [...options.useCases] } : {}),
    ...(options.quality ? { quality: { ...options.quality } } : {}),
  };
}

/** Keeps the last notification sent, for the run summary. */
class RecordingNotifier implements Notifier {
  last: Notification | null = null;
  constructor(private readonly inner: Notifier) {}
  async publish(notification: Notification): Promise<string> {
    this.last = notification;
    return this.inner.publish(notification);
  }
}

/**
 * `etl run`: lands --input files in the raw zone for the day, then runs the synthesized
 * state machine locally (src/orchestrator), exactly as Step Functions runs it in AWS.
 */
export async function runPipeline(options: RunOptions, log: Logger): Promise<RunSummary> {
  const started = performance.now();
  const input = runArgumentsOf(options);
  if (options.inputs.length > 0 && (options.from || options.to)) {
    throw new UsageError('--input lands files for one day: give --date YYYY-MM-DD (not --from/--to).');
  }
  const lake = connectLake(options.lake, options.catalog);
  const notifier = new RecordingNotifier(new OutboxNotifier(lake.blobs, lake.root, log));
  const ports = localPipelinePorts(lake, {
    environment: 'local',
    timeZone: pipelineTimeZone,
    notifier,
    rerunCommand: (rerunInput) =>
      rerunCommandFor(rerunInput, { options, lake: options.lake, defaultCatalog: options.catalog }),
    redriveCommand: (executionId) => redriveCommandFor(executionId, options.lake),
    ...(options.maxDaysPerExecution ? { maxDaysPerExecution: options.maxDaysPerExecution } : {}),
    ...(options.shardMaxMiB ? { shardMaxBytes: options.shardMaxMiB * 1024 * 1024 } : {}),
    ...(options.mergePartMaxMiB ? { mergePartMaxBytes: options.mergePartMaxMiB * 1024 * 1024 } : {}),
    // the SQL use cases under the run's memory limit too, spilling to its scratch space
    duckdb: { memoryLimit: options.duckdbMemoryLimit, tempDirectory: join(options.workDir, 'sql-spill') },
    log,
  });
  if (options.inputs.length > 0) {
    // Landing is not a state of the pipeline: files arrive in raw/, then an execution starts.
    const dt = options.date ?? dayIn(new Date().toISOString(), pipelineTimeZone);
    const source = options.sources?.[0] ?? defaultSourceName;
    await landRawFiles(options.inputs, { source, dt }, { blobs: lake.blobs, zones: lake.zones, log });
    if (!options.date) Object.assign(input, { date: dt });
  }
  const definition = await localStateMachineDefinition(localDefinitionEnvironment);
  const options_ = {
    lake,
    ports,
    workDir: options.workDir,
    duckdbMemoryLimit: options.duckdbMemoryLimit,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  // A range longer than one execution holds runs as parts: each starts the next when done.
  const executions: LocalExecutionResult[] = [];
  let part: { input: Record<string, unknown>; executionArn?: string } | null = { input: { ...input } };
  while (part) {
    if (executions.length > 0) log.info(`Next part of the range: ${describeInput(part.input)}`);
    const execution = await runLocalExecution(definition, part.input as never, options_, part.executionArn);
    executions.push(execution);
    part = execution.nextPart
      ? {
          input: execution.nextPart.input as Record<string, unknown>,
          executionArn: execution.nextPart.executionArn,
        }
      : null;
  }
  const first = executions[0] as LocalExecutionResult;
  const plans = executions.flatMap((e) => (e.plan ? [e.plan] : []));
  const partitions: LoadSummary[] = [];
  for (const plan of plans) {
    for (const partition of partitionsOf(plan)) {
      const manifest = await lake.blobs.getText(manifestUri(lake.zones, partition, plan.runId));
      if (manifest) partitions.push(JSON.parse(manifest) as LoadSummary);
    }
  }
  const outcomes = await outcomesOf(lake, executions);
  const failedExecution = executions.find((e) => e.status === 'FAILED');
  return {
    status: failedExecution ? 'FAILED' : 'SUCCEEDED',
    runId: first.plan?.runId ?? null,
    executionId: first.executionId,
    executions: executions.map((e) => e.executionId),
    lake: lake.root,
    input: { ...(first.plan ? { ...first.plan.rerunInput, ...rangeOf(plans) } : input) },
    totals: totalsOf(partitions),
    partitions,
    quality: { override: first.plan?.quality ?? input.quality ?? null, ...qualityNotesOf(partitions) },
    outcomes,
    useCases: plans.flatMap((plan) =>
      plan.dates.flatMap((dt) => plan.useCases.map((name) => ({ name, dt, kind: useCaseNamed(name).kind }))),
    ),
    states: executions.flatMap((e) => e.states),
    stateDurations: executions.flatMap((e) => e.stateDurations),
    error: failedExecution?.error ?? null,
    caughtBy: failedExecution?.caughtBy ?? null,
    redriveCommand: failedExecution ? redriveCommandFor(failedExecution.executionId, options.lake) : null,
    notification: notifier.last,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The days of all parts together, as one input names them. */
function rangeOf(plans: readonly RunPlan[]): RunArguments {
  const days = plans.flatMap((p) => p.dates);
  return days.length > 0 ? daysArguments([...days].sort()) : {};
}

function describeInput(input: Record<string, unknown>): string {
  const parsed = runArgumentsSchema.safeParse(input);
  if (!parsed.success) return JSON.stringify(input);
  const { from, to, date, dates } = parsed.data;
  return from && to ? `${from} to ${to}` : (date ?? `${dates?.length ?? 0} days`);
}

/** What Summarize filed for each execution: the outcome of every partition and use case. */
async function outcomesOf(
  lake: LakeConnection,
  executions: readonly LocalExecutionResult[],
): Promise<RunSummary['outcomes']> {
  const partitions: PartitionOutcome[] = [];
  const useCases: UseCaseOutcome[] = [];
  for (const execution of executions) {
    if (!execution.plan) continue;
    const name = execution.executionId.split(':').at(-1) as string;
    const text = await lake.blobs.getText(runReportUri(lake.zones, execution.plan.runId, name));
    if (!text) continue;
    const report = runOutcomeSchema.parse(JSON.parse(text));
    partitions.push(...report.partitions);
    useCases.push(...report.useCases);
  }
  return { partitions, useCases };
}
