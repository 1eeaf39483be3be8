/**
 * A day larger than one task, locally: `etl run`'s pipeline (in this process, its loader tasks
 * as child processes) on a day of many raw objects, loaded in one task, in shards merged in one
 * part, and in shards merged in `--merge-parts` parts, one after the other, alternating. Records
 * wall time, the load's time, the peak RSS of every task's process (the largest is what a task
 * size must hold) and checks that all published the same counts. Results go to
 * bench/sharded-load.md with the machine.
 *
 * Options: --objects 20  --rows-per-object 1000000  --shard-size 600 (MiB)  --merge-parts 4
 *          --memory-limit 1GB  --repeat 1  --out bench/sharded-load.md
 */
import { existsSync } from 'node:fs';
import { link, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/adapters/jsonLogger.ts';
import { runPipeline } from '../src/cli/runCommand.ts';
import { rawPrefix } from '../src/domain/lake/lakeLayout.ts';
import type { TaskProgress } from '../src/domain/run/taskProgress.ts';
import { plannedLoaderMemoryMiB } from '../src/domain/sql/duckdbMemoryLimit.ts';
import { messyOfferLines } from '../src/generator/messyOffers.ts';
import { containerBundle } from '../src/orchestrator/esbuildBundles.ts';
import { writeLines } from './support/writeLines.ts';

const { values: options } = parseArgs({
  options: {
    objects: { type: 'string', default: '20' },
    'rows-per-object': { type: 'string', default: '1000000' },
    'shard-size': { type: 'string', default: '600' },
    'merge-parts': { type: 'string', default: '4' },
    'memory-limit': { type: 'string', default: '1GB' },
    repeat: { type: 'string', default: '1' },
    out: { type: 'string', default: 'bench/sharded-load.md' },
  },
});
const objects = Number(options.objects);
const rowsPerObject = Number(options['rows-per-object']);
const shardSizeMiB = Number(options['shard-size']);
const mergeParts = Number(options['merge-parts']);
const memoryLimit = options['memory-limit'];
const repeat = Number(options.repeat);
const work = join(tmpdir(), 'listings-bench', 'sharded');
const dt = '2024-01-15';
const source = 'pricehubble';

/** The day's raw objects, generated once (seed = object number: ids repeat across objects). */
async function dayObjects(): Promise<string[]> {
  const dir = join(work, `objects-${objects}x${rowsPerObject}`);
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 1; i <= objects; i++) {
    const path = join(dir, `part-${String(i).padStart(3, '0')}.jsonl`);
    if (!existsSync(path)) {
      process.stderr.write(`generating ${path}\n`);
      await writeLines(path, messyOfferLines(rowsPerObject, i));
    }
    paths.push(path);
  }
  return paths;
}

interface Run {
  readonly wallMs: number;
  readonly loadMs: number;
  /** The shards' Map, the merge parts' Map and the publish (zero for a day in one task). */
  readonly checkShardsMs: number;
  readonly mergeMs: number;
  readonly publishMs: number;
  readonly tasks: number;
  readonly maxTaskRssBytes: number;
  readonly read: number;
  readonly kept: number;
  readonly rejected: number;
}

