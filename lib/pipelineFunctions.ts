import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { chartLibraryFileName } from '../src/domain/report/runReportPage.ts';
import type { EnvironmentVariables } from '../src/domain/taskEnvironments/environmentVariables.ts';
import type { LambdaName, lambdaEnvironments } from '../src/domain/taskEnvironments/lambdaEnvironments.ts';
import type { LogLevel } from '../src/domain/taskEnvironments/logLevel.ts';
import { sqlUseCaseTimeoutMinutes } from '../src/domain/useCases/useCase.ts';
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

/**
 * The pipeline's Lambda handlers (one folder each under `lambdas/`): the state machine's, and
 * the relay of its alarms. Sizes are per
 * handler, not per environment: they do the same work everywhere. Permissions are granted by
 * the stack, which knows what each one touches.
 */
export class PipelineFunctions extends Construct {
  readonly parseArgs: HandlerFunction;
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
      memorySize: 256,
      timeout: Duration.seconds(30),
    });
    // Renders, runs and waits for one Athena query, then publishes its partition: mostly
    // waiting, so little memory; it stops the query before its own timeout.
    this.runSqlUseCase = new HandlerFunction(this, 'RunSqlUseCase', {
      ...common,
      folder: 'runSqlUseCase',
      environment: props.environments.runSqlUseCase,
      memorySize: 512,
      timeout: Duration.minutes(sqlUseCaseTimeoutMinutes + 1),
      bundledDirectories: [{ from: useCaseSqlDirectory, to: 'sql' }],
    });
    // Reads and writes one small report per failed load or use case.
    this.recordFailure = new HandlerFunction(this, 'RecordFailure', {
      ...common,
      folder: 'recordFailure',
      environment: props.environments.recordFailure({
        runSqlUseCase: this.runSqlUseCase.logGroup.logGroupName,
      }),
      memorySize: 256,
      timeout: Duration.seconds(30),
    });
    // Reads every partition's manifest of a run, like Summarize.
    this.reviewLoads = new HandlerFunction(this, 'ReviewLoads', {
      ...common,
      folder: 'reviewLoads',
      environment: props.environments.reviewLoads,
      memorySize: 512,
      timeout: Duration.minutes(2),
    });
    // Reads every partition's manifest of a run (a backfill may have hundreds).
    this.summarize = new HandlerFunction(this, 'Summarize', {
      ...common,
      folder: 'summarize',
      environment: props.environments.summarize,
      memorySize: 512,
      // the run report's four Athena queries (a minute each at most) come before the message
      timeout: Duration.minutes(6),
      // the report's page inlines Chart.js: the file ships beside the bundle
      bundledDirectories: [{ from: chartLibraryPath, to: chartLibraryFileName }],
    });
    this.notifyFailure = new HandlerFunction(this, 'NotifyFailure', {
      ...common,
      folder: 'notifyFailure',
      environment: props.environments.notifyFailure,
      memorySize: 256,
      timeout: Duration.minutes(1),
    });
    // Not a state: EventBridge invokes it when one of the stack's alarms goes off.
    this.relayAlarm = new HandlerFunction(this, 'RelayAlarm', {
      ...common,
      folder: 'relayAlarm',
      environment: props.environments.relayAlarm,
      memorySize: 256,
      timeout: Duration.seconds(30),
    });
  }

  /** Every handler, for checks that apply to all of them. */
  get all(): readonly HandlerFunction[] {
    return [
      this.parseArgs,
      this.runSqlUseCase,
      this.recordFailure,
      this.reviewLoads,
      this.summarize,
      this.notifyFailure,
      this.relayAlarm,
    ];
  }
}
