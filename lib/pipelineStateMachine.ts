import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { z } from 'zod';
import { type EnvironmentName, stateMachineNameOf } from '../src/domain/deployment/pipelineStack.ts';
import { errorNamesOf } from '../src/domain/errors/errorCatalog.ts';
import { modelUseCaseStateName, stateNames } from '../src/domain/stateMachine/stateNames.ts';
import type { containerRunVariables } from '../src/domain/taskEnvironments/containerEnvironments.ts';
import type { ModelUseCase } from '../src/domain/useCases/useCase.ts';
import type { BatchCompute } from './batchCompute.ts';
import type { ContainerTask } from './containerTask.ts';
import type { PipelineFunctions } from './pipelineFunctions.ts';

export interface PipelineStateMachineProps {
  readonly environmentName: EnvironmentName;
  readonly functions: PipelineFunctions;
  readonly compute: BatchCompute;
  readonly loader: ContainerTask;
  /** Each model use case with the task that runs its container. */
  readonly models: readonly { readonly useCase: ModelUseCase; readonly task: ContainerTask }[];
  /** How many sources and use cases are registered: the inner Maps' widths. */
  readonly registered: { readonly sources: number; readonly useCases: number };
  readonly maxConcurrency: { readonly loads: number; readonly useCases: number; readonly shards: number };
  readonly loadTimeout: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/** The values of a container's per-run variables, taken from the state (the keys are its schema's). */
type RunVariableValues<Kind extends keyof typeof containerRunVariables> = Record<
  keyof z.infer<(typeof containerRunVariables)[Kind]>,
  string
>;

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

/**
 * A day's items run in a Map inside the Map over days, and Step Functions bounds each Map on
 * its own: the inner one takes up to `total` items at once, the outer one as many days as
 * leave the product within `total`.
 */
export function nestedConcurrency(total: number, innerItems: number): { outer: number; inner: number } {
  const inner = Math.max(1, Math.min(total, innerItems));
  return { outer: Math.max(1, Math.floor(total / inner)), inner };
}

/** Summarize's message lists what failed; the Fail state marks the execution for alarms, `etl runs` and redrive. */
const partitionsFailedCause =
  'Some partitions or use cases of the run failed; the others were published. Summarize sent the message listing ' +
  'each with its error; `etl redrive <execution>` re-runs only those.';

/** Why the execution failed is in the NotifyFailure message; the Fail state only marks it. */
const failureCause =
  'The listings pipeline failed. NotifyFailure sent the failed state, error, cause and the input to re-run.';

/**
 * The pipeline's orchestration, in JSONPath only: no JSONata, no variables, no Distributed
 * Map, so the local engine (aws-local-stepfunctions) runs this very definition. State names
 * come from `stateNames`, which the local runner and the failure message share.
 *
 * The plan holds names and dates only; the state machine crosses them in nested Maps (days,
 * then the day's sources or use cases), so the state stays small whatever the range. Model
 * use cases each get their own branch and Fargate task, derived from the use-case registry.
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
    const stateMachineName = stateMachineNameOf(props.environmentName);
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
        comment: 'Validate the execution input and plan the run (days, sources, use cases, run id)',
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
     * A pipeline container as a `.sync` Fargate task: per-run values (JSONPath values of the
     * state, strings as ECS wants them) as container overrides,
     * retries only when ECS cannot start it (a non-zero exit is the container's verdict).
     */
    const containerTask = (
      id: string,
      task: ContainerTask,
      comment: string,
      environment: Readonly<Record<string, string>>,
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
            environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
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

    /**
     * A failed load or use case of one day ends its iteration here, not the run: the task's
     * failure report is completed with what ECS or Lambda said and the log link, and the
     * other days go on (Summarize lists what failed; `etl redrive` re-runs it).
     */
    const recordFailure = (id: string, item: 'source' | 'useCase', comment: string): tasks.LambdaInvoke =>
      retryLambdaServiceErrors(
        new tasks.LambdaInvoke(this, id, {
          comment,
          lambdaFunction: functions.recordFailure.function,
          payloadResponseOnly: true,
          retryOnServiceExceptions: false,
          payload: sfn.TaskInput.fromObject({
            item: {
              [item]: sfn.JsonPath.stringAt(`$.${item}`),
              dt: sfn.JsonPath.stringAt('$.dt'),
              runId: sfn.JsonPath.stringAt('$.runId'),
            },
            failure: sfn.JsonPath.objectAt('$.failure'),
            executionId: sfn.JsonPath.executionId,
          }),
          resultPath: sfn.JsonPath.DISCARD,
        }),
      );
    const recordLoadFailure = recordFailure(
      stateNames.recordLoadFailure,
      'source',
      "File the day's load failure (the error, ECS's exit code and reason, the log link); the other days go on",
    );
    const recordUseCaseFailure = recordFailure(
      stateNames.recordUseCaseFailure,
      'useCase',
      "File the use case's failure for the day; the other use cases and days go on",
    );
    const caughtPerItem = (task: sfn.TaskStateBase | sfn.Map, handler: tasks.LambdaInvoke): void => {
      task.addCatch(handler, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
    };

    const loaderRun = (loadStep: string): RunVariableValues<'loader'> => ({
      RUN_ID: sfn.JsonPath.stringAt('$.runId'),
      SOURCE: sfn.JsonPath.stringAt('$.source'),
      RUN_DATE: sfn.JsonPath.stringAt('$.dt'),
      // The plan's limit for the run, or null: an environment variable is a string, so as JSON.
      QUALITY: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.quality')),
      LOAD_STEP: loadStep,
    });
    const planShards = retryLambdaServiceErrors(
      new tasks.LambdaInvoke(this, stateNames.planShards, {
        comment: "Cut the source's day into shards of bounded size (most days: one)",
        lambdaFunction: functions.planShards.function,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        payload: sfn.TaskInput.fromObject({
          source: sfn.JsonPath.stringAt('$.source'),
          dt: sfn.JsonPath.stringAt('$.dt'),
          runId: sfn.JsonPath.stringAt('$.runId'),
        }),
        resultPath: '$.shardPlan',
      }),
    );
    caughtPerItem(planShards, recordLoadFailure);
    const load = containerTask(
      stateNames.load,
      props.loader,
      'Load one source and day: raw files to curated Parquet, then publish the partitions',
      loaderRun('day'),
    );
    caughtPerItem(load, recordLoadFailure);
    const checkShard = containerTask(
      stateNames.checkShard,
      props.loader,
      "Clean one shard of the day: its raw objects checked against the contract, left in the run's shard work area",
      loaderRun(sfn.JsonPath.stringAt('$.loadStep')),
    );
    /** The state a task of a sharded day gets: which step it does (its Map item), and the day's run. */
    const shardStepItem = {
      loadStep: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
      source: sfn.JsonPath.stringAt('$.source'),
      dt: sfn.JsonPath.stringAt('$.dt'),
      runId: sfn.JsonPath.stringAt('$.runId'),
      quality: sfn.JsonPath.objectAt('$.quality'),
    };
    const checkShards = new sfn.Map(this, stateNames.checkShards, {
      comment: 'Every shard of the day, each in its own loader task',
      itemsPath: '$.shardPlan.loadSteps',
      itemSelector: shardStepItem,
      maxConcurrency: props.maxConcurrency.shards,
      resultPath: sfn.JsonPath.DISCARD,
    });
    checkShards.itemProcessor(checkShard);
    caughtPerItem(checkShards, recordLoadFailure);
    const mergeShard = containerTask(
      stateNames.mergeShard,
      props.loader,
      "De-duplicate one part of the day's ids across all shards and write its share of both tables",
      loaderRun(sfn.JsonPath.stringAt('$.loadStep')),
    );
    const mergeShards = new sfn.Map(this, stateNames.mergeShards, {
      comment: "Every part of the day's merge (its ids split by a hash), each in its own loader task",
      itemsPath: '$.shardPlan.mergeSteps',
      itemSelector: shardStepItem,
      maxConcurrency: props.maxConcurrency.shards,
      resultPath: sfn.JsonPath.DISCARD,
    });
    mergeShards.itemProcessor(mergeShard);
    caughtPerItem(mergeShards, recordLoadFailure);
    const publishShards = containerTask(
      stateNames.publishShards,
      props.loader,
      "Check conservation and quality over the merged parts, and publish the day's tables once",
      loaderRun('publish'),
    );
    caughtPerItem(publishShards, recordLoadFailure);
    const loadSourceDay = planShards.next(
      new sfn.Choice(this, stateNames.chooseLoad, {
        comment:
          'A day of one shard loads in one task; a larger one in a task per shard, then a task per merge part, then a publish',
      })
        .when(sfn.Condition.numberEquals('$.shardPlan.shards', 1), load)
        .otherwise(checkShards.next(mergeShards).next(publishShards)),
    );
    const loadPartitions = this.overDaysAndItems({
      outer: { id: stateNames.loadPartitions, comment: 'Every planned day, then every planned source of it' },
      inner: { id: stateNames.loadSourcesOfDay, comment: 'One loader task per planned source of the day' },
      days: '$.plan.dates',
      items: { plan: 'sources', item: 'source', registered: props.registered.sources },
      carried: ['quality'],
      maxConcurrency: props.maxConcurrency.loads,
      processor: loadSourceDay,
    });

    const reviewLoads = retryLambdaServiceErrors(
      new tasks.LambdaInvoke(this, stateNames.reviewLoads, {
        comment:
          "Which days every source loaded (their use cases run); stops the run if a failed day's source says so",
        lambdaFunction: functions.reviewLoads.function,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        payload: sfn.TaskInput.fromObject({
          plan: sfn.JsonPath.objectAt('$.plan'),
          executionId: sfn.JsonPath.executionId,
        }),
        resultPath: '$.review',
      }),
    );

    // The Lambda renders the use case's SQL for the day, runs it and publishes the result.
    const runSqlUseCase = retryLambdaServiceErrors(
      new tasks.LambdaInvoke(this, stateNames.runSqlUseCase, {
        comment: 'Render a SQL use case for the day, UNLOAD it with Athena to a fresh run prefix, publish it',
        lambdaFunction: functions.runSqlUseCase.function,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath: sfn.JsonPath.DISCARD,
      }),
    );
    caughtPerItem(runSqlUseCase, recordUseCaseFailure);
    // Each model use case runs its own container; it publishes its own tables, as the loader does.
    const modelRun: RunVariableValues<'model'> = {
      RUN_ID: sfn.JsonPath.stringAt('$.runId'),
      RUN_DATE: sfn.JsonPath.stringAt('$.dt'),
      USE_CASE: sfn.JsonPath.stringAt('$.useCase'),
    };
    const chooseUseCase = new sfn.Choice(this, stateNames.chooseUseCase, {
      comment: 'Each model use case runs its own container; SQL use cases run on Athena',
    });
    for (const { useCase, task } of props.models) {
      const runModel = containerTask(
        modelUseCaseStateName(useCase),
        task,
        `Run the ${useCase.name} use case's container for the day`,
        modelRun,
      );
      caughtPerItem(runModel, recordUseCaseFailure);
      chooseUseCase.when(sfn.Condition.stringEquals('$.useCase', useCase.name), runModel);
    }
    const useCaseOfDay = props.models.length > 0 ? chooseUseCase.otherwise(runSqlUseCase) : runSqlUseCase;
    const runUseCases = this.overDaysAndItems({
      outer: {
        id: stateNames.runUseCases,
        comment: 'Every day all sources loaded, then every planned use case of it',
      },
      inner: { id: stateNames.runUseCasesOfDay, comment: 'One step per planned use case of the day' },
      days: '$.review.useCaseDates',
      items: { plan: 'useCases', item: 'useCase', registered: props.registered.useCases },
      maxConcurrency: props.maxConcurrency.useCases,
      // listing_history goes on from the state of the day before: a backfill's days run in
      // order (each day's use cases still run side by side).
      daysInOrder: true,
      processor: useCaseOfDay,
    });

    const summarize = retryLambdaServiceErrors(
      new tasks.LambdaInvoke(this, stateNames.summarize, {
        comment: 'Run summary from the manifests, success message',
        lambdaFunction: functions.summarize.function,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        payload: sfn.TaskInput.fromObject({
          plan: sfn.JsonPath.objectAt('$.plan'),
          useCaseDates: sfn.JsonPath.listAt('$.review.useCaseDates'),
          executionId: sfn.JsonPath.executionId,
          executionName: sfn.JsonPath.executionName,
          executionStartTime: sfn.JsonPath.executionStartTime,
        }),
        resultPath: '$.summary',
      }),
    );

    // Step Functions keeps 25,000 events per execution: a longer range goes on in a new one.
    const startNextPart = new tasks.StepFunctionsStartExecution(this, stateNames.startNextPart, {
      comment: "Start the range's next part (ParseArgs planned it), as a new execution of this state machine",
      stateMachine: sfn.StateMachine.fromStateMachineName(this, 'Itself', stateMachineName),
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      input: sfn.TaskInput.fromJsonPathAt('$.plan.next'),
      resultSelector: { executionArn: sfn.JsonPath.stringAt('$.ExecutionArn') },
      resultPath: '$.nextPart',
    });
    const checkOutcome = new sfn.Choice(this, stateNames.checkOutcome, {
      comment: 'Failed partitions or use cases fail the execution (Summarize has sent the message)',
    })
      .when(
        sfn.Condition.stringEquals('$.summary.status', 'FAILED'),
        new sfn.Fail(this, stateNames.partitionsFailed, {
          error: 'PartitionsFailedError',
          cause: partitionsFailedCause,
        }),
      )
      .otherwise(new sfn.Succeed(this, stateNames.succeeded));
    startNextPart.next(checkOutcome);
    const hasNextPart = new sfn.Choice(this, stateNames.hasNextPart, {
      comment: 'A range longer than one execution holds goes on in a new execution',
    })
      // Asked as "is null" (not "is not null"): aws-local-stepfunctions 3.0 never matches
      // `IsNull: false`, and the local run must take the branch Step Functions takes.
      .when(sfn.Condition.isNull('$.plan.next'), checkOutcome)
      .otherwise(startNextPart);

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
      [reviewLoads, stateNames.reviewLoads],
      [runUseCases, stateNames.runUseCases],
      [summarize, stateNames.summarize],
      [startNextPart, stateNames.startNextPart],
    ];
    for (const [state, name] of caught) {
      // Keyed by state, so the failure message can tell where it happened and keep the input.
      state.addCatch(failurePath, { errors: [sfn.Errors.ALL], resultPath: `$.failure.${name}` });
    }

    const definition = sfn.Chain.start(parseArgs)
      .next(loadPartitions)
      .next(reviewLoads)
      .next(runUseCases)
      .next(summarize)
      .next(hasNextPart);

    this.logGroup = new LogGroup(this, 'Logs', {
      // The vendedlogs prefix keeps CloudWatch's log-delivery resource policy small.
      logGroupName: `/aws/vendedlogs/states/listings-${props.environmentName}`,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
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

  /**
   * A Map over the plan's days whose iteration is a Map over one of the plan's lists (sources
   * or use cases): each inner item gets its name, the day, the run id and the plan's `carried`
   * fields (null when the plan has none), and the two Maps are bounded together by `maxConcurrency`.
   */
  private overDaysAndItems(spec: {
    readonly outer: { readonly id: string; readonly comment: string };
    readonly inner: { readonly id: string; readonly comment: string };
    /** The state's list of days the outer Map goes over. */
    readonly days: string;
    /** `plan`: the plan's list; `item`: the field an inner item names; `registered`: its length at most. */
    readonly items: {
      readonly plan: 'sources' | 'useCases';
      readonly item: string;
      readonly registered: number;
    };
    /** Fields of the plan every item gets as they are (objects or null). */
    readonly carried?: readonly 'quality'[];
    readonly maxConcurrency: number;
    /** One day at a time, for items that go on from what the day before published. */
    readonly daysInOrder?: boolean;
    readonly processor: sfn.IChainable;
  }): sfn.Map {
    const nested = nestedConcurrency(spec.maxConcurrency, spec.items.registered);
    const bounds = spec.daysInOrder ? { ...nested, outer: 1 } : nested;
    const carried = spec.carried ?? [];
    const inner = new sfn.Map(this, spec.inner.id, {
      comment: spec.inner.comment,
      itemsPath: `$.${spec.items.plan}`,
      itemSelector: {
        [spec.items.item]: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
        dt: sfn.JsonPath.stringAt('$.dt'),
        runId: sfn.JsonPath.stringAt('$.runId'),
        ...Object.fromEntries(carried.map((field) => [field, sfn.JsonPath.objectAt(`$.${field}`)])),
      },
      maxConcurrency: bounds.inner,
      resultPath: sfn.JsonPath.DISCARD,
    });
    inner.itemProcessor(spec.processor);
    const outer = new sfn.Map(this, spec.outer.id, {
      comment: spec.outer.comment,
      itemsPath: spec.days,
      itemSelector: {
        dt: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
        runId: sfn.JsonPath.stringAt('$.plan.runId'),
        [spec.items.plan]: sfn.JsonPath.listAt(`$.plan.${spec.items.plan}`),
        ...Object.fromEntries(carried.map((field) => [field, sfn.JsonPath.objectAt(`$.plan.${field}`)])),
      },
      maxConcurrency: bounds.outer,
      resultPath: sfn.JsonPath.DISCARD,
    });
    outer.itemProcessor(inner);
    return outer;
  }
}
