import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { errorNamesOf } from '../src/domain/errors/errorCatalog.ts';
import { stateNames } from '../src/domain/stateMachine/stateNames.ts';
import type { BatchCompute } from './batchCompute.ts';
import type { ContainerTask } from './containerTask.ts';
import type { PipelineFunctions } from './pipelineFunctions.ts';

export interface PipelineStateMachineProps {
  readonly environmentName: string;
  readonly functions: PipelineFunctions;
  readonly compute: BatchCompute;
  readonly loader: ContainerTask;
  readonly priceModel: ContainerTask;
  readonly athenaWorkgroupName: string;
  readonly glueDatabaseName: string;
  /** `s3://<athena-results bucket>/`. */
  readonly athenaResultsUri: string;
  readonly maxConcurrency: { readonly loads: number; readonly useCases: number };
  readonly loadTimeout: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/**
 * Errors of the Lambda service itself, worth retrying. The handlers' own errors
 * (InvalidRunArgumentsError, DataQualityError, ...) are not: the same input fails again.
 */
export const lambdaTransientErrors = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

/**
 * ECS refusing or failing to start a task (throttling, no Fargate capacity, service errors).
 * Not States.TaskFailed: that is the loader exiting non-zero on bad data, which a retry repeats.
 */
export const ecsTransientErrors = [
  'ECS.AmazonECSException',
  'ECS.ServerException',
  'ECS.LimitExceededException',
] as const;

/** Athena throttling the query start (too many concurrent queries in the account). */
export const athenaTransientErrors = [
  'Athena.TooManyRequestsException',
  'Athena.InternalServerException',
] as const;

/**
 * The UNLOAD statement of a SQL use case, built from the use case's SELECT and output prefix
 * (both produced by ParseArgs from allow-listed names). Athena writes ZSTD Parquet under the
 * run's fresh prefix; PublishUseCase then points the catalog at it.
 */
export const unloadQueryString =
  "States.Format('UNLOAD ({}) TO \\'{}\\' WITH (format = \\'PARQUET\\', compression = \\'ZSTD\\')', $.select, $.outputPrefix)";

/** Why the execution failed is in the NotifyFailure message; the Fail state only marks it. */
const failureCause =
  'The listings pipeline failed. NotifyFailure sent the failed state, error, cause and the input to re-run.';

/**
 * The pipeline's orchestration, in JSONPath only: no JSONata, no variables, no
 * Distributed Map, so the local engine (aws-local-stepfunctions) runs this very definition.
 * State names come from `stateNames`, which the local runner and the failure message share.
 *
 * Lambda tasks use `payloadResponseOnly`: the Resource is the function ARN and the state
 * receives the handler's return value as is (what a local handler override returns, too).
 */
export class PipelineStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    const { functions } = props;
    /**
     * Lambda tasks retry the Lambda service's own failures, and the handlers' errors of the
     * environment category (a service or the machine failed; the same input may succeed):
     * the error catalog decides, so a new error is never retried by accident.
     */
    const retryLambdaServiceErrors = <T extends sfn.TaskStateBase>(task: T): T => {
      task.addRetry({
        errors: [...lambdaTransientErrors],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 5,
        jitterStrategy: sfn.JitterType.FULL,
      });
      task.addRetry({
        errors: errorNamesOf('environment'),
        interval: Duration.seconds(10),
        backoffRate: 2,
        maxAttempts: 2,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };

    const parseArgs = retryLambdaServiceErrors(
      new tasks.LambdaInvoke(this, stateNames.parseArgs, {
        comment: 'Validate the execution input and plan the run (partitions, use cases, run id)',
        lambdaFunction: functions.parseArgs.function,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        payload: sfn.TaskInput.fromObject({
          input: sfn.JsonPath.entirePayload,
          executionStartTime: sfn.JsonPath.executionStartTime,
          executionId: sfn.JsonPath.executionId,
        }),
        resultSelector: { plan: sfn.JsonPath.entirePayload },
      }),
    );

    /**
     * A pipeline container as a `.sync` Fargate task: per-run values as container overrides,
     * retries only when ECS cannot start it (a non-zero exit is the container's verdict).
     */
    const containerTask = (
      id: string,
      task: ContainerTask,
      comment: string,
      environment: Record<string, string>,
    ): tasks.EcsRunTask => {
      const state = new tasks.EcsRunTask(this, id, {
        comment,
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        cluster: props.compute.cluster,
        taskDefinition: task.taskDefinition,
        launchTarget: new tasks.EcsFargateLaunchTarget({
          platformVersion: ecs.FargatePlatformVersion.LATEST,
        }),
        subnets: props.compute.taskSubnets,
        securityGroups: [props.compute.taskSecurityGroup],
        assignPublicIp: true,
        propagatedTagSource: ecs.PropagatedTagSource.TASK_DEFINITION,
        containerOverrides: [
          {
            containerDefinition: task.container,
            environment: Object.entries(environment).map(([name, path]) => ({
              name,
              value: sfn.JsonPath.stringAt(path),
            })),
          },
        ],
        taskTimeout: sfn.Timeout.duration(props.loadTimeout),
        // Containers report through manifests and tables; the ECS task description would only bloat the state.
        resultPath: sfn.JsonPath.DISCARD,
      });
      state.addRetry({
        errors: [...ecsTransientErrors],
        interval: Duration.seconds(30),
        backoffRate: 2,
        maxAttempts: 4,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return state;
    };

    const load = containerTask(
      stateNames.load,
      props.loader,
      'Load one source and day: raw files to curated Parquet, then publish the partitions',
      { RUN_ID: '$.runId', SOURCE: '$.partition.source', RUN_DATE: '$.partition.dt' },
    );

    const loadPartitions = new sfn.Map(this, stateNames.loadPartitions, {
      comment: 'One loader task per planned source and day',
      itemsPath: '$.plan.partitions',
      itemSelector: {
        partition: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
        runId: sfn.JsonPath.stringAt('$.plan.runId'),
      },
      maxConcurrency: props.maxConcurrency.loads,
      resultPath: sfn.JsonPath.DISCARD,
    });
    loadPartitions.itemProcessor(load);

    // A custom state rather than tasks.AthenaStartQueryExecution: that construct grants the
    // role s3:GetObject on every bucket and write access to every table of the database. The
    // stack grants exactly what UNLOAD needs instead (see pipelinePermissions.ts).
    const runSqlUseCase = new sfn.CustomState(this, stateNames.runSqlUseCase, {
      stateJson: {
        Type: 'Task',
        Comment: "Run the use case's SELECT as an UNLOAD to its fresh results prefix",
        Resource: `arn:${Stack.of(this).partition}:states:::athena:startQueryExecution.sync`,
        Parameters: {
          'QueryString.$': unloadQueryString,
          WorkGroup: props.athenaWorkgroupName,
          QueryExecutionContext: { Database: props.glueDatabaseName },
          ResultConfiguration: { OutputLocation: props.athenaResultsUri },
        },
        // PublishUseCase receives the use case exactly as ParseArgs planned it.
        ResultPath: null,
      },
    });
    runSqlUseCase.addRetry({
      errors: [...athenaTransientErrors],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 5,
      jitterStrategy: sfn.JitterType.FULL,
    });

    const publishUseCase = retryLambdaServiceErrors(
      new tasks.LambdaInvoke(this, stateNames.publishUseCase, {
        comment: "Point the result table's partition at the new output and drop superseded runs",
        lambdaFunction: functions.publishUseCase.function,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath: sfn.JsonPath.DISCARD,
      }),
    );

    // A model use case runs in its own container; it publishes its own tables, as the loader does.
    const runModelUseCase = containerTask(
      stateNames.runModelUseCase,
      props.priceModel,
      'Run a model use case (the price model) as a Fargate task for the run date',
      { RUN_ID: '$.runId', RUN_DATE: '$.dt' },
    );

    const useCaseKind = new sfn.Choice(this, stateNames.useCaseKind, {
      comment: 'SQL use cases run on Athena, model use cases in a container',
    })
      .when(sfn.Condition.stringEquals('$.kind', 'model'), runModelUseCase)
      .otherwise(runSqlUseCase.next(publishUseCase));

    const runUseCases = new sfn.Map(this, stateNames.runUseCases, {
      comment: 'Each planned use case and run date: SQL (query, then publish) or a model task',
      itemsPath: '$.plan.useCases',
      maxConcurrency: props.maxConcurrency.useCases,
      resultPath: sfn.JsonPath.DISCARD,
    });
    runUseCases.itemProcessor(useCaseKind);

    const summarize = retryLambdaServiceErrors(
      new tasks.LambdaInvoke(this, stateNames.summarize, {
        comment: 'Run summary from the manifests, data-quality thresholds, success message',
        lambdaFunction: functions.summarize.function,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        payload: sfn.TaskInput.fromObject({
          plan: sfn.JsonPath.objectAt('$.plan'),
          executionId: sfn.JsonPath.executionId,
        }),
        resultPath: '$.summary',
      }),
    );

    const notifyFailure = retryLambdaServiceErrors(
      new tasks.LambdaInvoke(this, stateNames.notifyFailure, {
        comment: 'Tell a human what failed, where, and how to re-run it',
        lambdaFunction: functions.notifyFailure.function,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        payload: sfn.TaskInput.fromObject({
          state: sfn.JsonPath.entirePayload,
          executionId: sfn.JsonPath.executionId,
          executionStartTime: sfn.JsonPath.executionStartTime,
          stateMachineName: sfn.JsonPath.stateMachineName,
        }),
        resultPath: sfn.JsonPath.DISCARD,
      }),
    );
    const failurePath = notifyFailure.next(
      new sfn.Fail(this, stateNames.failed, { error: 'PipelineFailed', cause: failureCause }),
    );

    const caught: readonly [sfn.TaskStateBase | sfn.Map, string][] = [
      [parseArgs, stateNames.parseArgs],
      [loadPartitions, stateNames.loadPartitions],
      [runUseCases, stateNames.runUseCases],
      [summarize, stateNames.summarize],
    ];
    for (const [state, name] of caught) {
      // Keyed by state, so the failure message can tell where it happened and keep the input.
      state.addCatch(failurePath, { errors: [sfn.Errors.ALL], resultPath: `$.failure.${name}` });
    }

    const definition = sfn.Chain.start(parseArgs)
      .next(loadPartitions)
      .next(runUseCases)
      .next(summarize)
      .next(new sfn.Succeed(this, stateNames.succeeded));

    this.logGroup = new LogGroup(this, 'Logs', {
      // The vendedlogs prefix keeps CloudWatch's log-delivery resource policy small.
      logGroupName: `/aws/vendedlogs/states/listings-${props.environmentName}`,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `listings-${props.environmentName}`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      comment: 'Listings pipeline: plan, load partitions, run use cases, summarize; notify on failure',
      // A ceiling for hung executions; a day's run takes minutes, a long backfill hours.
      timeout: Duration.hours(24),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
  }
}
