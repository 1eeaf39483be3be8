import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { defaultDuckdbMemoryLimit } from '../adapters/duckdb/duckdbSession.ts';
import { QueryRefusedError } from '../adapters/duckdb/readOnlyStatement.ts';
import { pipelineTimeZone } from '../domain/run/runArguments.ts';
import { sources } from '../domain/sources/registry.ts';
import { useCases } from '../domain/useCases/registry.ts';
import { allowPathsFrom } from './allowPathOption.ts';
import { runDemo } from './demoCommand.ts';
import { generateOffers } from './generateCommand.ts';
import { HumanLogger } from './humanLogger.ts';
import { lakeOptionFrom } from './lakeOption.ts';
import { qualityOptions } from './qualityOptions.ts';
import { queryLake } from './queryCommand.ts';
import { formatResult } from './resultFormat.ts';
import { runPipeline } from './runCommand.ts';
import { runFlagsSchema, runOptionsFrom } from './runOptions.ts';
import { reportRun } from './runReport.ts';
import { UsageError } from './usageError.ts';

/** Where the command line writes: the process's streams, or a test's buffers. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export const exitCodes = { success: 0, failure: 1, usage: 2 } as const;

const defaultLake = '.lake';
const workDir = join(tmpdir(), 'listings-pipeline');
const catalogs = ['local', 'glue'] as const;

/**
 * `etl <command> ...`: runs one command and returns the process exit code — 0 success, 1 the
 * run or query failed, 2 usage error (commander's own included; nothing has been started).
 */
export async function runEtl(argv: readonly string[], output: CliOutput = processOutput): Promise<number> {
  let exitCode: number = exitCodes.success;
  const program = etlProgram(output, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    // Commander has printed its message (and our usage errors) already; help exits with 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.success : exitCodes.usage;
    // A refused query is a usage error too: the statement given cannot run here, nothing ran.
    if (error instanceof UsageError || error instanceof QueryRefusedError) {
      output.stderr(`error: ${error.name}: ${error.message}\n`);
      return exitCodes.usage;
    }
    const failure = error instanceof Error ? error : new Error(String(error));
    output.stderr(`error: ${failure.name}: ${failure.message}\n`);
    return exitCodes.failure;
  }
}

/** Turns a UsageError from a check into commander's usage error: same output, same exit. */
async function checked<T>(command: Command, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof UsageError) {
      command.error(`error: ${error.name}: ${error.message}`, {
        exitCode: exitCodes.usage,
        code: 'etl.usageError',
      });
    }
    throw error;
  }
}

function repeatable(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

function wholeNumber(option: string, positive: boolean): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(number) || (positive && number < 1)) {
      throw new InvalidArgumentError(
        `${option} takes a ${positive ? 'positive ' : ''}whole number, e.g. ${option} 1000.`,
      );
    }
    return number;
  };
}

function lakeOption(): Option {
  return new Option('--lake <dir|s3://bucket/prefix>', 'the lake: a directory, or S3 with Glue').default(
    defaultLake,
  );
}

function catalogOption(): Option {
  return new Option(
    '--catalog <kind>',
    'the catalog of the lake (default: local for a directory, glue for s3://)',
  ).choices(catalogs);
}

const queryFlagsSchema = z
  .object({
    lake: z.string(),
    catalog: z.enum(catalogs).optional(),
    format: z.enum(['table', 'json', 'csv']),
    allowPath: z.array(z.string()),
  })
  .strict();

const generateFlagsSchema = z.object({ rows: z.number(), out: z.string(), seed: z.number() }).strict();

const demoFlagsSchema = z.object({ lake: z.string() }).strict();

