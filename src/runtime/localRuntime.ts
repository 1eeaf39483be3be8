import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { AthenaQueryEngine } from '../adapters/aws/athenaQueryEngine.ts';
import { createAthenaClient } from '../adapters/aws/awsClients.ts';
import type { DuckdbOptions } from '../adapters/duckdb/duckdbSession.ts';
import { LocalQueryEngine } from '../adapters/duckdb/localQueryEngine.ts';
import { unpublishedMetrics } from '../adapters/local/unpublishedMetrics.ts';
import { defaultMergePartMaxMiB, defaultShardMaxMiB } from '../domain/ingest/shardPlan.ts';
import type {
  containerGlueLake,
  containerLocalLake,
  containerSettings,
} from '../domain/taskEnvironments/containerEnvironments.ts';
import type { EnvironmentVariables } from '../domain/taskEnvironments/environmentVariables.ts';
import type { NotifyFailurePorts } from '../lambdaTasks/notifyFailure.ts';
import type { ParseArgsPorts } from '../lambdaTasks/parseArgs.ts';
import type { PlanShardsPorts } from '../lambdaTasks/planShards.ts';
import type { RecordFailurePorts } from '../lambdaTasks/recordFailure.ts';
import type { ReviewLoadsPorts } from '../lambdaTasks/reviewLoads.ts';
import type { RunSqlUseCasePorts } from '../lambdaTasks/runSqlUseCase.ts';
import type { SummarizePorts } from '../lambdaTasks/summarize.ts';
import type { Logger } from '../ports/logger.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { QueryEngine } from '../ports/queryEngine.ts';
import { readChartLibrary } from '../report/chartLibrary.ts';
import type { LakeConnection } from './lakeConnection.ts';
import { readUseCaseSql } from './useCaseSqlFiles.ts';

/** What every Lambda task needs, for a run on a laptop: the ports of all of them at once. */
export type LocalPipelinePorts = ParseArgsPorts &
  PlanShardsPorts &
  RunSqlUseCasePorts &
  RecordFailurePorts &
  ReviewLoadsPorts &
  SummarizePorts &
  NotifyFailurePorts;

export interface LocalRunSettings {
  /** Stands for the deployed environment's name in messages and logs (`local`). */
  readonly environment: string;
  readonly timeZone: string;
  readonly notifier: Notifier;
  /** The command that starts the run again with an input (an `etl run` line). */
  readonly rerunCommand: (input: unknown) => string;
  /** The command that re-drives an execution's failed part (an `etl redrive` line). */
  readonly redriveCommand: (executionId: string) => string;
  /** Days one execution plans at most; default: what the execution history allows. */
  readonly maxDaysPerExecution?: number;
  /** A day above this many raw bytes is loaded in shards (default: {@link defaultShardMaxMiB}). */
  readonly shardMaxBytes?: number;
  /** A sharded day above this many raw bytes is merged in parts (default: {@link defaultMergePartMaxMiB}). */
  readonly mergePartMaxBytes?: number;
  /**
   * DuckDB's memory limit and spill folder for the SQL use cases (each statement's engine):
   * without them a crowded day's clustering took 14 GB of a laptop's memory.
   */
  readonly duckdb?: DuckdbOptions;
  readonly log: Logger;
}

/**
 * The query engine of a local run: DuckDB over the local catalog, opened for each statement
 * so that it sees the partitions published a moment before (as Athena would); Athena itself
 * for a lake in S3 (DuckDB here has no S3 access), in the workgroup ATHENA_WORKGROUP names.
 */
export function localQueryEngine(lake: LakeConnection, duckdb: DuckdbOptions = {}): QueryEngine {
  if (lake.catalogKind === 'glue') {
    return new AthenaQueryEngine(createAthenaClient(), {
      workgroup: process.env.ATHENA_WORKGROUP ?? 'primary',
      database: lake.catalog.database,
      outputLocation: lake.zones.athenaResults,
    });
  }
  const withEngine = async <T>(use: (engine: LocalQueryEngine) => Promise<T>): Promise<T> => {
    // a spill folder of its own: use cases run side by side, and DuckDB names its spill files
    // the same way in every instance
    const spill =
      duckdb.tempDirectory === undefined
        ? undefined
        : await mkdir(duckdb.tempDirectory, { recursive: true }).then(() =>
            mkdtemp(join(duckdb.tempDirectory as string, 'query-')),
          );
    try {
      const engine = await LocalQueryEngine.open(lake.catalog, lake.root, {
        ...duckdb,
        ...(spill ? { tempDirectory: spill } : {}),
      });
      try {
        return await use(engine);
      } finally {
        engine.close();
      }
    } finally {
      if (spill) await rm(spill, { recursive: true, force: true });
    }
  };
  return {
    query: (sql, options) => withEngine((engine) => engine.query(sql, options)),
    unload: (select, location, options) => withEngine((engine) => engine.unload(select, location, options)),
  };
}

/** The Lambda tasks' ports for a local run over `lake`. */
export function localPipelinePorts(lake: LakeConnection, settings: LocalRunSettings): LocalPipelinePorts {
  return {
    environment: settings.environment,
    region: 'local',
    timeZone: settings.timeZone,
    zones: lake.zones,
    blobs: lake.blobs,
    catalog: lake.catalog,
    queryEngine: localQueryEngine(lake, settings.duckdb),
    readSql: readUseCaseSql,
    chartLibrary: readChartLibrary,
    notifier: settings.notifier,
    metrics: unpublishedMetrics,
    rerunCommand: (input) => settings.rerunCommand(input),
    redriveCommand: settings.redriveCommand,
    // No CloudWatch here: a local container's log lines are printed as the run goes.
    logGroups: null,
    ...(settings.maxDaysPerExecution ? { maxDaysPerExecution: settings.maxDaysPerExecution } : {}),
    shardMaxBytes: settings.shardMaxBytes ?? defaultShardMaxMiB * 1024 * 1024,
    mergePartMaxBytes: settings.mergePartMaxBytes ?? defaultMergePartMaxMiB * 1024 * 1024,
    log: settings.log,
  };
}

/** What a container reads in a local run: its task definition's settings, pointed at the local lake. */
export type LocalContainerEnvironment = EnvironmentVariables<typeof containerSettings> &
  (EnvironmentVariables<typeof containerLocalLake> | EnvironmentVariables<typeof containerGlueLake>);

export function localContainerEnvironment(
  lake: LakeConnection,
  settings: { readonly environment: string; readonly workDir: string; readonly duckdbMemoryLimit: string },
): LocalContainerEnvironment {
  const common = {
    ENVIRONMENT: settings.environment,
    // A local container's lines go to the person at the terminal, who reads info and up.
    LOG_LEVEL: 'info',
    WORK_DIR: settings.workDir,
    DUCKDB_MEMORY_LIMIT: settings.duckdbMemoryLimit,
    DUCKDB_THREADS: String(availableParallelism()),
    // Every second: the runner turns these lines into the terminal's live line.
    PROGRESS_INTERVAL_SECONDS: '1',
  };
  if (lake.catalogKind === 'local') return { ...common, CATALOG: 'local', LAKE: lake.root };
  return {
    ...common,
    CATALOG: 'glue',
    LAKE_RAW: lake.zones.raw,
    LAKE_CURATED: lake.zones.curated,
    LAKE_RESULTS: lake.zones.results,
    LAKE_MANIFESTS: lake.zones.manifests,
    LAKE_ATHENA_RESULTS: lake.zones.athenaResults,
    GLUE_DATABASE: lake.catalog.database,
  };
}
