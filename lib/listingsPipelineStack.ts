import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type StackOutput, stackOutputNames } from '../src/domain/deployment/pipelineStack.ts';
import { InternalError } from '../src/domain/errors/pipelineError.ts';
import { sources } from '../src/domain/sources/registry.ts';
import { curatedTables, runLedgerTables } from '../src/domain/tables/tableSchema.ts';
import { taskProgressIntervalSeconds } from '../src/domain/taskEnvironments/containerEnvironments.ts';
import { useCases as registeredUseCases, tablesOf } from '../src/domain/useCases/registry.ts';
import type { ModelUseCase, UseCase } from '../src/domain/useCases/useCase.ts';
import { AlertTopic } from './alertTopic.ts';
import { AnalystAccess } from './analystAccess.ts';
import { AthenaWorkgroup } from './athenaWorkgroup.ts';
import { BatchCompute } from './batchCompute.ts';
import type { PipelineConfig } from './config/environments.ts';
import { ContainerTask } from './containerTask.ts';
import { DataLakeBuckets } from './dataLakeBuckets.ts';
import { GlueDatabase } from './glueDatabase.ts';
import { acknowledgeAwsSolutionsFindings } from './nag/awsSolutionsAcknowledgements.ts';
import { PipelineAlarms } from './pipelineAlarms.ts';
import { PipelineFunctions } from './pipelineFunctions.ts';
import { grantPipelinePermissions } from './pipelinePermissions.ts';
import { PipelineSchedule } from './pipelineSchedule.ts';
import { PipelineStateMachine } from './pipelineStateMachine.ts';

export interface ListingsPipelineStackProps extends StackProps {
  readonly config: PipelineConfig;
  /** The use cases to deploy; default: the registry's (`src/domain/useCases/registry.ts`). */
  readonly useCases?: readonly UseCase[];
}

/** A construct id from a container's folder name: `priceModel` → `PriceModel`. */
const constructIdOf = (container: string): string =>
  `${container.charAt(0).toUpperCase()}${container.slice(1)}`;

/**
 * One environment of the listings pipeline: the lake, the catalog, the loader, the Lambdas,
 * the state machine with its schedule, alerts and the analysts' access.
 */
export class ListingsPipelineStack extends Stack {
  readonly lake: DataLakeBuckets;
  readonly catalog: GlueDatabase;
  readonly workgroup: AthenaWorkgroup;
  readonly alerts: AlertTopic;
  readonly operations: AlertTopic;
  readonly schedule: PipelineSchedule;
  readonly alarms: PipelineAlarms;
  readonly compute: BatchCompute;
  readonly loader: ContainerTask;
  /** One Fargate task per model use case, by use-case name. */
  readonly modelTasks: ReadonlyMap<string, ContainerTask>;
  readonly functions: PipelineFunctions;
  readonly pipeline: PipelineStateMachine;
  readonly analystAccess: AnalystAccess;

