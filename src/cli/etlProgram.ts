import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { createSfnClient } from '../adapters/aws/awsClients.ts';
import { StepFunctionsExecutions } from '../adapters/aws/stepFunctionsExecutions.ts';
import { defaultDuckdbMemoryLimit } from '../adapters/duckdb/duckdbSession.ts';
import { QueryRefusedError } from '../adapters/duckdb/readOnlyStatement.ts';
import { environmentNames } from '../domain/deployment/pipelineStack.ts';
import { defaultMergePartMaxMiB, defaultShardMaxMiB } from '../domain/ingest/shardPlan.ts';
import { consoleLink } from '../domain/notifications/notifications.ts';
import { NoRunsYetError } from '../report/noRunsYetError.ts';
import { writeRunReport } from '../report/runReportFiles.ts';
import { connectLake } from '../runtime/lakeConnection.ts';
import { allowPathsFrom } from './allowPathOption.ts';
import { runDemo } from './demoCommand.ts';
import { environmentOption, openEnvironment } from './environmentOption.ts';
import { followExecution, outcomeLine, stepLine } from './followCommand.ts';
import { generateOffers } from './generateCommand.ts';
import { HumanLogger } from './humanLogger.ts';
import { lakeOptionFrom } from './lakeOption.ts';
import { ProgressDisplay } from './progressDisplay.ts';
import { queryEnvironment, queryLake } from './queryCommand.ts';
import { redriveDeployed, redriveInputOf } from './redriveCommand.ts';
import { formatResult } from './resultFormat.ts';
import { runPipeline } from './runCommand.ts';
import { deployedRuns, historyTable, lakeRuns, runReportOf } from './runHistory.ts';
import { checkedRunArguments, runFlagsSchema, runOptionsFrom } from './runOptions.ts';
import { reportRun } from './runReport.ts';
import { runScopeFlagsShape, runScopeOptions } from './runScopeOptions.ts';
import { etlCommandLine } from './shellCommand.ts';
import { UsageError } from './usageError.ts';

/** Where the command line writes: the process's streams, or a test's buffers. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stderr is a terminal: progress is redrawn in place there (absent: it is not). */
  readonly stderrIsTerminal?: boolean;
  readonly stderrColumns?: number;
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTerminal: process.stderr.isTTY === true,
  stderrColumns: process.stderr.columns,
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
    env: z.enum(environmentNames).optional(),
    lake: z.string(),
    catalog: z.enum(catalogs).optional(),
    format: z.enum(['table', 'json', 'csv']),
    allowPath: z.array(z.string()),
  })
  .strict();

const reportFlagsSchema = z
  .object({
    env: z.enum(environmentNames).optional(),
    lake: z.string(),
    catalog: z.enum(catalogs).optional(),
    date: z.string().optional(),
    days: z.number(),
    out: z.string().optional(),
  })
  .strict();

/** A day as YYYY-MM-DD that exists in the calendar. */
function isoDay(option: string): (value: string) => string {
  return (value) => {
    const day = new Date(`${value}T00:00:00Z`);
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
      Number.isNaN(day.getTime()) ||
      day.toISOString().slice(0, 10) !== value
    ) {
      throw new InvalidArgumentError(`${option} takes a day as YYYY-MM-DD, e.g. ${option} 2024-01-15.`);
    }
    return value;
  };
}

const generateFlagsSchema = z.object({ rows: z.number(), out: z.string(), seed: z.number() }).strict();

const startFlagsSchema = z
  .object({
    env: z.enum(environmentNames),
    ...runScopeFlagsShape,
    json: z.boolean(),
    follow: z.boolean(),
    pollInterval: z.number(),
  })
  .strict();

const followFlagsSchema = z.object({ json: z.boolean(), pollInterval: z.number() }).strict();

const runsFlagsSchema = z
  .object({
    env: z.enum(environmentNames).optional(),
    lake: z.string().optional(),
    limit: z.number(),
    json: z.boolean(),
  })
  .strict();

