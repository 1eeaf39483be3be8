import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import {
  InvalidRunArgumentsError,
  pipelineTimeZone,
  planRun,
  type RunArguments,
  runArgumentsSchema,
} from '../domain/run/runArguments.ts';
import { sources as knownSources, sourceNamed, UnknownSourceError } from '../domain/sources/registry.ts';
import { duckdbMemoryLimitHint, isDuckdbMemoryLimit } from '../domain/sql/duckdbMemoryLimit.ts';
import { useCases as knownUseCases, UnknownUseCaseError, useCaseNamed } from '../domain/useCases/registry.ts';
import type { CatalogKind } from '../runtime/lakeConnection.ts';
import { lakeOptionFrom } from './lakeOption.ts';
import { qualityOverrideFrom } from './qualityOptions.ts';
import type { RunOptions } from './runCommand.ts';
import { runScopeFlagsShape } from './runScopeOptions.ts';
import { UsageError } from './usageError.ts';

/** `etl run`'s options as the command-line parser hands them over, before any check. */
export const runFlagsSchema = z
  .object({
    input: z.array(z.string()),
    ...runScopeFlagsShape,
    lake: z.string(),
    catalog: z.enum(['local', 'glue']).optional(),
    memoryLimit: z.string(),
    shardSize: z.string(),
    mergePartSize: z.string(),
    json: z.boolean(),
  })
  .strict();

export type RunFlags = z.infer<typeof runFlagsSchema>;

/** A run every option of which has been checked: starting it lands and writes for real. */
export interface ValidatedRun {
  readonly options: RunOptions;
  readonly json: boolean;
  /** The catalog the lake gets without --catalog (a re-run hint leaves a default out). */
  readonly defaultCatalog: CatalogKind;
}

/**
 * Checks every option of `etl run` before anything happens: a bad value is a usage error
 * (UsageError) and nothing is landed, started, notified or created. The rules are the
 * domain's (run arguments, source and use-case registries, lake locations); this only says
 * them in terms of the options a person typed.
 */
export async function runOptionsFrom(flags: RunFlags, workDir: string): Promise<ValidatedRun> {
  const { date, from, to, sources, useCases, quality } = checkedRunArguments(flags);
  if (!isDuckdbMemoryLimit(flags.memoryLimit)) {
    throw new UsageError(
      `--memory-limit ${JSON.stringify(flags.memoryLimit)} is not a DuckDB memory limit: give ${duckdbMemoryLimitHint}.`,
    );
  }
  for (const [option, size] of [
    ['--shard-size', flags.shardSize],
    ['--merge-part-size', flags.mergePartSize],
  ] as const) {
    if (!/^[1-9]\d{0,6}$/.test(size)) {
      throw new UsageError(
        `${option} ${JSON.stringify(size)} is not a size in MiB: give a whole number such as 1024.`,
      );
    }
  }
  await checkInputs(flags);
  const lake = await lakeOptionFrom(flags.lake, flags.catalog);
  return {
    options: {
      inputs: flags.input,
      ...(date !== undefined ? { date } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(sources !== undefined ? { sources } : {}),
      ...(useCases !== undefined ? { useCases } : {}),
      ...(quality !== undefined ? { quality } : {}),
      lake: lake.lake,
      catalog: lake.catalog,
      workDir,
      duckdbMemoryLimit: flags.memoryLimit,
      shardMaxMiB: Number(flags.shardSize),
      mergePartMaxMiB: Number(flags.mergePartSize),
    },
    json: flags.json,
    defaultCatalog: lake.defaultCatalog,
  };
}

const optionOfField: Readonly<Record<string, string>> = {
  date: '--date',
  from: '--from',
  to: '--to',
  sources: '--source',
  useCases: '--use-case',
};

const dayAdvice = 'One day is --date YYYY-MM-DD; a backfill is --from YYYY-MM-DD --to YYYY-MM-DD.';

/** The options that say what a run covers, as `etl run` and `etl start` share them. */
export type RunScopeFlags = Pick<
  RunFlags,
  'date' | 'from' | 'to' | 'source' | 'useCase' | 'useCases' | 'maxRejectedShare' | 'reason'
>;

/**
 * The execution input the options stand for, checked as ParseArgs will check it: a bad value
 * is a UsageError, before anything is landed or started.
 */
export function checkedRunArguments(flags: RunScopeFlags): RunArguments {
  if (!flags.useCases && flags.useCase.length > 0) {
    throw new UsageError('--use-case and --no-use-cases contradict each other: give one or the other.');
  }
  requireOnce('--source', flags.source);
  requireOnce('--use-case', flags.useCase);
  for (const name of flags.source) inRegistry('--source', name, sourceNamed, UnknownSourceError);
  for (const name of flags.useCase) inRegistry('--use-case', name, useCaseNamed, UnknownUseCaseError);
  const quality = qualityOverrideFrom(flags);
  // Given as typed, empty strings included: `--date ""` is a mistake, not "no date".
  const input = {
    ...(flags.date !== undefined ? { date: flags.date } : {}),
    ...(flags.from !== undefined ? { from: flags.from } : {}),
    ...(flags.to !== undefined ? { to: flags.to } : {}),
    ...(flags.source.length > 0 ? { sources: flags.source } : {}),
    ...(!flags.useCases ? { useCases: [] } : flags.useCase.length > 0 ? { useCases: flags.useCase } : {}),
    ...(quality !== undefined ? { quality } : {}),
  };
  const parsed = runArgumentsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path[0];
    const value = typeof field === 'string' ? (input as Record<string, unknown>)[field] : undefined;
    if (typeof field === 'string' && optionOfField[field] && typeof value === 'string') {
      throw new UsageError(
        `${optionOfField[field]} ${JSON.stringify(value)}: ${issue?.message}. ${dayAdvice}`,
      );
    }
    // The refinements across fields name the fields; say them as the options they come from.
    const message = (issue?.message ?? 'invalid').replace(/\b(date|from|to)\b/g, '--$1');
    throw new UsageError(`${message}. ${dayAdvice}`);
  }
  try {
    // What is left to ParseArgs (the registries' names), with the registries it uses.
    planRun(parsed.data, {
      environment: 'local',
      executionStartTime: new Date().toISOString(),
      executionId: 'arn:aws:states:local:000000000000:execution:listings-local:validation',
      timeZone: pipelineTimeZone,
      knownSources: knownSources.map((s) => s.name),
      knownUseCases: knownUseCases.map((u) => u.name),
    });
  } catch (error) {
    if (error instanceof InvalidRunArgumentsError) throw new UsageError(error.message);
    throw error;
  }
  return parsed.data;
}

