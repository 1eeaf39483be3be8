import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { curatedTables, type TableDefinition } from '../src/domain/tables/tableSchema.ts';
import { useCaseTables } from '../src/domain/useCases/registry.ts';
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
  /** Tables the use cases write; default: the use-case registry's. */
  readonly resultTables?: readonly TableDefinition[];
}

/**
 * One environment of the listings pipeline: the lake, the catalog, the loader, the Lambdas,
 * the state machine with its schedule, alerts and the analysts' access.
 */
export class ListingsPipelineStack extends Stack {
  readonly lake: DataLakeBuckets;
  readonly catalog: GlueDatabase;
  readonly workgroup: AthenaWorkgroup;
  readonly alerts: AlertTopic;
  readonly compute: BatchCompute;
  readonly loader: ContainerTask;
  readonly priceModel: ContainerTask;
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
    const resultTables = props.resultTables ?? useCaseTables;
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
      emails: config.alertEmails,
      removalPolicy: retention,
    });

    const lakeEnvironment = this.lake.lakeEnvironment();
    this.compute = new BatchCompute(this, 'Compute', {
      availabilityZones: config.availabilityZones,
      ...logs,
    });
    const containerEnvironment = {
      ENVIRONMENT: config.name,
      // The containers want a root; every zone is overridden by its bucket below.
      LAKE: this.lake.zones.curated,
      ...lakeEnvironment,
      CATALOG: 'glue',
      CATALOG_DATABASE: glueDatabaseName,
      AWS_REGION: this.region,
    };
    this.loader = new ContainerTask(this, 'Loader', {
      container: 'loader',
      description: 'Listings loader task: reads raw, writes curated and its Glue partitions',
      sizing: config.loader,
      ...logs,
      environment: containerEnvironment,
    });
    // The model reads one day of clean listings: the loader's sizing fits it too.
    this.priceModel = new ContainerTask(this, 'PriceModel', {
      container: 'priceModel',
      description: 'Listings price model task: reads listings, writes its result tables',
      sizing: config.loader,
      ...logs,
      environment: containerEnvironment,
    });
    this.functions = new PipelineFunctions(this, 'Functions', {
      ...logs,
      environment: {
        ENVIRONMENT: config.name,
        TIME_ZONE: config.schedule.timeZone,
        ...lakeEnvironment,
        GLUE_DATABASE: glueDatabaseName,
        ATHENA_WORKGROUP: athenaWorkgroupName,
        TOPIC_ARN: this.alerts.topic.topicArn,
        MAX_BACKFILL_DAYS: String(config.maxBackfillDays),
        CONSOLE_REGION: this.region,
      },
    });

    this.pipeline = new PipelineStateMachine(this, 'Pipeline', {
      environmentName: config.name,
      functions: this.functions,
      compute: this.compute,
      loader: this.loader,
      priceModel: this.priceModel,
      athenaWorkgroupName,
      glueDatabaseName,
      athenaResultsUri: this.lake.zones.athenaResults,
      maxConcurrency: config.maxConcurrency,
      loadTimeout: Duration.minutes(config.loader.timeoutMinutes),
      ...logs,
    });
    new PipelineSchedule(this, 'Schedule', {
      environmentName: config.name,
      stateMachine: this.pipeline.stateMachine,
      schedule: config.schedule,
    });
    new PipelineAlarms(this, 'Alarms', {
      stateMachine: this.pipeline.stateMachine,
      topic: this.alerts.topic,
    });

    grantPipelinePermissions({
      lake: this.lake,
      catalog: this.catalog,
      workgroup: this.workgroup,
      alerts: this.alerts,
      loader: this.loader,
      priceModel: this.priceModel,
      functions: this.functions,
      stateMachineRole: this.pipeline.stateMachine,
      curatedTables,
      resultTables,
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

  /** What people and scripts need after a deploy (`cdk deploy` prints them; see docs/deploy.md). */
  private addOutputs(glueDatabaseName: string, athenaWorkgroupName: string): void {
    const outputs: Record<string, { value: string; description: string }> = {
      StateMachineArn: { value: this.pipeline.stateMachine.stateMachineArn, description: 'Start runs here' },
      RawBucketName: {
        value: this.lake.raw.bucketName,
        description: 'Land files under source=<name>/dt=<YYYY-MM-DD>/',
      },
      CuratedBucketName: {
        value: this.lake.curated.bucketName,
        description: 'listings, listings_rejected, manifests/',
      },
      ResultsBucketName: { value: this.lake.results.bucketName, description: 'Use-case result tables' },
      AthenaResultsBucketName: {
        value: this.lake.athenaResults.bucketName,
        description: 'Query results (30 days)',
      },
      GlueDatabaseName: { value: glueDatabaseName, description: 'Athena database' },
      AthenaWorkgroupName: {
        value: athenaWorkgroupName,
        description: 'Athena workgroup (enforced settings)',
      },
      AnalystPolicyArn: {
        value: this.analystAccess.policy.managedPolicyArn,
        description: 'Attach to read the lake with Athena',
      },
      AlertTopicArn: { value: this.alerts.topic.topicArn, description: 'Failure and success messages' },
    };
    for (const [id, output] of Object.entries(outputs)) new CfnOutput(this, id, output);
  }
}
