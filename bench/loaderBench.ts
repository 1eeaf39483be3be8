/**
 * `npm run bench`: the loader against a minimal DuckDB pipeline of the same rules, on 1M and
 * 5M generated messy rows. Each program runs as its own child process (as the container
 * would), so its peak RSS is its own. Results go to bench/results.md with the machine.
 *
 * Options: --rows 1000000,5000000  --repeat 3  --memory-limits 512MB,1GB  --out bench/results.md
 * Both programs get the same DuckDB memory limit in each round.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { newRunId } from '../src/domain/run/runId.ts';
import { messyOfferLines } from '../src/generator/messyOffers.ts';

const { values: options } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000,5000000' },
    repeat: { type: 'string', default: '3' },
    'memory-limits': { type: 'string', default: '512MB,1GB' },
    out: { type: 'string', default: 'bench/results.md' },
  },
});
const sizes = options.rows.split(',').map(Number);
const repeat = Number(options.repeat);
const memoryLimits = options['memory-limits'].split(',');
const work = join(tmpdir(), 'listings-bench');
const tsx = join('node_modules', '.bin', 'tsx');

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
  const out = createWriteStream(`${path}.partial`);
  let batch: string[] = [];
  for (const line of messyOfferLines(rows, 42)) {
    batch.push(line);
    if (batch.length === 10_000) {
      if (!out.write(`${batch.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      batch = [];
    }
  }
  if (batch.length > 0) out.write(`${batch.join('\n')}\n`);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  await rename(`${path}.partial`, path);
  return path;
}

/** Runs a child and returns the JSON object on its last stdout line. */
function runChild(args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${last}\n${stderr.slice(-2000)}`));
      else resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

async function runReference(input: string, memoryLimit: string): Promise<Measurement> {
  const out = join(work, 'reference-out');
  await rm(out, { recursive: true, force: true });
  const result = await runChild(['bench/referencePipeline.ts', input, out, memoryLimit], {});
  return result as unknown as Measurement;
}

async function runLoader(input: string, memoryLimit: string): Promise<Measurement> {
  const lake = join(work, 'lake');
  await rm(lake, { recursive: true, force: true });
  const raw = join(lake, 'raw', 'source=pricehubble', 'dt=2024-01-15');
  await mkdir(raw, { recursive: true });
  await copyFile(input, join(raw, 'offers.jsonl'));
  const result = await runChild(['containers/loader/entrypoint.ts'], {
    RUN_ID: newRunId(),
    SOURCE: 'pricehubble',
    RUN_DATE: '2024-01-15',
    LAKE: lake,
    WORK_DIR: join(work, 'loader-work'),
    DUCKDB_MEMORY_LIMIT: memoryLimit,
  });
  return result as unknown as Measurement;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const mb = (bytes: number): number => Math.round(bytes / 1e6);

await mkdir(work, { recursive: true });
const rows: string[] = [];
const conclusions: string[] = [];
for (const memoryLimit of memoryLimits) {
  const summary: Record<number, { loader: Measurement; reference: Measurement }> = {};
  for (const size of sizes) {
    const input = await generate(size);
    const bytes = (await stat(input)).size;
    const loaderRuns: Measurement[] = [];
    const referenceRuns: Measurement[] = [];
    for (let i = 0; i < repeat; i++) {
      // Alternate so that neither always runs on a warmer page cache.
      referenceRuns.push(await runReference(input, memoryLimit));
      loaderRuns.push(await runLoader(input, memoryLimit));
      process.stderr.write(
        `${memoryLimit}, ${size} rows, run ${i + 1}/${repeat}: loader ${loaderRuns.at(-1)?.durationMs} ms, ` +
          `reference ${referenceRuns.at(-1)?.durationMs} ms\n`,
      );
    }
    const pick = (runs: Measurement[]): Measurement => ({
      durationMs: median(runs.map((r) => r.durationMs)),
      peakRssBytes: median(runs.map((r) => r.peakRssBytes)),
      kept: runs[0]?.kept ?? 0,
      rejected: runs[0]?.rejected ?? 0,
    });
    const loader = pick(loaderRuns);
    const reference = pick(referenceRuns);
    if (loader.kept !== reference.kept || loader.rejected !== reference.rejected) {
      throw new Error(
        `Loader and reference disagree on ${size} rows: kept ${loader.kept} vs ${reference.kept}, ` +
          `rejected ${loader.rejected} vs ${reference.rejected}`,
      );
    }
    summary[size] = { loader, reference };
    for (const [name, m] of [
      ['loader', loader],
      ['reference', reference],
    ] as const) {
      rows.push(
        `| ${memoryLimit} | ${size.toLocaleString('en-US')} | ${name} | ${(m.durationMs / 1000).toFixed(2)} | ` +
          `${Math.round(size / (m.durationMs / 1000)).toLocaleString('en-US')} | ` +
          `${(bytes / 1e6 / (m.durationMs / 1000)).toFixed(1)} | ${mb(m.peakRssBytes)} |`,
      );
    }
  }
  for (const size of sizes) {
    const s = summary[size];
    if (!s) continue;
    conclusions.push(
      `- ${memoryLimit}, ${size.toLocaleString('en-US')} rows: loader throughput = ` +
        `${(s.reference.durationMs / s.loader.durationMs).toFixed(2)} × reference.`,
    );
  }
  const largest = summary[Math.max(...sizes)];
  const smallest = summary[Math.min(...sizes)];
  if (largest && smallest && sizes.length > 1) {
    conclusions.push(
      `- ${memoryLimit}: loader peak RSS at ${Math.max(...sizes).toLocaleString('en-US')} rows = ` +
        `${(largest.loader.peakRssBytes / smallest.loader.peakRssBytes).toFixed(2)} × its peak at ` +
        `${Math.min(...sizes).toLocaleString('en-US')} rows (reference: ` +
        `${(largest.reference.peakRssBytes / smallest.reference.peakRssBytes).toFixed(2)} ×).`,
    );
  }
}

const lines = [
  '# Loader benchmark',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench\` on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}. Median of ${repeat} runs each; input is ` +
    'generated messy JSON Lines (seed 42). Both programs get the same DuckDB memory_limit in each round.',
  '',
  '| memory limit | rows | program | seconds | rows/s | MB/s (input) | peak RSS MB |',
  '|---|---:|---|---:|---:|---:|---:|',
  ...rows,
  '',
  ...conclusions,
  '',
  'The reference (bench/referencePipeline.ts) applies the same rule SQL with DuckDB’s own JSON',
  'reader and writes both outputs, without what the loader adds: raw text and record numbers',
  'of rejects, gzip/array/BOM handling, the conservation check, publishing and the manifest.',
  '',
];
await writeFile(options.out, lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
