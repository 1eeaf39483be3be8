import { defaultDuckdbMemoryLimit } from '../adapters/duckdb/duckdbSession.ts';
import { dayIn, pipelineTimeZone, runArgumentsSchema } from '../domain/run/runArguments.ts';
import type { ValidatedRun } from './runOptions.ts';
import type { RunSummary } from './runSummary.ts';
import { etlCommandLine, shellQuote } from './shellCommand.ts';

/**
 * The `etl run` arguments that repeat a run: its days, every source and use case it planned,
 * its lake, and its catalog and memory limit where they are not the defaults. No --input:
 * the files are in the raw zone already (and it never changes), so a re-run reads them there.
 */
export function rerunArguments(summary: RunSummary, run: ValidatedRun): string[] {
  // The plan's re-run input when ParseArgs got that far, the execution input otherwise.
  const parsed = runArgumentsSchema.safeParse(summary.input);
  const input = parsed.success ? parsed.data : {};
  const { options } = run;
  const days =
    input.from && input.to
      ? ['--from', input.from, '--to', input.to]
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
    '--lake',
    summary.lake,
    ...(options.catalog !== run.defaultCatalog ? ['--catalog', options.catalog] : []),
    ...(options.duckdbMemoryLimit !== defaultDuckdbMemoryLimit
      ? ['--memory-limit', options.duckdbMemoryLimit]
      : []),
  ];
}

/** The whole command, ready to paste into a shell at the repository root. */
export function rerunCommand(summary: RunSummary, run: ValidatedRun): string {
  return `${etlCommandLine} run ${rerunArguments(summary, run).map(shellQuote).join(' ')}`;
}
