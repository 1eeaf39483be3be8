/**
 * What `property_clusters` costs when several large sources list the same municipalities: one
 * day of generated listings per shape (sources × offers each, the same total), a share of each
 * source's offers being another portal's copy of a property of the first source (area and
 * price within 1%), run through the RunSqlUseCase task on a local lake. Each shape runs in its
 * own process, so that its peak RSS is its own; the figures go to bench/property-clusters.md.
 *
 * Run for several municipality counts: the fewer the municipalities, the denser the offers a
 * match is looked for among (100 is a stress test; Switzerland has about 2,100).
 *
 *   npx tsx bench/propertyClustersCost.ts [--shapes 1x2000000,2x1000000,4x500000] [--municipalities 100,2000]
 *                                         [--copies 0.3] [--out bench/property-clusters.md]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { cpuUsage, resourceUsage } from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckdbSession } from '../src/adapters/duckdb/duckdbSession.ts';
import { silentLogger } from '../src/adapters/jsonLogger.ts';
import { sqlString } from '../src/domain/sql/sqlLiteral.ts';
import { propertyClusters } from '../src/domain/useCases/registry.ts';
import { runSqlUseCaseTask } from '../src/lambdaTasks/runSqlUseCase.ts';
import { connectLake, type LakeConnection } from '../src/runtime/lakeConnection.ts';
import { localQueryEngine } from '../src/runtime/localRuntime.ts';
import { readUseCaseSql } from '../src/runtime/useCaseSqlFiles.ts';
import { publishListingsPartition } from './support/listingsPartition.ts';

const { values: options } = parseArgs({
  options: {
    shapes: { type: 'string', default: '1x2000000,2x1000000,4x500000' },
    municipalities: { type: 'string', default: '100,2000' },
    copies: { type: 'string', default: '0.3' },
    /** DuckDB's memory limit for the use case, as `etl run --memory-limit` gives it (default: DuckDB's own). */
    'memory-limit': { type: 'string' },
    out: { type: 'string', default: 'bench/property-clusters.md' },
    /** Internal: run one shape in this process and print its figures as JSON. */
    shape: { type: 'string' },
  },
});
const copies = Number(options.copies);
const dt = '2024-01-15';

interface ShapeFigures {
  readonly municipalities: number;
  readonly sources: number;
  readonly offersPerSource: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMb: number;
  readonly rows: number;
  readonly multiSourceClusters: number;
}

/** One source's listings: fresh offers, and copies of the first source's (seeded, reproducible). */
async function publishSource(
  session: DuckdbSession,
  lake: LakeConnection,
  index: number,
  offers: number,
  municipalities: number,
): Promise<void> {
  const source = `portal${index}`;
  // property i: municipality, type, area and price per m² from hashes of i; a copy moves area
  // and price by less than 1%
  const property = (i: string, jitter: string) => `
    'M' || (hash(${i}) % ${municipalities}) AS municipality,
    CASE WHEN hash(${i} + 1) % 3 = 0 THEN 'house' ELSE 'apartment' END AS property_type,
    round((30 + hash(${i} + 2) % 170) * (1 + ${jitter}), 1) AS living_area,
    round((3000 + hash(${i} + 3) % 9000) * (1 + ${jitter})) AS ppsqm`;
  // the first source holds the originals (no jitter); the others copy them
  const copied = Math.round(offers * copies);
  const jitter = index === 0 ? '0' : `(CAST(hash(range + ${index * 1000}) % 200 AS INTEGER) - 100) / 20000.0`;
  await publishListingsPartition(
    session,
    lake,
    { source, dt },
    `(SELECT 'c' || range AS id, ${property('range * 7919', jitter)} FROM range(${copied})
      UNION ALL
      SELECT 'f' || range AS id, ${property(`(range + ${index + 1} * 100000000)`, '0')} FROM range(${offers - copied}))`,
  );
}

