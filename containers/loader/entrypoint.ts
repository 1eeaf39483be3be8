/**
 * The loader container: what the Fargate task runs in AWS and what the local orchestrator
 * starts as a child process. Input comes from the environment (Step Functions container
 * overrides); the run summary is the last line on stdout, logs are JSON on stderr.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { JsonLogger } from '../../src/adapters/jsonLogger.ts';
import { connectLake } from '../../src/adapters/lakeAdapters.ts';
import { runIdPattern } from '../../src/domain/run/runId.ts';
import { sourceNamed } from '../../src/domain/sources/registry.ts';
import { loadPartition } from '../../src/loader/loadPartition.ts';

const environmentSchema = z.object({
  RUN_ID: z.string().regex(runIdPattern, 'a run id like 20240115T060000Z-3f9a1c'),
  SOURCE: z.string().min(1),
  RUN_DATE: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
  /** The lake root (a directory or s3://bucket/prefix); LAKE_<ZONE> override single zones (the deployed buckets). */
  LAKE: z.string().min(1),
  LAKE_RAW: z.string().optional(),
  LAKE_CURATED: z.string().optional(),
  LAKE_RESULTS: z.string().optional(),
  LAKE_MANIFESTS: z.string().optional(),
  LAKE_ATHENA_RESULTS: z.string().optional(),
  CATALOG: z.enum(['local', 'glue']).default('local'),
  CATALOG_DATABASE: z.string().optional(),
  WORK_DIR: z.string().default(join(tmpdir(), 'listings-loader')),
  DUCKDB_MEMORY_LIMIT: z.string().default('1GB'),
  DUCKDB_THREADS: z.coerce.number().int().positive().optional(),
});

export class LoaderConfigurationError extends Error {
  override readonly name = 'LoaderConfigurationError';
}

async function main(): Promise<void> {
  const parsed = environmentSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new LoaderConfigurationError(`Loader environment is invalid: ${problems}`);
  }
  const env = parsed.data;
  const log = new JsonLogger({ component: 'loader', runId: env.RUN_ID });
  const overrides = Object.fromEntries(
    Object.entries({
      raw: env.LAKE_RAW,
      curated: env.LAKE_CURATED,
      results: env.LAKE_RESULTS,
      manifests: env.LAKE_MANIFESTS,
      athenaResults: env.LAKE_ATHENA_RESULTS,
    }).filter(([, uri]) => uri !== undefined),
  );
  const lake = connectLake(env.LAKE, env.CATALOG, env.CATALOG_DATABASE, overrides);
  const summary = await loadPartition(
    { source: sourceNamed(env.SOURCE), date: env.RUN_DATE, runId: env.RUN_ID },
    {
      blobs: lake.blobs,
      catalog: lake.catalog,
      zones: lake.zones,
      log,
      workDir: env.WORK_DIR,
      duckdb: {
        memoryLimit: env.DUCKDB_MEMORY_LIMIT,
        ...(env.DUCKDB_THREADS ? { threads: env.DUCKDB_THREADS } : {}),
      },
    },
  );
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  log.info('loader finished', {
    read: summary.read,
    kept: summary.kept,
    rejected: summary.rejected,
    peakRssBytes,
  });
  process.stdout.write(`${JSON.stringify({ ...summary, peakRssBytes })}\n`);
}

main().catch((error: unknown) => {
  const failure = error instanceof Error ? error : new Error(String(error));
  // The last stdout line is the machine-readable outcome, for the orchestrator to map.
  process.stdout.write(`${JSON.stringify({ error: failure.name, message: failure.message })}\n`);
  new JsonLogger({ component: 'loader', runId: process.env.RUN_ID }).error('loader failed', {
    error: failure.name,
    message: failure.message,
  });
  process.exitCode = 1;
});
