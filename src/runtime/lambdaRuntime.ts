import type { z } from 'zod';
import { AthenaQueryEngine } from '../adapters/aws/athenaQueryEngine.ts';
import {
  createAthenaClient,
  createGlueClient,
  createS3Client,
  createSnsClient,
} from '../adapters/aws/awsClients.ts';
import { EmfMetricsPublisher } from '../adapters/aws/emfMetricsPublisher.ts';
import { GlueCatalog } from '../adapters/aws/glueCatalog.ts';
import { S3BlobStore } from '../adapters/aws/s3BlobStore.ts';
import { SnsNotifier } from '../adapters/aws/snsNotifier.ts';
import { JsonLogger } from '../adapters/jsonLogger.ts';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { startExecutionCommand } from '../domain/notifications/notifications.ts';
import {
  type LambdaName,
  lambdaEnvironments,
  lambdaRuntimeVariables,
} from '../domain/taskEnvironments/lambdaEnvironments.ts';
import type { LogLevel } from '../domain/taskEnvironments/logLevel.ts';
import { sqlUseCaseTimeoutMinutes } from '../domain/useCases/useCase.ts';
import type { NotifyFailurePorts } from '../lambdaTasks/notifyFailure.ts';
import type { ParseArgsPorts } from '../lambdaTasks/parseArgs.ts';
import type { PlanShardsPorts } from '../lambdaTasks/planShards.ts';
import type { RecordFailurePorts } from '../lambdaTasks/recordFailure.ts';
import type { RelayAlarmPorts } from '../lambdaTasks/relayAlarm.ts';
import type { ReviewLoadsPorts } from '../lambdaTasks/reviewLoads.ts';
import type { RunSqlUseCasePorts } from '../lambdaTasks/runSqlUseCase.ts';
import type { SummarizePorts } from '../lambdaTasks/summarize.ts';
import { readChartLibrary } from '../report/chartLibrary.ts';
import { connectGlueLake } from './lakeConnection.ts';
import { readUseCaseSql } from './useCaseSqlFiles.ts';

export class LambdaConfigurationError extends PipelineError {
  override readonly name = 'LambdaConfigurationError';
}

type SettingsOf<Name extends LambdaName> = z.infer<(typeof lambdaEnvironments)[Name]>;
/** What the Lambda service sets itself. */
export type LambdaRuntimeSettings = z.infer<typeof lambdaRuntimeVariables>;

/** Every Lambda's logger: its name and environment on every line, at the level its environment sets. */
const logger = (component: LambdaName, settings: { ENVIRONMENT: string; LOG_LEVEL: LogLevel }) =>
  new JsonLogger({ component, environment: settings.ENVIRONMENT }, undefined, settings.LOG_LEVEL);

/**
 * Each Lambda's ports, built from its parsed settings: everything a handler reads from its
 * environment is read here (test/infra/taskEnvironments.test.ts checks that every variable the
 * stack sets is used).
 */
/** Each of the run report's few small queries; Summarize has minutes, not hours. */
const runReportQueryTimeoutMs = 60_000;