function etlProgram(output: CliOutput, setExitCode: (code: number) => void): Command {
  const log = new HumanLogger('', (line) => output.stderr(`${line}\n`));
  // Settings given before .command() are inherited by every command.
  const program = new Command('etl')
    .description(
      'The listings pipeline from the command line: land raw offers, run the state machine, query the lake.',
    )
    .exitOverride()
    .configureOutput({ writeOut: output.stdout, writeErr: output.stderr })
    .showSuggestionAfterError(true)
    .showHelpAfterError('(etl --help lists the commands)')
    .addHelpText(
      'after',
      '\nFrom the repository root: npx etl <command> (or npm run --silent etl -- <command>).\n' +
        'Exit codes: 0 success, 1 the run or query failed, 2 usage error (nothing was started).',
    );

  const runCommand = program
    .command('run')
    .description('land --input files in the raw zone, then run the pipeline (the synthesized state machine)')
    .showHelpAfterError('(etl run --help lists every option)')
    .addOption(
      new Option('--input <path...>', 'files to land for the day first (JSON Lines or JSON, .gz too)')
        .argParser(repeatable)
        .default([], 'none: run on what is landed already'),
    )
    .addOption(new Option('--date <YYYY-MM-DD>', `the day to load (default: today in ${pipelineTimeZone})`))
    .addOption(new Option('--from <YYYY-MM-DD>', 'first day of a backfill, with --to (default: none)'))
    .addOption(new Option('--to <YYYY-MM-DD>', 'last day of a backfill, inclusive (default: none)'))
    .addOption(
      new Option('--source <name>', `a source to load, repeatable: ${sources.map((s) => s.name).join(', ')}`)
        .argParser(repeatable)
        .default([], 'every source'),
    )
    .addOption(
      new Option(
        '--use-case <name>',
        `a use case to run, repeatable: ${useCases.map((u) => u.name).join(', ')}`,
      )
        .argParser(repeatable)
        .default([], 'every use case'),
    )
    .addOption(new Option('--no-use-cases', 'run no use case, only load (default: off)'))
    .addOption(lakeOption())
    .addOption(catalogOption())
    .addOption(
      new Option(
        '--memory-limit <size>',
        'DuckDB memory limit of the loader and the model (e.g. 512MB, 1.5GB); they spill to disk beyond it',
      ).default(defaultDuckdbMemoryLimit),
    )
    .addOption(new Option('--json', 'print only the run summary, as JSON, on stdout').default(false, 'off'));
  for (const option of qualityOptions()) runCommand.addOption(option);
  runCommand.action(async (_flags: unknown, command: Command) => {
    const run = await checked(command, () => runOptionsFrom(runFlagsSchema.parse(command.opts()), workDir));
    const summary = await runPipeline(run.options, log);
    if (run.json) output.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    reportRun(summary, run, log);
    setExitCode(summary.status === 'SUCCEEDED' ? exitCodes.success : exitCodes.failure);
  });

  program
    .command('query')
    .description(
      'SQL over the published tables (listings, listings_rejected, use-case tables); a local lake is only read',
    )
    .showHelpAfterError('(etl query --help lists every option)')
    .argument(
      '<sql>',
      'one statement that reads (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN, VALUES, FROM), quoted',
    )
    .addOption(lakeOption())
    .addOption(catalogOption())
    .addOption(
      new Option('--format <format>', 'how to print the rows')
        .choices(['table', 'json', 'csv'])
        .default('table'),
    )
    .addOption(
      new Option(
        '--allow-path <path>',
        'a directory (everything under it) or file a query may read besides the tables, e.g. with read_csv; repeatable, local lakes only',
      )
        .argParser(repeatable)
        .default([], 'none: only the published tables'),
    )
    .action(async (sql: string, _flags: unknown, command: Command) => {
      const flags = queryFlagsSchema.parse(command.opts());
      const { lake, allowed } = await checked(command, async () => {
        const checkedLake = await lakeOptionFrom(flags.lake, flags.catalog);
        return { lake: checkedLake, allowed: await allowPathsFrom(flags.allowPath, checkedLake.catalog) };
      });
      output.stdout(formatResult(await queryLake(lake.lake, lake.catalog, sql, allowed), flags.format));
    });

  program
    .command('generate')
    .description('write realistic messy offers (every defect the loader handles), deterministic per seed')
    .showHelpAfterError('(etl generate --help lists every option)')
    .addOption(
      new Option('--rows <n>', 'how many offers (required)')
        .argParser(wholeNumber('--rows', true))
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--out <file>',
        'the file to write; gzip when it ends in .gz (required)',
      ).makeOptionMandatory(),
    )
    .addOption(new Option('--seed <s>', 'the random seed').argParser(wholeNumber('--seed', false)).default(1))
    .action(async (_flags: unknown, command: Command) => {
      const flags = generateFlagsSchema.parse(command.opts());
      await generateOffers(flags.rows, flags.out, flags.seed, log);
    });

  program
    .command('demo')
    .description('what `npm start` runs: load the bundled samples into a local lake and show a query')
    .showHelpAfterError('(etl demo --help lists every option)')
    .addOption(new Option('--lake <dir>', 'the local lake').default(defaultLake))
    .action(async (_flags: unknown, command: Command) => {
      const flags = demoFlagsSchema.parse(command.opts());
      const lake = await checked(command, async () => {
        const checkedLake = await lakeOptionFrom(flags.lake, undefined);
        if (checkedLake.catalog !== 'local') {
          throw new UsageError('etl demo loads a local lake: give --lake DIR (etl run takes s3:// lakes).');
        }
        return checkedLake.lake;
      });
      setExitCode((await runDemo(lake, workDir, log)) ? exitCodes.success : exitCodes.failure);
    });

  return program;
}