/** One run on a fresh lake whose raw zone holds the day (hard links: nothing is copied). */
async function runDay(
  paths: readonly string[],
  sizes: { readonly shardMaxMiB: number; readonly mergePartMaxMiB: number },
): Promise<Run> {
  const lake = join(work, 'lake');
  await rm(lake, { recursive: true, force: true });
  const raw = rawPrefix({ raw: `${lake}/raw/` }, { source, dt });
  await mkdir(raw, { recursive: true });
  for (const path of paths) await link(path, join(raw, path.split('/').at(-1) as string));
  const rss: number[] = [];
  const onProgress = (progress: TaskProgress) => {
    if (progress.stage === 'done' && progress.peakRssBytes !== undefined) rss.push(progress.peakRssBytes);
  };
  const started = performance.now();
  const summary = await runPipeline(
    {
      inputs: [],
      date: dt,
      useCases: [],
      lake,
      catalog: 'local',
      workDir: join(work, 'scratch'),
      duckdbMemoryLimit: memoryLimit,
      ...sizes,
      onProgress,
    },
    silentLogger,
  );
  const wallMs = performance.now() - started;
  if (summary.status !== 'SUCCEEDED') throw new Error(`the run failed: ${JSON.stringify(summary.outcomes)}`);
  await rm(lake, { recursive: true, force: true });
  const stateMs = (state: string) => summary.stateDurations.find((s) => s.state === state)?.durationMs ?? 0;
  return {
    wallMs,
    loadMs: stateMs('LoadPartitions'),
    checkShardsMs: stateMs('CheckShards'),
    mergeMs: stateMs('MergeShards'),
    publishMs: stateMs('PublishShards'),
    tasks: rss.length,
    maxTaskRssBytes: Math.max(...rss),
    ...summary.totals,
  };
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const mb = (bytes: number) => Math.round(bytes / 1e6);
const count = (n: number) => n.toLocaleString('en-US');

await containerBundle('loader'); // built once, before anything is timed
const paths = await dayObjects();
let bytes = 0;
for (const path of paths) bytes += (await stat(path)).size;
const dayMiB = bytes / 2 ** 20;
const inParts = `shards, merge in ${mergeParts} parts`;
const partMiB = Math.ceil(dayMiB / mergeParts);
const configs = new Map([
  ['one task', { shardMaxMiB: 1024 * 1024, mergePartMaxMiB: 1024 * 1024 }],
  ['shards, merge in 1 part', { shardMaxMiB: shardSizeMiB, mergePartMaxMiB: 1024 * 1024 }],
  [inParts, { shardMaxMiB: shardSizeMiB, mergePartMaxMiB: partMiB }],
]);
type Config = string;
const runs = new Map<Config, Run[]>([...configs.keys()].map((c) => [c, []]));
for (let round = 0; round < repeat; round++) {
  const order = [...configs.entries()];
  if (round % 2 === 1) order.reverse();
  for (const [config, sizes] of order) {
    const run = await runDay(paths, sizes);
    runs.get(config)?.push(run);
    process.stderr.write(
      `${config}: ${seconds(run.wallMs)} s, ${run.tasks} tasks, max task RSS ${mb(run.maxTaskRssBytes)} MB\n`,
    );
  }
}
const best = (config: Config): Run =>
  (runs.get(config) ?? []).reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
const one = best('one task');
const sharded = best('shards, merge in 1 part');
const parted = best(inParts);
for (const field of ['read', 'kept', 'rejected'] as const) {
  for (const other of [sharded, parted])
    if (one[field] !== other[field])
      throw new Error(`one task and shards disagree on ${field}: ${one[field]} vs ${other[field]}`);
}
const rows = objects * rowsPerObject;
const plannedMiB = plannedLoaderMemoryMiB(memoryLimit);
const withinPlan = (run: Run) => run.maxTaskRssBytes <= plannedMiB * 2 ** 20;
const row = (config: Config, run: Run) =>
  `| ${config} | ${run.tasks} | ${seconds(run.wallMs)} | ${seconds(run.loadMs)} | ${seconds(run.checkShardsMs)} | ` +
  `${seconds(run.mergeMs)} | ${seconds(run.publishMs)} | ${count(Math.round(rows / (run.loadMs / 1000)))} | ${mb(run.maxTaskRssBytes)} ` +
  `(${withinPlan(run) ? 'within' : '**over**'} plan) |`;
const lines = [
  '# A day in shards',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} with \`npx tsx bench/shardedLoadBench.ts\` on ${cpus().length} × ` +
    `${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}. ` +
    `The day: ${objects} raw object${objects === 1 ? '' : 's'} of ${count(rowsPerObject)} generated offers (${count(rows)} rows, ${mb(bytes)} MB; ` +
    'ids repeat), loaded by the local pipeline (`etl run --no-use-cases`) in one loader task and in ' +
    `shards of at most ${shardSizeMiB} MiB (\`--shard-size ${shardSizeMiB}\`) merged in one part and in ${mergeParts} ` +
    `(\`--merge-part-size ${partMiB}\`), each task a child process with a ` +
    `${memoryLimit} DuckDB limit. Best of ${repeat} alternating round(s).`,
  '',
  '| load | loader tasks | wall s | load s | of which shards s | merge s | publish s | rows/s | largest task peak RSS MB |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  row('one task', one),
  row('shards, merge in 1 part', sharded),
  row(inParts, parted),
  '',
  `All published the same day: read ${count(one.read)}, kept ${count(one.kept)}, rejected ${count(one.rejected)} ` +
    '(the generator repeats ids across objects: most rejects are duplicates). The plan for a task is ' +
    `${plannedMiB} MiB with a ${memoryLimit} limit (limit + measured overhead; \`src/domain/sql/duckdbMemoryLimit.ts\`). ` +
    `Sharded, the day took ${(sharded.wallMs / one.wallMs).toFixed(2)}× (merged in one part) and ` +
    `${(parted.wallMs / one.wallMs).toFixed(2)}× (in ${mergeParts}) the time of one task here, where all tasks ` +
    'share the same two cores; in AWS each shard has its own Fargate task (docs/capacity.md).',
  '',
];
await writeFile(options.out, lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
