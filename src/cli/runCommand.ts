import { OutboxNotifier } from '../adapters/local/outboxNotifier.ts';
import { manifestUri } from '../domain/lake/lakeLayout.ts';
import type { Notification } from '../domain/notifications/notification.ts';
import { dayIn, partitionsOf, pipelineTimeZone, type RunArguments } from '../domain/run/runArguments.ts';
import { defaultSourceName } from '../domain/sources/registry.ts';
import { useCaseNamed } from '../domain/useCases/registry.ts';
import type { LoadSummary } from '../jobs/loader/loadPartition.ts';
import { landRawFiles } from '../landing/landRawFiles.ts';
import { localStateMachineDefinition } from '../orchestrator/localDefinition.ts';
import { runLocalExecution } from '../orchestrator/localStateMachine.ts';
import type { Logger } from '../ports/logger.ts';
import type { Notifier } from '../ports/notifier.ts';
import { type CatalogKind, connectLake } from '../runtime/lakeConnection.ts';
import { localPipelinePorts } from '../runtime/localRuntime.ts';
import { rerunCommandFor } from './rerunCommand.ts';
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
  readonly lake: string;
  readonly catalog: CatalogKind;
  readonly workDir: string;
  readonly duckdbMemoryLimit: string;
}

/** The environment whose synthesized state machine runs locally. */
export const localDefinitionEnvironment = 'dev';

/** Turns command-line options into the execution input a scheduler or a person would send. */
export function runArgumentsOf(options: RunOptions): RunArguments {
  return {
    ...(options.date ? { date: options.date } : {}),
    ...(options.from ? { from: options.from } : {}),
    ...(options.to ? { to: options.to } : {}),
    ...(options.sources ? { sources: [...options.sources] } : {}),
    ...(options.useCases ? { useCases: [...options.useCases] } : {}),
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
  const execution = await runLocalExecution(
    definition,
    { ...input },
    {
      lake,
      ports,
      workDir: options.workDir,
      duckdbMemoryLimit: options.duckdbMemoryLimit,
    },
  );
  const partitions: LoadSummary[] = [];
  for (const partition of execution.plan ? partitionsOf(execution.plan) : []) {
    const manifest = await lake.blobs.getText(
      manifestUri(lake.zones, partition, execution.plan?.runId ?? ''),
    );
    if (manifest) partitions.push(JSON.parse(manifest) as LoadSummary);
  }
  return {
    status: execution.status,
    runId: execution.plan?.runId ?? null,
    executionId: execution.executionId,
    lake: lake.root,
    input: { ...(execution.plan?.rerunInput ?? input) },
    totals: totalsOf(partitions),
    partitions,
    useCases: (execution.plan?.dates ?? []).flatMap((dt) =>
      (execution.plan?.useCases ?? []).map((name) => ({ name, dt, kind: useCaseNamed(name).kind })),
    ),
    states: execution.states,
    error: execution.error,
    caughtBy: execution.caughtBy,
    notification: notifier.last,
    durationMs: Math.round(performance.now() - started),
  };
}
