/**
 * `npm run bench`: the loader against two references on generated messy offers, then the
 * whole `etl run`. Every program runs as its own child process (as a task would), so its
 * peak RSS is its own; in each round the programs run one after the other, alternating, so
 * that a noisy machine slows them alike. Results go to bench/results.md with the machine.
 *
 * - plain reference (bench/plainReference.ts): one read_json pass, a one-regex price, the
 *   first failing rule only, no raw text, no record numbers, no de-duplication. The floor.
 * - same-rules reference (bench/sameRulesReference.ts): DuckDB's JSON reader with the
 *   loader's own rules (every reason, the full price parser, de-duplication), without raw
 *   text, record numbers, byte accounting or the publish.
 * - loader: the loader container's bundle (src/orchestrator/esbuildBundles.ts) on a local lake.
 * - etl run: `node bin/etl.mjs run` on a lake where the day is landed, from start to exit.
 *
 * Options: --rows 1000000,2000000,5000000  --repeat 3  --memory-limit 1GB  --run-rows 2000000
 *          --out bench/results.md
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { newRunId } from '../src/domain/run/runId.ts';
import { plannedLoaderMemoryMiB } from '../src/domain/sql/duckdbMemoryLimit.ts';
import type { containerRunVariables } from '../src/domain/taskEnvironments/containerEnvironments.ts';
import type { EnvironmentVariables } from '../src/domain/taskEnvironments/environmentVariables.ts';
import { messyOfferLines } from '../src/generator/messyOffers.ts';
import { containerBundle } from '../src/orchestrator/esbuildBundles.ts';
import { writeLines } from './support/writeLines.ts';

const { values: options } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000,2000000,5000000' },
    repeat: { type: 'string', default: '3' },
    'memory-limit': { type: 'string', default: '1GB' },
    'run-rows': { type: 'string', default: '2000000' },
    out: { type: 'string', default: 'bench/results.md' },
  },
});
const sizes = options.rows.split(',').map(Number);
const repeat = Number(options.repeat);
const memoryLimit = options['memory-limit'];
const runRows = Number(options['run-rows']);
const work = join(tmpdir(), 'listings-bench');
const tsx = join('node_modules', '.bin', 'tsx');
const day = '2024-01-15';

interface Measurement {
  durationMs: number;
  peakRssBytes: number;
  kept: number;
  rejected: number;
}

async function generate(rows: number): Promise<string> {
  const path = join(work, `offers-${rows}.jsonl`);
  if (existsSync(path)) return path;
  process.stderr.write(`generating ${rows} rows → ${path}\n`);
  await writeLines(path, messyOfferLines(rows, 42));
  return path;
}

/** Runs a child; returns its wall time and the JSON object on its last stdout line. */
function runChild(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ wallMs: number; result: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const text = stdout.trim();
      if (code !== 0) {
        reject(new Error(`${args.join(' ')} exited ${code}: ${text.slice(-500)}\n${stderr.slice(-2000)}`));
        return;
      }
      // the last line, or the whole output when it is one pretty-printed object (etl run --json)
      const last = text.startsWith('{') && text.endsWith('}') ? text : (text.split('\n').at(-1) ?? '');
      resolve({ wallMs, result: JSON.parse(last) as Record<string, unknown> });
    });
  });
}

const asMeasurement = (result: Record<string, unknown>): Measurement => ({
  durationMs: Number(result.durationMs),
  peakRssBytes: Number(result.peakRssBytes),
  kept: Number(result.kept),
  rejected: Number(result.rejected),
});

async function runPlain(input: string): Promise<Measurement> {
  const out = join(work, 'plain-out');
  await rm(out, { recursive: true, force: true });
  return asMeasurement((await runChild(tsx, ['bench/plainReference.ts', input, out, memoryLimit])).result);
}

async function runSameRules(input: string): Promise<Measurement> {
  const out = join(work, 'same-rules-out');
  await rm(out, { recursive: true, force: true });
  return asMeasurement(
    (await runChild(tsx, ['bench/sameRulesReference.ts', input, out, memoryLimit])).result,
  );
}

/** A fresh lake with the day's file landed, as `etl run --input` would leave it. */
async function landedLake(input: string): Promise<string> {
  const lake = join(work, 'lake');
  await rm(lake, { recursive: true, force: true });
  const raw = join(lake, 'raw', 'source=pricehubble', `dt=${day}`);
  await mkdir(raw, { recursive: true });
  await copyFile(input, join(raw, 'offers.jsonl'));
  return lake;
}

