import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HandlerFunction } from './handlerFunction.ts';

export interface PipelineFunctionsProps {
  /** What every handler reads (ENVIRONMENT, TIME_ZONE, LAKE_*, GLUE_DATABASE, ...). */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/** Use-case SQL files, one per use case, read by ParseArgs at run time from `sql/` next to its bundle. */
export const useCaseSqlDirectory = 'src/domain/useCases/sql';

/**
 * The state machine's four Lambda handlers (one folder each under `lambdas/`). Sizes are
 * per handler, not per environment: they do the same work everywhere.
 * Permissions are granted by the stack, which knows what each one touches.
 */
export class PipelineFunctions extends Construct {
  readonly parseArgs: HandlerFunction;
  readonly publishUseCase: HandlerFunction;
  readonly summarize: HandlerFunction;
  readonly notifyFailure: HandlerFunction;

  constructor(scope: Construct, id: string, props: PipelineFunctionsProps) {
    super(scope, id);
    const common = {
      environment: props.environment,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    };
    this.parseArgs = new HandlerFunction(this, 'ParseArgs', {
      ...common,
      folder: 'parseArgs',
      memorySize: 256,
      timeout: Duration.seconds(30),
      bundledDirectories: [{ from: useCaseSqlDirectory, to: 'sql' }],
    });
    // Registers result partitions and removes superseded run prefixes: S3 listing and deletes.
    this.publishUseCase = new HandlerFunction(this, 'PublishUseCase', {
      ...common,
      folder: 'publishUseCase',
      memorySize: 512,
      timeout: Duration.minutes(5),
    });
    // Reads every partition's manifest of a run (a backfill may have hundreds).
    this.summarize = new HandlerFunction(this, 'Summarize', {
      ...common,
      folder: 'summarize',
      memorySize: 512,
      timeout: Duration.minutes(2),
    });
    this.notifyFailure = new HandlerFunction(this, 'NotifyFailure', {
      ...common,
      folder: 'notifyFailure',
      memorySize: 256,
      timeout: Duration.minutes(1),
    });
  }
}
