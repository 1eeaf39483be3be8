import { type RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { PipelineConfig } from './config/environments.ts';
import { repositoryRoot } from './repositoryRoot.ts';

export interface LoaderTaskProps {
  readonly loader: PipelineConfig['loader'];
  /** Non-secret settings: bucket URIs, database name, sizes. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/** Container name in the task definition: Step Functions' container overrides address it. */
export const loaderContainerName = 'loader';

/** The loader's scratch directory: inputs, staged records and Parquet before upload. */
export const loaderWorkDir = '/tmp/loader';

/**
 * The loader as a Fargate task definition: the image built from `containers/loader/Dockerfile`
 * at deploy time (synth only stages the build context), JSON logs to CloudWatch, and a task
 * role that starts empty: the stack grants it the raw bucket (read), the curated bucket and
 * the curated tables (write), nothing else.
 *
 * x86_64 because the image is built where `cdk deploy` runs (CI runners are x86_64); an
 * ARM64 task would need an emulated cross-build.
 */
export class LoaderTask extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly taskRole: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LoaderTaskProps) {
    super(scope, id);
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Listings loader task: reads raw, writes curated and its Glue partitions',
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.loader.cpu,
      memoryLimitMiB: props.loader.memoryMiB,
      ephemeralStorageGiB: props.loader.ephemeralStorageGiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskRole: this.taskRole,
    });
    this.container = this.taskDefinition.addContainer('Loader', {
      containerName: loaderContainerName,
      image: ecs.ContainerImage.fromAsset(repositoryRoot, {
        file: 'containers/loader/Dockerfile',
        platform: Platform.LINUX_AMD64,
      }),
      essential: true,
      // Logs are JSON lines on stderr; non-blocking so a Logs hiccup never stalls a load.
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'loader',
        logGroup: this.logGroup,
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
      environment: {
        ...props.environment,
        WORK_DIR: loaderWorkDir,
        DUCKDB_MEMORY_LIMIT: props.loader.duckdbMemoryLimit,
        DUCKDB_THREADS: String(Math.max(1, Math.floor(props.loader.cpu / 1024))),
      },
    });
  }
}