async function runLoader(input: string): Promise<Measurement> {
  const lake = await landedLake(input);
  // Typed by the loader's schema: a variable the container comes to need fails the type check here.
  const run: EnvironmentVariables<(typeof containerRunVariables)['loader']> = {
    RUN_ID: newRunId(),
    SOURCE: 'pricehubble',
    RUN_DATE: day,
    QUALITY: 'null',
    LOAD_STEP: 'day',
  };
  const { result } = await runChild(process.execPath, [await containerBundle('loader')], {
    ...run,
    ENVIRONMENT: 'bench',
    LOG_LEVEL: 'warn',
    CATALOG: 'local',
    LAKE: lake,
    WORK_DIR: join(work, 'loader-work'),
    DUCKDB_MEMORY_LIMIT: memoryLimit,
    DUCKDB_THREADS: String(cpus().length),
    PROGRESS_INTERVAL_SECONDS: '10',
  });
  return asMeasurement(result);
}

interface WholeRun {
  wallMs: number;
  states: { state: string; entered: number; durationMs: number }[];
}

async function runEtl(input: string): Promise<WholeRun> {
  const lake = await landedLake(input);
  const { wallMs, result } = await runChild(process.execPath, [
    'bin/etl.mjs',
    'run',
    '--date',
    day,
    '--lake',
    lake,
    '--memory-limit',
    memoryLimit,
    '--json',
  ]);
  if (result.status !== 'SUCCEEDED')
    throw new Error(`etl run did not succeed: ${JSON.stringify(result.error)}`);
  return { wallMs, states: result.stateDurations as WholeRun['states'] };
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const seconds = (ms: number): string => (ms / 1000).toFixed(2);
const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number): string => String(Math.round(bytes / 1e6));

/** The task memory the environment config plans for this limit (lib/config/environments.ts). */
const plannedMiB = plannedLoaderMemoryMiB(memoryLimit);
const rssWithinPlan = (runs: readonly Measurement[]): boolean =>
  runs.every((run) => run.peakRssBytes <= plannedMiB * 2 ** 20);
let overPlan = false;

const programs = {
  plain: runPlain,
  'same rules': runSameRules,
  loader: runLoader,
} as const;
type Program = keyof typeof programs;

await mkdir(work, { recursive: true });
await containerBundle('loader'); // built once, before anything is timed
const table: string[] = [];
const ratios: string[] = [];
for (const size of sizes) {
  const input = await generate(size);
  const bytes = (await stat(input)).size;
  const runs: Record<Program, Measurement[]> = { plain: [], 'same rules': [], loader: [] };
  for (let round = 0; round < repeat; round++) {
    // alternate the order from round to round: no program always runs on a warmer cache
    const order = (Object.keys(programs) as Program[]).slice();
    if (round % 2 === 1) order.reverse();
    for (const program of order) runs[program].push(await programs[program](input));
    process.stderr.write(
      `${count(size)} rows, round ${round + 1}/${repeat}: ` +
        `${order.map((p) => `${p} ${seconds(runs[p].at(-1)?.durationMs ?? 0)} s`).join(', ')}\n`,
    );
  }
  const picked = Object.fromEntries(
    (Object.keys(programs) as Program[]).map((p) => [
      p,
      {
        durationMs: median(runs[p].map((r) => r.durationMs)),
        peakRssBytes: median(runs[p].map((r) => r.peakRssBytes)),
      },
    ]),
  ) as Record<Program, { durationMs: number; peakRssBytes: number }>;
  const loaderRun = runs.loader[0] as Measurement;
  const sameRulesRun = runs['same rules'][0] as Measurement;
  if (loaderRun.kept !== sameRulesRun.kept || loaderRun.rejected !== sameRulesRun.rejected) {
    throw new Error(
      `The loader and the same-rules reference disagree on ${size} rows: kept ${loaderRun.kept} vs ` +
        `${sameRulesRun.kept}, rejected ${loaderRun.rejected} vs ${sameRulesRun.rejected}`,
    );
  }
  for (const program of Object.keys(programs) as Program[]) {
    const m = picked[program];
    table.push(
      `| ${count(size)} | ${program} | ${seconds(m.durationMs)} | ${count(size / (m.durationMs / 1000))} | ` +
        `${(bytes / 1e6 / (m.durationMs / 1000)).toFixed(1)} | ${mb(m.peakRssBytes)} | ` +
        `${(picked.plain.durationMs / m.durationMs).toFixed(2)} |`,
    );
  }
  overPlan ||= !rssWithinPlan(runs.loader);
  ratios.push(
    `- ${count(size)} rows (${mb(bytes)} MB): loader throughput = **${(picked.plain.durationMs / picked.loader.durationMs).toFixed(2)}×** ` +
      `the plain reference's, ${(picked['same rules'].durationMs / picked.loader.durationMs).toFixed(2)}× the same-rules reference's; ` +
      `loader peak RSS ${mb(picked.loader.peakRssBytes)} MB with a ${memoryLimit} DuckDB limit: ` +
      `${rssWithinPlan(runs.loader) ? 'within' : '**over**'} the planned ${plannedMiB} MiB (limit + measured overhead).`,
  );
}

