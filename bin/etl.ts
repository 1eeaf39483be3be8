/**
 * The command line: `etl run | query | generate | demo`. Thin: parse and check
 * options, call the application code in src/cli, print, set the exit code.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDuckdbMemoryLimit } from '../src/adapters/duckdb/duckdbSession.ts';
import { runDemo } from '../src/cli/demoCommand.ts';
import { generateOffers } from '../src/cli/generateCommand.ts';
import { HumanLogger } from '../src/cli/humanLogger.ts';
import { queryLake } from '../src/cli/queryCommand.ts';
import { localRerunCommand } from '../src/cli/rerunCommand.ts';
import { formatResult, type OutputFormat } from '../src/cli/resultFormat.ts';
import { runPipeline } from '../src/cli/runCommand.ts';
import type { RunSummary } from '../src/cli/runSummary.ts';
import { UsageError } from '../src/cli/usageError.ts';
import type { CatalogKind } from '../src/runtime/lakeConnection.ts';

const usage = `Usage:
  etl run [--input PATH ...] [--date YYYY-MM-DD | --from D --to D] [--source NAME]
          [--lake DIR|s3://bucket/prefix] [--catalog local|glue] [--json]
  etl query [--lake DIR] [--format table|json|csv] "SQL"
  etl generate --rows N --out FILE[.gz] [--seed S]
  etl demo [--lake DIR]          (what \`npm start\` runs)

The default lake is ./.lake. Run \`npm run --silent etl -- <command>\` from the repository root.`;

const defaultLake = '.lake';
const workDir = join(tmpdir(), 'listings-pipeline');

function catalogOf(value: string | undefined, lake: string): CatalogKind {
  const catalog = value ?? (lake.startsWith('s3://') ? 'glue' : 'local');
  if (catalog !== 'local' && catalog !== 'glue')
    throw new UsageError(`--catalog is local or glue, not ${catalog}`);
  return catalog;
}

function printRunSummary(summary: RunSummary, log: HumanLogger, memoryLimit: string): void {
  const { totals } = summary;
  if (summary.status === 'SUCCEEDED') {
    log.info(
      `Done in ${(summary.durationMs / 1000).toFixed(1)} s: read ${totals.read}, kept ${totals.kept}, rejected ${totals.rejected}` +
        (totals.rejected > 0
          ? ` (${Object.entries(totals.rejectedByReason)
              .map(([r, n]) => `${r} ${n}`)
              .join(', ')})`
          : ''),
    );
  } else {
    log.error(
      `Run ${summary.runId ?? ''} failed${summary.error?.state ? ` in ${summary.error.state}` : ''}.`,
    );
    log.error(`${summary.error?.name}: ${summary.error?.message}`);
    log.info(
      `Re-run with: ${localRerunCommand(summary.input, {
        lake: summary.lake,
        ...(memoryLimit !== defaultDuckdbMemoryLimit ? { memoryLimit } : {}),
      })}`,
    );
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const log = new HumanLogger();
  switch (command) {
    case 'run': {
      const { values } = parseArgs({
        args: rest,
        options: {
          input: { type: 'string', multiple: true, default: [] },
          date: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
          source: { type: 'string' },
          lake: { type: 'string', default: defaultLake },
          catalog: { type: 'string' },
          json: { type: 'boolean', default: false },
          'memory-limit': { type: 'string', default: defaultDuckdbMemoryLimit },
        },
      });
      const summary = await runPipeline(
        {
          inputs: values.input,
          ...(values.date ? { date: values.date } : {}),
          ...(values.from ? { from: values.from } : {}),
          ...(values.to ? { to: values.to } : {}),
          ...(values.source ? { source: values.source } : {}),
          lake: values.lake,
          catalog: catalogOf(values.catalog, values.lake),
          workDir,
          duckdbMemoryLimit: values['memory-limit'],
        },
        log,
      );
      if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      printRunSummary(summary, log, values['memory-limit']);
      return summary.status === 'SUCCEEDED' ? 0 : 1;
    }
    case 'query': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          lake: { type: 'string', default: defaultLake },
          catalog: { type: 'string' },
          format: { type: 'string', default: 'table' },
        },
      });
      const format = values.format as OutputFormat;
      if (!['table', 'json', 'csv'].includes(format))
        throw new UsageError(`--format is table, json or csv, not ${format}`);
      if (positionals.length !== 1) throw new UsageError('query takes exactly one SQL string (quote it)');
      const result = await queryLake(
        values.lake,
        catalogOf(values.catalog, values.lake),
        positionals[0] as string,
      );
      process.stdout.write(formatResult(result, format));
      return 0;
    }
    case 'generate': {
      const { values } = parseArgs({
        args: rest,
        options: {
          rows: { type: 'string' },
          out: { type: 'string' },
          seed: { type: 'string', default: '1' },
        },
      });
      const rows = Number(values.rows);
      const seed = Number(values.seed);
      if (!Number.isSafeInteger(rows) || rows < 1)
        throw new UsageError('--rows takes a positive whole number');
      if (!Number.isSafeInteger(seed)) throw new UsageError('--seed takes a whole number');
      if (!values.out) throw new UsageError('--out FILE is required');
      await generateOffers(rows, values.out, seed, log);
      return 0;
    }
    case 'demo': {
      const { values } = parseArgs({
        args: rest,
        options: { lake: { type: 'string', default: defaultLake } },
      });
      return (await runDemo(values.lake, workDir, log)) ? 0 : 1;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${usage}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const failure = error instanceof Error ? error : new Error(String(error));
    const isUsage =
      failure instanceof UsageError || (failure as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`error: ${failure.name}: ${failure.message}\n${isUsage ? `\n${usage}\n` : ''}`);
    process.exitCode = isUsage ? 2 : 1;
  },
);
