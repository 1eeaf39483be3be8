import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { chartLibraryFileName } from '../src/domain/report/runReportPage.ts';
import type { EnvironmentVariables } from '../src/domain/taskEnvironments/environmentVariables.ts';
import type { LambdaName, lambdaEnvironments } from '../src/domain/taskEnvironments/lambdaEnvironments.ts';
import { lambdaSettings } from '../src/domain/taskEnvironments/lambdaSettings.ts';
import type { LogLevel } from '../src/domain/taskEnvironments/logLevel.ts';
import { HandlerFunction } from './handlerFunction.ts';

/** Each Lambda's environment, exactly as its schema asks (a missing variable fails the type check). */
export type LambdaEnvironmentVariables = {
  readonly [Name in LambdaName]: EnvironmentVariables<(typeof lambdaEnvironments)[Name]>;
};

export interface PipelineFunctionsProps {
  /** recordFailure's links the SQL Lambda's log group, which exists only once it is made here. */
  readonly environments: Omit<LambdaEnvironmentVariables, 'recordFailure'> & {
    readonly recordFailure: (logGroups: {
      readonly runSqlUseCase: string;
    }) => LambdaEnvironmentVariables['recordFailure'];
  };
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** The environment's log level: Lambda's own filter keeps the same lines the handlers write. */
  readonly logLevel: LogLevel;
}

/** Use-case SQL files, one per use case, read by RunSqlUseCase at run time from `sql/` next to its bundle. */
export const useCaseSqlDirectory = 'src/domain/useCases/sql';
/** Chart.js's self-contained build, which the run report's page inlines (relative to the repository). */
export const chartLibraryPath = `node_modules/chart.js/dist/${chartLibraryFileName}`;

/** A Lambda's size and timeout, from their one definition (src/domain/taskEnvironments/lambdaSettings.ts). */
function sizeOf(name: LambdaName): { memorySize: number; timeout: Duration } {
  const settings = lambdaSettings[name];
  return { memorySize: settings.memorySize, timeout: Duration.seconds(settings.timeoutSeconds) };
}

/**
 * The pipeline's Lambda handlers (one folder each under `lambdas/`): the state machine's, and
 * the relay of its alarms. Permissions are granted by the stack, which knows what each one
 * touches.
 */
export class PipelineFunctions extends Construct {
  readonly parseArgs: HandlerFunction;
  readonly planShards: HandlerFunction;
  readonly runSqlUseCase: HandlerFunction;
  readonly recordFailure: HandlerFunction;
  readonly reviewLoads: HandlerFunction;
  readonly summarize: HandlerFunction;
  readonly notifyFailure: HandlerFunction;
  readonly relayAlarm: HandlerFunction;

  constructor(scope: Construct, id: string, props: PipelineFunctionsProps) {
    super(scope, id);
    const common = {
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      logLevel: props.logLevel,
    };
    this.parseArgs = new HandlerFunction(this, 'ParseArgs', {
      ...common,
      folder: 'parseArgs',
      environment: props.environments.parseArgs,
      ...sizeOf('parseArgs'),
    });
    this.planShards = new HandlerFunction(this, 'PlanShards', {
      ...common,
      folder: 'planShards',
      environment: props.environments.planShards,
      ...sizeOf('planShards'),
    });
    this.runSqlUseCase = new HandlerFunction(this, 'RunSqlUseCase', {
      ...common,
      folder: 'runSqlUseCase',
      environment: props.environments.runSqlUseCase,
      ...sizeOf('runSqlUseCase'),
      bundledDirectories: [{ from: useCaseSqlDirectory, to: 'sql' }],
    });
    this.recordFailure = new HandlerFunction(this, 'RecordFailure', {
      ...common,
      folder: 'recordFailure',
      environment: props.environments.recordFailure({
        runSqlUseCase: this.runSqlUseCase.logGroup.logGroupName,
      }),
      ...sizeOf('recordFailure'),
    });
    this.reviewLoads = new HandlerFunction(this, 'ReviewLoads', {
      ...common,
      folder: 'reviewLoads',
      environment: props.environments.reviewLoads,
      ...sizeOf('reviewLoads'),
    });
    this.summarize = new HandlerFunction(this, 'Summarize', {
      ...common,
      folder: 'summarize',
      environment: props.environments.summarize,
      ...sizeOf('summarize'),
      // the report's page inlines Chart.js: the file ships beside the bundle
      bundledDirectories: [{ from: chartLibraryPath, to: chartLibraryFileName }],
    });
    this.notifyFailure = new HandlerFunction(this, 'NotifyFailure', {
      ...common,
      folder: 'notifyFailure',
      environment: props.environments.notifyFailure,
      ...sizeOf('notifyFailure'),
    });
    // Not a state: EventBridge invokes it when one of the stack's alarms goes off.
    this.relayAlarm = new HandlerFunction(this, 'RelayAlarm', {
      ...common,
      folder: 'relayAlarm',
      environment: props.environments.relayAlarm,
      ...sizeOf('relayAlarm'),
    });
  }

  /** Every handler, for checks that apply to all of them. */
  get all(): readonly HandlerFunction[] {
    return [
      this.parseArgs,
      this.planShards,
      this.runSqlUseCase,
      this.recordFailure,
      this.reviewLoads,
      this.summarize,
      this.notifyFailure,
      this.relayAlarm,
    ];
  }
}
