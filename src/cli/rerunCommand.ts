import { defaultDuckdbMemoryLimit } from '../adapters/duckdb/duckdbSession.ts';
import { dayIn, pipelineTimeZone, runArgumentsSchema } from '../domain/run/runArguments.ts';
import type { RunOptions } from './runCommand.ts';
import type { ValidatedRun } from './runOptions.ts';
import type { RunSummary } from './runSummary.ts';
import { etlCommandLine, shellQuote } from './shellCommand.ts';

/** Where and how a run ran: what a re-run must say besides the run's input. */
export interface RerunContext {
  readonly options: Pick<RunOptions, 'date' | 'sources' | 'useCases' | 'catalog' | 'duckdbMemoryLimit'>;
  /** The lake as the person gave it. */
  readonly lake: string;
  /** The catalog the lake gets without `--catalog`. */
  readonly defaultCatalog: string;
}

/**
 * The `etl run` arguments that repeat a run with this input (the plan's re-run input when
 * ParseArgs got that far, the execution input otherwise): its days, every source and use case,
 * its data-quality limit when the run set one, its lake, and its catalog and memory limit where
 * they are not the defaults. No --input: the files are in the raw zone already (and it never
 * changes), so a re-run reads them there.
 */
export function rerunArgumentsFor(executionInput: unknown, context: RerunContext): string[] {
  const parsed = runArgumentsSchema.safeParse(executionInput);
  const input = parsed.success ? parsed.data : {};
  const { options } = context;
  // A list of days (a re-drive's) is re-run as the range it spans: `etl redrive` re-runs just those.
  const from = input.from ?? input.dates?.[0];
  const to = input.to ?? input.dates?.at(-1);
  const days =
    from && to && from !== to
      ? ['--from', from, '--to', to]
      : from
        ? ['--date', from]
        : // Without a date the run was for the day it started; a later re-run must name that day.
          ['--date', input.date ?? options.date ?? dayIn(new Date().toISOString(), pipelineTimeZone)];
  const sources = input.sources ?? options.sources ?? [];
  const useCases = input.useCases ?? options.useCases;
  return [
    ...days,
    ...sources.flatMap((source) => ['--source', source]),
    ...(useCases === undefined
      ? []
      : useCases.length === 0
        ? ['--no-use-cases']
        : useCases.flatMap((name) => ['--use-case', name])),
    ...(input.quality
      ? ['--max-rejected-share', String(input.quality.maxRejectedShare), '--reason', input.quality.reason]
      : []),
    '--lake',
    context.lake,
    ...(options.catalog !== context.defaultCatalog ? ['--catalog', options.catalog] : []),
    ...(options.duckdbMemoryLimit !== defaultDuckdbMemoryLimit
      ? ['--memory-limit', options.duckdbMemoryLimit]
      : []),
  ];
}

/** The whole command for this input, ready to paste into a shell at the repository root. */
export function rerunCommandFor(executionInput: unknown, context: RerunContext): string {
  return `${etlCommandLine} run ${rerunArgumentsFor(executionInput, context).map(shellQuote).join(' ')}`;
}

/** The arguments that repeat a finished run. */
export function rerunArguments(summary: RunSummary, run: ValidatedRun): string[] {
  return rerunArgumentsFor(summary.input, { ...run, lake: summary.lake });
}

/** The command that repeats a finished run. */
export function rerunCommand(summary: RunSummary, run: ValidatedRun): string {
  return rerunCommandFor(summary.input, { ...run, lake: summary.lake });
}

/** The command that re-runs only what an execution of a local lake left failed. */
export function redriveCommandFor(executionId: string, lake: string): string {
  return `${etlCommandLine} redrive ${[executionId, '--lake', lake].map(shellQuote).join(' ')}`;
}
