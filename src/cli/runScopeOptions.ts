import { Option } from 'commander';
import { z } from 'zod';
import { pipelineTimeZone } from '../domain/run/runArguments.ts';
import { sources } from '../domain/sources/registry.ts';
import { useCases } from '../domain/useCases/registry.ts';
import { qualityFlagsShape, qualityOptions } from './qualityOptions.ts';

function repeatable(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/**
 * What a run covers, for every command that starts one (`etl run` locally, `etl start` in an
 * environment): its days, sources and use cases, and its own data-quality limit. One
 * definition, so that both commands take and check the same options (runOptions.ts).
 */
export function runScopeOptions(): Option[] {
  return [
    new Option('--date <YYYY-MM-DD>', `the day to load (default: today in ${pipelineTimeZone})`),
    new Option('--from <YYYY-MM-DD>', 'first day of a backfill, with --to (default: none)'),
    new Option('--to <YYYY-MM-DD>', 'last day of a backfill, inclusive (default: none)'),
    new Option('--source <name>', `a source to load, repeatable: ${sources.map((s) => s.name).join(', ')}`)
      .argParser(repeatable)
      .default([], 'every source'),
    new Option(
      '--use-case <name>',
      `a use case to run, repeatable: ${useCases.map((u) => u.name).join(', ')}`,
    )
      .argParser(repeatable)
      .default([], 'every use case'),
    new Option('--no-use-cases', 'run no use case, only load (default: off)'),
    ...qualityOptions(),
  ];
}

/** The options above as commander hands them over (spread into a command's flags schema). */
export const runScopeFlagsShape = {
  date: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  source: z.array(z.string()),
  useCase: z.array(z.string()),
  /** False with --no-use-cases. */
  useCases: z.boolean(),
  ...qualityFlagsShape,
};
