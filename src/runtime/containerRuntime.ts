import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { type DuckdbOptions, defaultDuckdbMemoryLimit } from '../adapters/duckdb/duckdbSession.ts';
import { JsonLogger } from '../adapters/jsonLogger.ts';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { runIdPattern } from '../domain/run/runId.ts';
import type { Logger } from '../ports/logger.ts';
import { connectLake, type LakeConnection } from './lakeConnection.ts';

/**
 * What every container of the pipeline (loader, model processors) shares: its environment
 * (static settings from the task definition, per-run values from the Step Functions container
 * overrides), JSON logs on stderr with the run id, and the outcome as the last stdout line —
 * the summary on success, `{ error, message }` and exit code 1 on failure.
 */
const commonEnvironment = z.object({
  RUN_ID: z.string().regex(runIdPattern, 'a run id like 20240115T060000Z-3f9a1c'),
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
  WORK_DIR: z.string().default(join(tmpdir(), 'listings-container')),
  DUCKDB_MEMORY_LIMIT: z.string().default(defaultDuckdbMemoryLimit),
  DUCKDB_THREADS: z.coerce.number().int().positive().optional(),
});

export type CommonEnvironment = z.infer<typeof commonEnvironment>;

export class ContainerConfigurationError extends PipelineError {
  override readonly name = 'ContainerConfigurationError';
}

export interface ContainerContext<Extra> {
  readonly env: CommonEnvironment & Extra;
  readonly lake: LakeConnection;
  readonly log: Logger;
  readonly duckdb: DuckdbOptions;
}

/** Runs a container's work with the shared contract; `extra` validates its own variables. */
export function runContainer<Extra extends Record<string, unknown>>(
  component: string,
  extra: z.ZodType<Extra>,
  work: (context: ContainerContext<Extra>) => Promise<Record<string, unknown>>,
): void {
  const main = async (): Promise<void> => {
    const common = commonEnvironment.safeParse(process.env);
    const own = extra.safeParse(process.env);
    const issues = [...(common.success ? [] : common.error.issues), ...(own.success ? [] : own.error.issues)];
    if (!common.success || !own.success) {
      const problems = issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new ContainerConfigurationError(`${component} environment is invalid: ${problems}`);
    }
    const env = { ...common.data, ...own.data };
    const log = new JsonLogger({ component, runId: env.RUN_ID });
    const zones = Object.fromEntries(
      Object.entries({
        raw: env.LAKE_RAW,
        curated: env.LAKE_CURATED,
        results: env.LAKE_RESULTS,
        manifests: env.LAKE_MANIFESTS,
        athenaResults: env.LAKE_ATHENA_RESULTS,
      }).filter(([, uri]) => uri !== undefined),
    );
    const lake = connectLake(env.LAKE, env.CATALOG, env.CATALOG_DATABASE, zones);
    const duckdb: DuckdbOptions = {
      memoryLimit: env.DUCKDB_MEMORY_LIMIT,
      ...(env.DUCKDB_THREADS ? { threads: env.DUCKDB_THREADS } : {}),
    };
    const summary = await work({ env, lake, log, duckdb });
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    log.info(`${component} finished`, { peakRssBytes });
    process.stdout.write(`${JSON.stringify({ ...summary, peakRssBytes })}\n`);
  };
  main().catch((error: unknown) => {
    const failure = error instanceof Error ? error : new Error(String(error));
    process.stdout.write(`${JSON.stringify({ error: failure.name, message: failure.message })}\n`);
    new JsonLogger({ component, runId: process.env.RUN_ID }).error(`${component} failed`, {
      error: failure.name,
      message: failure.message,
    });
    process.exitCode = 1;
  });
}
