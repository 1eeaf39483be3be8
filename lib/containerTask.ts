import { type RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type {
  containerGlueLake,
  containerSettings,
} from '../src/domain/taskEnvironments/containerEnvironments.ts';
import type { EnvironmentVariables } from '../src/domain/taskEnvironments/environmentVariables.ts';
import type { PipelineConfig } from './config/environments.ts';
import { repositoryRoot } from './repositoryRoot.ts';

/** A container's settings in AWS, every one its schemas ask for (the per-run values come from the state machine). */
export type ContainerEnvironmentVariables = EnvironmentVariables<typeof containerSettings> &
  EnvironmentVariables<typeof containerGlueLake>;

export interface ContainerTaskProps {
  /** The folder under containers/ whose entrypoint the image runs; also the container name. */
  readonly container: string;
  readonly description: string;
  readonly sizing: PipelineConfig['loader'];
  /** Non-secret settings: the environment's name, bucket URIs, database name, region. */
  readonly environment: Omit<
    ContainerEnvironmentVariables,
    'WORK_DIR' | 'DUCKDB_MEMORY_LIMIT' | 'DUCKDB_THREADS'
  >;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/**
 * A pipeline container (the loader, a model processor) as a Fargate task definition: the
 * image built from `containers/Dockerfile` with the container's folder as build argument at
 * deploy time (synth only stages the build context), JSON logs to CloudWatch, and a task role
 * that starts empty: the stack grants each exactly what it needs (pipelinePermissions.ts).
 * The container name is the folder name: Step Functions' container overrides address it.
 *
 * x86_64 because the image is built where `cdk deploy` runs (CI runners are x86_64); an
 * ARM64 task would need an emulated cross-build.
 */
export class ContainerTask extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly taskRole: iam.Role;
  readonly logGroup: logs.LogGroup;

  /** Scratch directory of the task (inputs, intermediate files, DuckDB spill). */
  readonly workDir: string;
  /** Everything the container reads from its environment, as the task definition sets it. */
  readonly environment: ContainerEnvironmentVariables;

  constructor(scope: Construct, id: string, props: ContainerTaskProps) {
    super(scope, id);
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: props.description,
    });
    this.workDir = `/tmp/${props.container}`;
    this.environment = {
      ...props.environment,
      WORK_DIR: this.workDir,
      DUCKDB_MEMORY_LIMIT: props.sizing.duckdbMemoryLimit,
      DUCKDB_THREADS: String(Math.max(1, Math.floor(props.sizing.cpu / 1024))),
    };
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.sizing.cpu,
      memoryLimitMiB: props.sizing.memoryMiB,
      ephemeralStorageGiB: props.sizing.ephemeralStorageGiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskRole: this.taskRole,
    });
    this.container = this.taskDefinition.addContainer('Container', {
      containerName: props.container,
      image: ecs.ContainerImage.fromAsset(repositoryRoot, {
        file: 'containers/Dockerfile',
        buildArgs: { CONTAINER: props.container },
        platform: Platform.LINUX_AMD64,
      }),
      essential: true,
      // Logs are JSON lines on stderr; non-blocking so a Logs hiccup never stalls a load.
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: props.container,
        logGroup: this.logGroup,
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
      environment: this.environment,
    });
  }
}