async function runShape(
  sources: number,
  offersPerSource: number,
  municipalities: number,
): Promise<ShapeFigures> {
  const root = await mkdtemp(join(tmpdir(), 'clusters-bench-'));
  const lake = connectLake(root);
  const session = await DuckdbSession.open();
  try {
    for (let index = 0; index < sources; index++)
      await publishSource(session, lake, index, offersPerSource, municipalities);
    const started = performance.now();
    const cpu = cpuUsage();
    await runSqlUseCaseTask(
      { useCase: propertyClusters.name, dt, runId: '20240115T060000Z-000001' },
      {
        zones: lake.zones,
        blobs: lake.blobs,
        catalog: lake.catalog,
        queryEngine: localQueryEngine(
          lake,
          options['memory-limit']
            ? { memoryLimit: options['memory-limit'], tempDirectory: join(root, 'spill') }
            : {},
        ),
        readSql: readUseCaseSql,
        log: silentLogger,
      },
    );
    const used = cpuUsage(cpu);
    const wallMs = performance.now() - started;
    const partition = await lake.catalog.getPartition(propertyClusters.table.name, { dt });
    const [counted] = await session.all(`
      SELECT count(*) AS rows, count(DISTINCT property_cluster_id) FILTER (WHERE len(cluster_sources) > 1) AS multi
      FROM read_parquet(${sqlString(`${partition?.location ?? ''}*.parquet`)})`);
    return {
      municipalities,
      sources,
      offersPerSource,
      wallMs,
      cpuMs: (used.user + used.system) / 1000,
      peakRssMb: resourceUsage().maxRSS / 1024,
      rows: Number(counted?.rows),
      multiSourceClusters: Number(counted?.multi),
    };
  } finally {
    session.close();
    await rm(root, { recursive: true, force: true });
  }
}

const shapeOf = (text: string): [number, number] => {
  const [sources, offers] = text.split('x').map(Number);
  if (!sources || !offers) throw new Error(`A shape is SOURCESxOFFERS, not "${text}"`);
  return [sources, offers];
};

if (options.shape !== undefined) {
  process.stdout.write(
    `${JSON.stringify(await runShape(...shapeOf(options.shape), Number(options.municipalities)))}\n`,
  );
} else {
  const figures: ShapeFigures[] = [];
  for (const municipalities of options.municipalities.split(',').map(Number)) {
    for (const shape of options.shapes.split(',')) {
      const child = spawnSync(
        process.execPath,
        [
          ...process.execArgv,
          fileURLToPath(import.meta.url),
          ...['--shape', shape, '--municipalities', String(municipalities), '--copies', String(copies)],
          ...(options['memory-limit'] ? ['--memory-limit', options['memory-limit']] : []),
        ],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      if (child.status !== 0) throw new Error(`shape ${shape} failed: ${child.stderr}`);
      const result = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as ShapeFigures;
      process.stderr.write(
        `${municipalities} municipalities, ${shape}: ${(result.wallMs / 1000).toFixed(2)} s, ${result.peakRssMb.toFixed(0)} MB\n`,
      );
      figures.push(result);
    }
  }
  const n = (value: number) => Math.round(value).toLocaleString('en-US');
  await writeFile(
    options.out,
    [
      '# property_clusters: cost when several large sources share municipalities',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} with \`npx tsx bench/propertyClustersCost.ts\` on ${cpus()[0]?.model ?? 'unknown CPU'},`,
      `${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM (shared with other work), Node ${process.version}, DuckDB locally (memory limit: ${options['memory-limit'] ?? "DuckDB's default, 80% of RAM"}).`,
      `One day; every source lists in the same municipalities; ${copies * 100}% of the offers of every source but the`,
      "first are copies of the first source's offers (area and price moved by less than 1%), the rest are its own.",
      'Wall and CPU time of the whole RunSqlUseCase task (query, write, publish); peak RSS of the process, generation included.',
      '',
      '| municipalities | sources × offers | offers | wall s | CPU s | peak RSS MB | rows | clusters with > 1 source |',
      '|---:|---|---:|---:|---:|---:|---:|---:|',
      ...figures.map(
        (f) =>
          `| ${n(f.municipalities)} | ${f.sources} × ${n(f.offersPerSource)} | ${n(f.sources * f.offersPerSource)} | ${(f.wallMs / 1000).toFixed(2)} | ${(f.cpuMs / 1000).toFixed(2)} | ${n(f.peakRssMb)} | ${n(f.rows)} | ${n(f.multiSourceClusters)} |`,
      ),
      '',
      'The fewer the municipalities, the more offers share each band of price and area, and the more',
      'candidate pairs the match compares: 100 municipalities is a stress test. "Clusters with > 1 source"',
      `counts the copies (${copies * 100}% of each source but the first) and offers that match by chance.`,
      '',
    ].join('\n'),
  );
  process.stderr.write(`wrote ${options.out}\n`);
}