function requireOnce(option: string, names: readonly string[]): void {
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new UsageError(`${option} ${twice} is given twice: give each once.`);
}

function inRegistry(
  option: string,
  name: string,
  lookUp: (name: string) => unknown,
  unknownNameError: new (...args: never[]) => Error,
): void {
  try {
    lookUp(name);
  } catch (error) {
    if (error instanceof unknownNameError) throw new UsageError(`${option} ${name}: ${error.message}`);
    throw error;
  }
}

/** --input files: landed before the run starts, so each must be there and readable now. */
async function checkInputs(flags: RunFlags): Promise<void> {
  if (flags.input.length === 0) return;
  if (flags.from !== undefined || flags.to !== undefined) {
    throw new UsageError('--input lands files for one day: give --date YYYY-MM-DD (not --from/--to).');
  }
  if (flags.source.length > 1) {
    throw new UsageError('--input lands files for one source: give one --source, and run once per source.');
  }
  const byName = new Map<string, string>();
  for (const file of flags.input) {
    // The raw zone keys a landed file by its name: two of the same name would collide.
    const other = byName.get(basename(file));
    if (other !== undefined) {
      throw new UsageError(
        `--input ${other} and ${file} would both land as ${basename(file)}: give each file once, under its own name.`,
      );
    }
    byName.set(basename(file), file);
    await checkInputFile(file);
  }
}

async function checkInputFile(file: string): Promise<void> {
  let found: Awaited<ReturnType<typeof stat>>;
  try {
    found = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UsageError(
        `--input ${file}: no such file (relative paths start at ${process.cwd()}). Check the path.`,
      );
    }
    throw new UsageError(`--input ${file} cannot be read (${code}): check the path and its permissions.`);
  }
  if (found.isDirectory()) {
    throw new UsageError(
      `--input ${file} is a directory: give the files in it, e.g. --input ${join(file, '*.jsonl')}.`,
    );
  }
  if (!found.isFile()) throw new UsageError(`--input ${file} is not a regular file: give a file.`);
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--input ${file} cannot be read (${code}): check its permissions.`);
  }
}