export const lambdaWiring = {
  parseArgs: (settings: SettingsOf<'parseArgs'>): ParseArgsPorts => ({
    environment: settings.ENVIRONMENT,
    timeZone: settings.TIME_ZONE,
    log: logger('parseArgs', settings),
  }),
  planShards: (settings: SettingsOf<'planShards'>, runtime: LambdaRuntimeSettings): PlanShardsPorts => ({
    zones: { raw: settings.LAKE_RAW, curated: settings.LAKE_CURATED },
    blobs: new S3BlobStore(createS3Client({ region: runtime.AWS_REGION })),
    shardMaxBytes: settings.SHARD_MAX_BYTES,
    mergePartMaxBytes: settings.MERGE_PART_MAX_BYTES,
    log: logger('planShards', settings),
  }),
  runSqlUseCase: (
    settings: SettingsOf<'runSqlUseCase'>,
    runtime: LambdaRuntimeSettings,
  ): RunSqlUseCasePorts => {
    const aws = { region: runtime.AWS_REGION };
    const zones = {
      raw: settings.LAKE_RAW,
      curated: settings.LAKE_CURATED,
      results: settings.LAKE_RESULTS,
      manifests: settings.LAKE_MANIFESTS,
      athenaResults: settings.LAKE_ATHENA_RESULTS,
    };
    const lake = connectGlueLake(zones, settings.GLUE_DATABASE, aws);
    return {
      zones: lake.zones,
      blobs: lake.blobs,
      catalog: lake.catalog,
      queryEngine: new AthenaQueryEngine(createAthenaClient(aws), {
        workgroup: settings.ATHENA_WORKGROUP,
        database: settings.GLUE_DATABASE,
        outputLocation: settings.LAKE_ATHENA_RESULTS,
        timeoutMs: sqlUseCaseTimeoutMinutes * 60_000,
      }),
      readSql: readUseCaseSql,
      log: logger('runSqlUseCase', settings),
    };
  },
  recordFailure: (
    settings: SettingsOf<'recordFailure'>,
    runtime: LambdaRuntimeSettings,
  ): RecordFailurePorts => ({
    zones: { manifests: settings.LAKE_MANIFESTS },
    blobs: new S3BlobStore(createS3Client({ region: runtime.AWS_REGION })),
    logGroups: { region: runtime.AWS_REGION, ...settings.TASK_LOG_GROUPS },
    log: logger('recordFailure', settings),
  }),
  reviewLoads: (settings: SettingsOf<'reviewLoads'>, runtime: LambdaRuntimeSettings): ReviewLoadsPorts => ({
    zones: { manifests: settings.LAKE_MANIFESTS },
    blobs: new S3BlobStore(createS3Client({ region: runtime.AWS_REGION })),
    log: logger('reviewLoads', settings),
  }),
  summarize: (settings: SettingsOf<'summarize'>, runtime: LambdaRuntimeSettings): SummarizePorts => ({
    environment: settings.ENVIRONMENT,
    region: runtime.AWS_REGION,
    zones: {
      manifests: settings.LAKE_MANIFESTS,
      curated: settings.LAKE_CURATED,
      results: settings.LAKE_RESULTS,
    },
    queryEngine: new AthenaQueryEngine(createAthenaClient({ region: runtime.AWS_REGION }), {
      workgroup: settings.ATHENA_WORKGROUP,
      database: settings.GLUE_DATABASE,
      outputLocation: settings.LAKE_ATHENA_RESULTS,
      timeoutMs: runReportQueryTimeoutMs,
    }),
    chartLibrary: readChartLibrary,
    blobs: new S3BlobStore(createS3Client({ region: runtime.AWS_REGION })),
    catalog: new GlueCatalog(createGlueClient({ region: runtime.AWS_REGION }), settings.GLUE_DATABASE),
    notifier: new SnsNotifier(createSnsClient({ region: runtime.AWS_REGION }), settings.TOPIC_ARN),
    metrics: new EmfMetricsPublisher(settings.METRICS_NAMESPACE, settings.ENVIRONMENT),
    redriveCommand: (executionId) => `npx etl redrive ${executionId}`,
    log: logger('summarize', settings),
  }),
  notifyFailure: (
    settings: SettingsOf<'notifyFailure'>,
    runtime: LambdaRuntimeSettings,
  ): NotifyFailurePorts => ({
    environment: settings.ENVIRONMENT,
    region: runtime.AWS_REGION,
    notifier: new SnsNotifier(createSnsClient({ region: runtime.AWS_REGION }), settings.TOPIC_ARN),
    rerunCommand: (input, executionId) => startExecutionCommand(executionId, input),
    log: logger('notifyFailure', settings),
  }),
  relayAlarm: (settings: SettingsOf<'relayAlarm'>, runtime: LambdaRuntimeSettings): RelayAlarmPorts => ({
    environment: settings.ENVIRONMENT,
    notifier: new SnsNotifier(createSnsClient({ region: runtime.AWS_REGION }), settings.TOPIC_ARN),
    log: logger('relayAlarm', settings),
  }),
} as const;

type PortsOf<Name extends LambdaName> = ReturnType<(typeof lambdaWiring)[Name]>;

/** Parses a Lambda's environment against its schema, naming every problem, then wires its ports. */
export function lambdaPorts<Name extends LambdaName>(
  name: Name,
  env: Readonly<Record<string, string | undefined>> = process.env,
): PortsOf<Name> {
  const settings = lambdaEnvironments[name].safeParse(env);
  const runtime = lambdaRuntimeVariables.safeParse(env);
  if (!settings.success || !runtime.success) {
    const issues = [...(settings.error?.issues ?? []), ...(runtime.error?.issues ?? [])];
    throw new LambdaConfigurationError(
      `The ${name} Lambda's environment is invalid: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
    );
  }
  const wire = lambdaWiring[name] as (settings: unknown, runtime: LambdaRuntimeSettings) => PortsOf<Name>;
  return wire(settings.data, runtime.data);
}

/** A handler's ports, built on its first invocation and kept for the warm ones. */
export function lazyLambdaPorts<Name extends LambdaName>(name: Name): () => PortsOf<Name> {
  let ports: PortsOf<Name> | undefined;
  return () => {
    ports ??= lambdaPorts(name);
    return ports;
  };
}