  constructor(scope: Construct, id: string, props: ListingsPipelineStackProps) {
    super(scope, id, {
      ...props,
      env: { account: props.config.account, region: props.config.region },
      terminationProtection: props.config.retainData,
    });
    const { config } = props;
    const useCases = props.useCases ?? registeredUseCases;
    const resultTables = useCases.flatMap(tablesOf);
    const modelUseCases = useCases.filter((u): u is ModelUseCase => u.kind === 'model');
    Tags.of(this).add('project', 'listings-pipeline');
    Tags.of(this).add('environment', config.name);

    const retention = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logs = { logRetention: config.logRetentionDays, logRemovalPolicy: retention };
    const glueDatabaseName = `listings_${config.name}`;
    const athenaWorkgroupName = `listings-${config.name}`;

    this.lake = new DataLakeBuckets(this, 'Lake', { retainData: config.retainData });
    // The id stays 'Catalog': renaming it would replace the deployed database and tables.
    this.catalog = new GlueDatabase(this, 'Catalog', {
      databaseName: glueDatabaseName,
      zones: this.lake.zones,
      curatedTables,
      resultTables,
      runLedgerTables,
      retainData: config.retainData,
    });
    this.workgroup = new AthenaWorkgroup(this, 'Athena', {
      name: athenaWorkgroupName,
      resultsBucket: this.lake.athenaResults,
      key: this.lake.key,
      bytesScannedCutoffPerQuery: config.athenaBytesScannedCutoff,
      recursiveDelete: !config.retainData,
    });
    this.alerts = new AlertTopic(this, 'Alerts', {
      environmentName: config.name,
      purpose: 'alert',
      emails: config.alertEmails,
      removalPolicy: retention,
    });
    // No subscription of its own: on-call subscribes its pager or chat (docs/deploy.md).
    this.operations = new AlertTopic(this, 'Operations', {
      environmentName: config.name,
      purpose: 'operations',
      emails: [],
      removalPolicy: retention,
    });

    const lakeEnvironment = this.lake.lakeEnvironment();
    this.compute = new BatchCompute(this, 'Compute', {
      availabilityZones: config.availabilityZones,
      ...logs,
    });
    const lakeVariables = { ...lakeEnvironment, GLUE_DATABASE: glueDatabaseName };
    // What every task's log lines carry, and the least severe level they are written at.
    const logging = { ENVIRONMENT: config.name, LOG_LEVEL: config.logLevel } as const;
    const containerEnvironment = {
      ...logging,
      PROGRESS_INTERVAL_SECONDS: String(taskProgressIntervalSeconds),
      CATALOG: 'glue',
      ...lakeVariables,
    } as const;
    this.loader = new ContainerTask(this, 'Loader', {
      container: 'loader',
      description: 'Listings loader task: reads raw, writes curated and its Glue partitions',
      sizing: config.loader,
      ...logs,
      environment: containerEnvironment,
    });
    // A model reads one day of clean listings: the loader's sizing fits it too.
    this.modelTasks = new Map(
      modelUseCases.map((useCase) => [
        useCase.name,
        new ContainerTask(this, constructIdOf(useCase.container), {
          container: useCase.container,
          description: `Listings ${useCase.name} task: reads listings, writes its result tables`,
          sizing: config.loader,
          ...logs,
          environment: containerEnvironment,
        }),
      ]),
    );
    const topic = { TOPIC_ARN: this.alerts.topic.topicArn };
    this.functions = new PipelineFunctions(this, 'Functions', {
      ...logs,
      logLevel: config.logLevel,
      environments: {
        parseArgs: { ...logging, TIME_ZONE: config.schedule.timeZone },
        planShards: {
          ...logging,
          LAKE_RAW: this.lake.zones.raw,
          LAKE_CURATED: this.lake.zones.curated,
          SHARD_MAX_BYTES: String(config.loader.shardMaxMiB * 1024 * 1024),
          MERGE_PART_MAX_BYTES: String(config.loader.mergePartMaxMiB * 1024 * 1024),
        },
        runSqlUseCase: { ...logging, ...lakeVariables, ATHENA_WORKGROUP: athenaWorkgroupName },
        recordFailure: (lambdaLogGroups) => ({
          ...logging,
          LAKE_MANIFESTS: this.lake.zones.manifests,
          TASK_LOG_GROUPS: this.toJsonString({
            containers: Object.fromEntries(
              [this.loader, ...this.modelTasks.values()].map((task) => [
                task.container.containerName,
                task.logGroup.logGroupName,
              ]),
            ),
            lambdas: lambdaLogGroups,
          }),
        }),
        reviewLoads: { ...logging, LAKE_MANIFESTS: this.lake.zones.manifests },
        summarize: {
          ...logging,
          LAKE_MANIFESTS: this.lake.zones.manifests,
          LAKE_CURATED: this.lake.zones.curated,
          LAKE_RESULTS: this.lake.zones.results,
          LAKE_ATHENA_RESULTS: this.lake.zones.athenaResults,
          GLUE_DATABASE: glueDatabaseName,
          ATHENA_WORKGROUP: athenaWorkgroupName,
          ...topic,
          METRICS_NAMESPACE: config.metricsNamespace,
        },
        notifyFailure: { ...logging, ...topic },
        relayAlarm: { ...logging, ...topic },
      },
    });

    this.pipeline = new PipelineStateMachine(this, 'Pipeline', {
      environmentName: config.name,
      functions: this.functions,
      compute: this.compute,
      loader: this.loader,
      models: modelUseCases.map((useCase) => ({ useCase, task: this.modelTask(useCase.name) })),
      registered: { sources: sources.length, useCases: useCases.length },
      maxConcurrency: config.maxConcurrency,
      loadTimeout: Duration.minutes(config.loader.timeoutMinutes),
      ...logs,
    });
    this.schedule = new PipelineSchedule(this, 'Schedule', {
      environmentName: config.name,
      stateMachine: this.pipeline.stateMachine,
      schedule: config.schedule,
      removalPolicy: retention,
    });
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      environmentName: config.name,
      stateMachine: this.pipeline.stateMachine,
      operations: this.operations,
      relay: this.functions.relayAlarm.function,
      scheduleEnabled: config.schedule.enabled,
      scheduleDeadLetterQueue: this.schedule.deadLetterQueue,
      metricsNamespace: config.metricsNamespace,
      sources,
    });

    grantPipelinePermissions({
      lake: this.lake,
      catalog: this.catalog,
      workgroup: this.workgroup,
      alerts: this.alerts,
      loader: this.loader,
      models: modelUseCases.map((useCase) => ({
        useCase: useCase.name,
        tables: useCase.tables,
        task: this.modelTask(useCase.name),
      })),
      functions: this.functions,
      curatedTables,
      runLedgerTables,
      sqlTables: useCases.flatMap((u) => (u.kind === 'sql' ? [u.table] : [])),
    });
    this.analystAccess = new AnalystAccess(this, 'Analysts', {
      environmentName: config.name,
      lake: this.lake,
      catalog: this.catalog,
      workgroup: this.workgroup,
    });

    this.addOutputs(glueDatabaseName, athenaWorkgroupName);
    acknowledgeAwsSolutionsFindings(this);
  }

  /** The Fargate task of a model use case. */
  modelTask(useCaseName: string): ContainerTask {
    const task = this.modelTasks.get(useCaseName);
    if (!task) throw new InternalError(`No task for the model use case ${useCaseName}`);
    return task;
  }

  /** What people and scripts need after a deploy (`cdk deploy` prints them; see docs/deploy.md). */
  private addOutputs(glueDatabaseName: string, athenaWorkgroupName: string): void {
    const outputs: Record<StackOutput, { value: string; description: string }> = {
      stateMachineArn: { value: this.pipeline.stateMachine.stateMachineArn, description: 'Start runs here' },
      rawBucket: {
        value: this.lake.raw.bucketName,
        description: 'Land files under source=<name>/dt=<YYYY-MM-DD>/',
      },
      curatedBucket: {
        value: this.lake.curated.bucketName,
        description: 'listings, listings_rejected, manifests/',
      },
      resultsBucket: { value: this.lake.results.bucketName, description: 'Use-case result tables' },
      athenaResultsBucket: {
        value: this.lake.athenaResults.bucketName,
        description: 'Query results (30 days)',
      },
      glueDatabase: { value: glueDatabaseName, description: 'Athena database' },
      athenaWorkgroup: {
        value: athenaWorkgroupName,
        description: 'Athena workgroup (enforced settings)',
      },
      analystPolicyArn: {
        value: this.analystAccess.policy.managedPolicyArn,
        description: 'Attach to read the lake with Athena',
      },
      alertTopicArn: {
        value: this.alerts.topic.topicArn,
        description:
          'Run messages and alarms, with attributes to filter on (environment, status, error, source)',
      },
      operationsTopicArn: {
        value: this.operations.topic.topicArn,
        description: 'Alarms on failed, timed-out and stopped executions, for on-call',
      },
    };
    for (const [output, props] of Object.entries(outputs)) {
      new CfnOutput(this, stackOutputNames[output as StackOutput], props);
    }
  }
}