const redriveFlagsSchema = z
  .object({
    env: z.enum(environmentNames).optional(),
    lake: z.string().optional(),
    json: z.boolean(),
    follow: z.boolean(),
    pollInterval: z.number(),
  })
  .strict();

/** How often `follow` asks Step Functions for new events. */
const defaultPollSeconds = 5;

function secondsToMs(option: string): (value: string) => number {
  return (value) => {
    const seconds = Number(value);
    if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
      throw new InvalidArgumentError(`${option} takes a number of seconds above 0, e.g. ${option} 5.`);
    }
    return Math.round(seconds * 1000);
  };
}

function pollOption(): Option {
  return new Option('--poll-interval <seconds>', 'how often to ask Step Functions for new events')
    .argParser(secondsToMs('--poll-interval'))
    .default(defaultPollSeconds * 1000, `${defaultPollSeconds}`);
}

/** An execution ARN as Step Functions writes it (a local run's too). */
const executionArnPattern = /^arn:aws[a-z-]*:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/;

function checkedExecutionArn(arn: string): string {
  if (!executionArnPattern.test(arn)) {
    throw new UsageError(
      `${JSON.stringify(arn)} is not an execution ARN: give one as \`etl start\` or \`etl runs\` prints it (arn:aws:states:REGION:ACCOUNT:execution:STATE_MACHINE:NAME).`,
    );
  }
  return arn;
}

/** One of --env and --lake: where a command finds the runs. */
function oneOf(flags: { env?: string | undefined; lake?: string | undefined }): void {
  if ((flags.env === undefined) === (flags.lake === undefined)) {
    throw new UsageError(
      'give --env dev|preprod|prod (a deployed environment) or --lake DIR (a local lake), one of them.',
    );
  }
}

const demoFlagsSchema = z.object({ lake: z.string() }).strict();