// The whole run against the plain reference, alternating, on one size.
const runInput = await generate(runRows);
const wholeRuns: WholeRun[] = [];
const plainRuns: Measurement[] = [];
for (let round = 0; round < repeat; round++) {
  if (round % 2 === 0) {
    plainRuns.push(await runPlain(runInput));
    wholeRuns.push(await runEtl(runInput));
  } else {
    wholeRuns.push(await runEtl(runInput));
    plainRuns.push(await runPlain(runInput));
  }
  process.stderr.write(
    `etl run on ${count(runRows)} rows, round ${round + 1}/${repeat}: ${seconds(wholeRuns.at(-1)?.wallMs ?? 0)} s ` +
      `(plain ${seconds(plainRuns.at(-1)?.durationMs ?? 0)} s)\n`,
  );
}
const wholeMs = median(wholeRuns.map((r) => r.wallMs));
const plainMs = median(plainRuns.map((r) => r.durationMs));
const typical = wholeRuns.find((r) => r.wallMs === wholeMs) as WholeRun;
const topStates = typical.states.filter((s) =>
  ['ParseArgs', 'LoadPartitions', 'ReviewLoads', 'RunUseCases', 'Summarize'].includes(s.state),
);

const lines = [
  '# Loader benchmark',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench\` on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}; DuckDB memory limit ${memoryLimit} for every ` +
    `program. Median of ${repeat} rounds; in each round the programs run one after the other, in alternating order. ` +
    'Input: generated messy JSON Lines (seed 42). Seconds are measured inside each process (start-up excluded), ' +
    'except for `etl run`, which is timed from spawn to exit.',
  '',
  '| rows | program | seconds | rows/s | MB/s | peak RSS MB | throughput ÷ plain |',
  '|---:|---|---:|---:|---:|---:|---:|',
  ...table,
  '',
  ...ratios,
  '',
  `\`etl run\` on ${count(runRows)} rows (land excluded; ParseArgs, load, the use cases, summary): ` +
    `**${seconds(wholeMs)} s = ${(wholeMs / plainMs).toFixed(2)}×** the plain reference's ${seconds(plainMs)} s. ` +
    `States: ${topStates.map((s) => `${s.state} ${seconds(s.durationMs)} s`).join(', ')}.`,
  '',
  'What each program does:',
  '',
  '- **plain** (`bench/plainReference.ts`): DuckDB `read_json` over the file (records it cannot parse are skipped),',
  '  one regular expression for the price, the first failing rule only, no raw text, no record numbers, no',
  '  de-duplication, two Parquet files. Nothing proves that every record was kept or rejected.',
  '- **same rules** (`bench/sameRulesReference.ts`): the loader’s rule SQL (every reason, the full price parser,',
  '  de-duplication) over DuckDB’s JSON reader; no raw text or record numbers of rejects, no byte accounting, no',
  '  publish. Its kept and rejected counts must equal the loader’s, or the benchmark fails.',
  '- **loader**: the loader container (its bundle) on a local lake: staging with byte accounting, every reason,',
  '  raw text and record numbers of rejects, de-duplication, conservation, the data-quality gate, the publish',
  '  under a lease and the manifest.',
  '',
];
await writeFile(options.out, lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
if (overPlan) {
  process.stderr.write(
    `The loader's peak RSS went over the planned ${plannedMiB} MiB: raise loaderMemoryOverheadMiB ` +
      '(src/domain/sql/duckdbMemoryLimit.ts) to what was measured, and the task sizes with it.\n',
  );
  process.exitCode = 1;
}
