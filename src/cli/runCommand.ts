import { type CatalogKind, connectLake } from '../adapters/lakeAdapters.ts';
import { planRun, type RunArguments, type RunPlan } from '../domain/run/runArguments.ts';
import { sourceNamed, sources } from '../domain/sources/registry.ts';
import { landRawFiles } from '../loader/landRawFiles.ts';
import { type LoadSummary, loadPartition } from '../loader/loadPartition.ts';
import type { Logger } from '../ports/logger.ts';
import { type RunSummary, totalsOf } from './runSummary.ts';
import { UsageError } from './usageError.ts';

export interface RunOptions {
  readonly inputs: readonly string[];
  readonly date?: string;
  readonly from?: string;
  readonly to?: string;
  readonly source?: string;
  readonly lake: string;
  readonly catalog: CatalogKind;
  readonly workDir: string;
  readonly duckdbMemoryLimit: string;
}

/** The local pipeline's settings: the day of a run without --date is today in this zone. */
export const localTimeZone = 'Europe/Zurich';
export const localMaxDays = 366;

/** Turns command-line options into the execution input a scheduler or a person would send. */
export function runArgumentsOf(options: RunOptions): RunArguments {
  return {
    ...(options.date ? { date: options.date } : {}),
    ...(options.from ? { from: options.from } : {}),
    ...(options.to ? { to: options.to } : {}),
    ...(options.source ? { sources: [options.source] } : {}),
  };
}

/**
 * `etl run`: lands --input files in the raw zone for the day, then loads every planned
 * partition, stopping at the first failure (as the state machine's Map does).
 */
export async function runPipeline(options: RunOptions, log: Logger): Promise<RunSummary> {
  const started = performance.now();
  const input = runArgumentsOf(options);
  const lake = connectLake(options.lake, options.catalog);
  const states: string[] = [];
  const partitions: LoadSummary[] = [];
  let plan: RunPlan | undefined;
  const summary = (status: RunSummary['status'], error: RunSummary['error']): RunSummary => ({
    status,
    runId: plan?.runId ?? null,
    lake: lake.root,
    input: { ...(plan?.rerunInput ?? input) },
    totals: totalsOf(partitions),
    partitions,
    states,
    error,
    durationMs: Math.round(performance.now() - started),
  });
  try {
    states.push('ParseArgs');
    plan = planRun(input, {
      environment: 'local',
      executionStartTime: new Date().toISOString(),
      timeZone: localTimeZone,
      knownSources: sources.map((s) => s.name),
      knownUseCases: [],
      maxDays: localMaxDays,
    });
    if (options.inputs.length > 0 && plan.dates.length !== 1) {
      throw new UsageError('--input lands files for one day: give --date YYYY-MM-DD (not --from/--to).');
    }
    log.info(`Run ${plan.runId}: ${plan.partitions.length} partition(s) in ${lake.root}`);
    if (options.inputs.length > 0) {
      const [dt] = plan.dates as [string];
      for (const source of new Set(plan.partitions.map((p) => p.source))) {
        await landRawFiles(options.inputs, { source, dt }, { blobs: lake.blobs, zones: lake.zones, log });
      }
    }
    for (const partition of plan.partitions) {
      states.push('Load');
      partitions.push(
        await loadPartition(
          { source: sourceNamed(partition.source), date: partition.dt, runId: plan.runId },
          {
            blobs: lake.blobs,
            catalog: lake.catalog,
            zones: lake.zones,
            log,
            workDir: options.workDir,
            duckdb: { memoryLimit: options.duckdbMemoryLimit },
          },
        ),
      );
    }
    return summary('SUCCEEDED', null);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const failure = error instanceof Error ? error : new Error(String(error));
    return summary('FAILED', { name: failure.name, message: failure.message, state: states.at(-1) ?? null });
  }
}