function etlProgram(output: CliOutput, setExitCode: (code: number) => void): Command {
  const progress = new ProgressDisplay({
    write: output.stderr,
    isTerminal: output.stderrIsTerminal === true,
  });
  const log = new HumanLogger('', (line) => progress.print(line));
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
    .addOption(lakeOption())
    .addOption(catalogOption())
    .addOption(
      new Option(
        '--memory-limit <size>',
        'DuckDB memory limit of the loader, the model and each SQL use case (e.g. 512MB, 1.5GB); they spill to disk beyond it',
      ).default(defaultDuckdbMemoryLimit),
    )
    .addOption(
      new Option(
        '--shard-size <MiB>',
        'a day whose raw files exceed this (MiB, as stored) is cleaned in shards of at most this size, each by its own loader process at once, then merged',
      ).default(String(defaultShardMaxMiB)),
    )
    .addOption(
      new Option(
        '--merge-part-size <MiB>',
        "the most raw MiB one part of a sharded day's merge takes; a larger sharded day is merged in several parts by id",
      ).default(String(defaultMergePartMaxMiB)),
    )
    .addOption(new Option('--json', 'print only the run summary, as JSON, on stdout').default(false, 'off'));
  for (const option of runScopeOptions()) runCommand.addOption(option);
  runCommand.action(async (_flags: unknown, command: Command) => {
    const run = await checked(command, () => runOptionsFrom(runFlagsSchema.parse(command.opts()), workDir));
    const summary = await runPipeline({ ...run.options, onProgress: (p) => progress.show(p) }, log);
    progress.close();
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
    .addOption(environmentOption('the --lake'))
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
      if (flags.env !== undefined) {
        await checked(command, async () => {
          const local = ['lake', 'catalog', 'allowPath'].filter(
            (o) => command.getOptionValueSource(o) === 'cli',
          );
          if (local.length > 0) {
            throw new UsageError(
              '--env queries a deployed environment with Athena: give it without --lake, --catalog or --allow-path.',
            );
          }
        });
        const opened = await openEnvironment(flags.env);
        output.stdout(formatResult(await queryEnvironment(opened.environment, sql), flags.format));
        return;
      }
      const { lake, allowed } = await checked(command, async () => {
        const checkedLake = await lakeOptionFrom(flags.lake, flags.catalog);
        return { lake: checkedLake, allowed: await allowPathsFrom(flags.allowPath, checkedLake.catalog) };
      });
      output.stdout(formatResult(await queryLake(lake.lake, lake.catalog, sql, allowed), flags.format));
    });

  const startCommand = program
    .command('start')
    .description('start a run in a deployed environment (StartExecution), checked exactly like etl run')
    .showHelpAfterError('(etl start --help lists every option)')
    .addOption(environmentOption())
    .addOption(
      new Option('--json', 'print {executionArn, input, consoleUrl} as JSON on stdout').default(false, 'off'),
    )
    .addOption(new Option('--follow', 'then follow it until it ends (as etl follow)').default(false, 'off'))
    .addOption(pollOption());
  for (const option of runScopeOptions()) startCommand.addOption(option);
  startCommand.action(async (_flags: unknown, command: Command) => {
    const flags = startFlagsSchema.parse(command.opts());
    const input = await checked(command, async () => checkedRunArguments(flags));
    const opened = await openEnvironment(flags.env);
    const executionArn = await opened.executions.start(opened.environment.stateMachineArn, input);
    const consoleUrl = consoleLink(executionArn, opened.environment.region);
    if (flags.json && !flags.follow) {
      output.stdout(`${JSON.stringify({ executionArn, input, consoleUrl }, null, 2)}\n`);
      return;
    }
    if (flags.json)
      output.stdout(`${JSON.stringify({ kind: 'started', executionArn, input, consoleUrl })}\n`);
    log.info(`Started ${executionArn}`);
    log.info(`Console: ${consoleUrl}`);
    if (!flags.follow) {
      output.stdout(`${executionArn}\n`);
      log.info(`Follow it: ${etlCommandLine} follow ${executionArn}`);
      return;
    }
    setExitCode(await follow(opened.executions, executionArn, flags));
  });

  program
    .command('follow')
    .description("print an execution's states as they happen until it ends (a long range's next parts too)")
    .showHelpAfterError('(etl follow --help lists every option)')
    .argument('<execution-arn>', 'the execution, as etl start or etl runs prints it')
    .addOption(
      new Option('--json', 'one JSON object per line: each step, then the outcome').default(false, 'off'),
    )
    .addOption(pollOption())
    .action(async (arn: string, _flags: unknown, command: Command) => {
      const flags = followFlagsSchema.parse(command.opts());
      const executionArn = await checked(command, async () => checkedExecutionArn(arn));
      const region = executionArn.split(':')[3] as string;
      setExitCode(
        await follow(new StepFunctionsExecutions(createSfnClient({ region })), executionArn, flags),
      );
    });

  program
    .command('runs')
    .description(
      'recent runs: of a deployed environment (Step Functions and the run reports), or of a local lake',
    )
    .showHelpAfterError('(etl runs --help lists every option)')
    .addOption(environmentOption('give --env or --lake'))
    .addOption(
      new Option('--lake <dir|s3://bucket/prefix>', 'a lake instead: its run reports (default: none)'),
    )
    .addOption(
      new Option('--limit <n>', 'how many executions, newest first')
        .argParser(wholeNumber('--limit', true))
        .default(20),
    )
    .addOption(new Option('--json', 'print the runs as a JSON array').default(false, 'off'))
    .action(async (_flags: unknown, command: Command) => {
      const flags = runsFlagsSchema.parse(command.opts());
      const lakeOption_ = await checked(command, async () => {
        oneOf(flags);
        return flags.lake === undefined ? null : await lakeOptionFrom(flags.lake, undefined);
      });
      let entries: Awaited<ReturnType<typeof lakeRuns>>;
      if (lakeOption_) {
        entries = await lakeRuns(connectLake(lakeOption_.lake, lakeOption_.catalog), flags.limit);
      } else {
        const opened = await openEnvironment(flags.env as NonNullable<typeof flags.env>);
        entries = await deployedRuns(
          opened.executions,
          opened.environment.stateMachineArn,
          opened.lake,
          flags.limit,
        );
      }
      if (flags.json) output.stdout(`${JSON.stringify(entries, null, 2)}\n`);
      else if (entries.length === 0) log.info('No runs yet.');
      else output.stdout(formatResult(historyTable(entries), 'table'));
    });

  program
    .command('redrive')
    .description('re-run only what an execution left failed (its run report says what), with the same run id')
    .showHelpAfterError('(etl redrive --help lists every option)')
    .argument('<execution-arn>', 'the failed execution, as etl runs or the failure message prints it')
    .addOption(environmentOption('give --env or --lake'))
    .addOption(new Option('--lake <dir|s3://bucket/prefix>', 'the lake the execution ran on (default: none)'))
    .addOption(new Option('--json', 'print the outcome as JSON on stdout').default(false, 'off'))
    .addOption(
      new Option('--follow', 'in an environment: follow the re-drive until it ends').default(false, 'off'),
    )
    .addOption(pollOption())
    .action(async (arn: string, _flags: unknown, command: Command) => {
      const flags = redriveFlagsSchema.parse(command.opts());
      const { executionArn, lake } = await checked(command, async () => {
        oneOf(flags);
        return {
          executionArn: checkedExecutionArn(arn),
          lake: flags.lake === undefined ? null : await lakeOptionFrom(flags.lake, undefined),
        };
      });
      if (lake) {
        const connection = connectLake(lake.lake, lake.catalog);
        const report = await runReportOf(connection, executionArn);
        if (!report) {
          throw new UsageError(
            `${lake.lake} has no run report of ${executionArn}: it stopped before Summarize filed one. Re-run its days with etl run (the failure's last line says how).`,
          );
        }
        const input = redriveInputOf(report, executionArn);
        if (input === null) {
          log.info(`Nothing of ${executionArn} failed: nothing to re-drive.`);
          if (flags.json) output.stdout(`${JSON.stringify({ redriven: false, executionArn }, null, 2)}\n`);
          return;
        }
        log.info(`Re-driving run ${report.runId}: ${JSON.stringify(input)}`);
        const summary = await runPipeline(
          {
            inputs: [],
            input,
            lake: lake.lake,
            catalog: lake.catalog,
            workDir,
            duckdbMemoryLimit: defaultDuckdbMemoryLimit,
          },
          log,
        );
        if (flags.json) output.stdout(`${JSON.stringify(summary, null, 2)}\n`);
        reportRun(
          summary,
          {
            options: {
              inputs: [],
              lake: lake.lake,
              catalog: lake.catalog,
              workDir,
              duckdbMemoryLimit: defaultDuckdbMemoryLimit,
            },
            json: flags.json,
            defaultCatalog: lake.defaultCatalog,
          },
          log,
        );
        setExitCode(summary.status === 'SUCCEEDED' ? exitCodes.success : exitCodes.failure);
        return;
      }
      const opened = await openEnvironment(flags.env as NonNullable<typeof flags.env>);
      const redriven = await redriveDeployed(
        opened.executions,
        opened.environment.stateMachineArn,
        opened.lake,
        executionArn,
      );
      const { plan } = redriven;
      if (plan.kind === 'nothing-failed') {
        log.info(`Nothing of ${executionArn} failed (run ${plan.report.runId}): nothing to re-drive.`);
        if (flags.json) output.stdout(`${JSON.stringify({ redriven: false, executionArn }, null, 2)}\n`);
        return;
      }
      const how =
        plan.kind === 'start'
          ? 'started a new execution of what failed'
          : 'RedriveExecution: it goes on from its failed states';
      const consoleUrl = consoleLink(redriven.executionArn as string, opened.environment.region);
      if (flags.json) {
        output.stdout(
          `${JSON.stringify({ redriven: true, how: plan.kind, executionArn: redriven.executionArn, input: plan.kind === 'start' ? plan.input : null, consoleUrl }, null, 2)}\n`,
        );
      } else {
        log.info(`Re-drive of ${executionArn}: ${how}.`);
        log.info(`Console: ${consoleUrl}`);
        output.stdout(`${redriven.executionArn}\n`);
      }
      if (flags.follow) {
        const followFlags = {
          json: flags.json,
          pollInterval: flags.pollInterval,
          redriven: plan.kind === 'redrive-execution',
        };
        setExitCode(await follow(opened.executions, redriven.executionArn as string, followFlags));
      }
    });

  /** Follows an execution, printing for people or scripts; the exit code of how it ended. */
  async function follow(
    executions: StepFunctionsExecutions,
    executionArn: string,
    flags: { json: boolean; pollInterval: number; redriven?: boolean },
  ): Promise<number> {
    const outcome = await followExecution(executions, executionArn, {
      pollMs: flags.pollInterval,
      redriven: flags.redriven ?? false,
      print: (step) => output.stdout(flags.json ? `${JSON.stringify(step)}\n` : `${stepLine(step)}\n`),
    });
    output.stdout(
      flags.json ? `${JSON.stringify({ kind: 'outcome', ...outcome })}\n` : `${outcomeLine(outcome)}\n`,
    );
    return outcome.status === 'SUCCEEDED' ? exitCodes.success : exitCodes.failure;
  }

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
    .command('report')
    .description(
      'one self-contained HTML page with charts of a day: volumes, rejects, quality, prices, model, timings',
    )
    .showHelpAfterError('(etl report --help lists every option)')
    .addOption(lakeOption())
    .addOption(catalogOption())
    .addOption(environmentOption('the --lake'))
    .addOption(
      new Option('--date <YYYY-MM-DD>', 'the day the report is about')
        .argParser(isoDay('--date'))
        .default(undefined, 'the newest day in the run ledger'),
    )
    .addOption(
      new Option('--days <n>', 'days the volume and quality charts cover, ending on --date')
        .argParser(wholeNumber('--days', true))
        .default(30),
    )
    .addOption(
      new Option('--out <file>', 'where to write the page').default(undefined, 'etl-report-<date>.html'),
    )
    .action(async (_flags: unknown, command: Command) => {
      const flags = reportFlagsSchema.parse(command.opts());
      let source: Parameters<typeof writeRunReport>[0];
      if (flags.env !== undefined) {
        await checked(command, async () => {
          if (['lake', 'catalog'].some((o) => command.getOptionValueSource(o) === 'cli')) {
            throw new UsageError(
              '--env reports on a deployed environment: give it without --lake or --catalog.',
            );
          }
        });
        const opened = await openEnvironment(flags.env);
        source = {
          name: `environment ${flags.env}`,
          ...opened.lake,
          query: (sql) => queryEnvironment(opened.environment, sql),
        };
      } else {
        const lake = await checked(command, () => lakeOptionFrom(flags.lake, flags.catalog));
        source = {
          name: lake.lake,
          ...connectLake(lake.lake, lake.catalog),
          query: (sql) => queryLake(lake.lake, lake.catalog, sql),
        };
      }
      const { path, data } = await checked(command, async () => {
        try {
          return await writeRunReport(source, { date: flags.date, days: flags.days, out: flags.out });
        } catch (error) {
          // no run to report on is a usage matter: exit code 2 and what to do
          if (error instanceof NoRunsYetError) throw new UsageError(error.message);
          throw error;
        }
      });
      log.info(
        `Report for ${data.date} (${data.since} to ${data.date}) written to ${path}: open it in a browser.`,
      );
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
