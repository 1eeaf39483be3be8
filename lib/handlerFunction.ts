import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type ICommandHooks, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { LogLevel } from '../src/domain/taskEnvironments/logLevel.ts';
import { repositoryRoot } from './repositoryRoot.ts';

export interface HandlerFunctionProps {
  /** The folder under `lambdas/`: the entry is `lambdas/<folder>/handler.ts`, exporting `handler`. */
  readonly folder: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** The least severe application log level Lambda passes on to CloudWatch. */
  readonly logLevel: LogLevel;
  /** Files to place next to the bundle, `{ from: repository-relative dir, to: dir name in the bundle }`, copied only if present. */
  readonly bundledDirectories?: readonly { readonly from: string; readonly to: string }[];
}

/**
 * The production Node major (.nvmrc) for the Lambdas: the managed runtime and the syntax
 * level esbuild may emit for it. Exported so that test/infra/nodeVersions.test.ts can hold
 * them against .nvmrc, the container image and CI.
 */
export const handlerRuntime = lambda.Runtime.NODEJS_24_X;
export const handlerBundleTarget = 'node24';

/** ESM bundles still meet CommonJS dependencies that call `require` (the AWS SDK's, for one). */
const esmRequireBanner =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

const applicationLogLevels: Readonly<Record<LogLevel, lambda.ApplicationLogLevel>> = {
  debug: lambda.ApplicationLogLevel.DEBUG,
  info: lambda.ApplicationLogLevel.INFO,
  warn: lambda.ApplicationLogLevel.WARN,
  error: lambda.ApplicationLogLevel.ERROR,
};

/** `cp -R` after bundling: NodejsFunction runs command hooks locally (no Docker) in this project. */
function copyDirectoriesHook(directories: readonly { from: string; to: string }[]): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) =>
      directories.map(({ from, to }) => `cp -R "${join(inputDir, from)}" "${join(outputDir, to)}"`),
  };
}

/**
 * One thin handler as a Lambda function, with the project's defaults: Node 24 on ARM
 * (cheaper per ms, and the bundle is pure JavaScript), ESM bundled by the local esbuild with
 * the AWS SDK inside (the version the tests ran, not whatever the runtime ships), JSON logs
 * into a log group with the environment's retention, X-Ray tracing, and its own role that
 * starts with nothing but its log group: each caller grants what that handler needs.
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    // An explicit role instead of the default one with the AWSLambdaBasicExecutionRole managed
    // policy, which may write to any log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Lambda ${props.folder} of the listings pipeline`,
    });
    this.logGroup.grantWrite(this.role);

    const presentDirectories = (props.bundledDirectories ?? []).filter(({ from }) =>
      existsSync(join(repositoryRoot, from)),
    );
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(repositoryRoot, 'lambdas', props.folder, 'handler.ts'),
      handler: 'handler',
      projectRoot: repositoryRoot,
      depsLockFilePath: join(repositoryRoot, 'package-lock.json'),
      runtime: handlerRuntime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // Lambda filters JSON lines by their `level` (a line without one, such as an embedded
      // metric format record, counts as INFO): the same threshold as the handler's logger.
      applicationLogLevelV2: applicationLogLevels[props.logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        format: OutputFormat.ESM,
        target: handlerBundleTarget,
        mainFields: ['module', 'main'],
        banner: esmRequireBanner,
        minify: true,
        sourceMap: true,
        // Bundle the SDK too; DuckDB is a native addon the Lambdas must not pull in.
        externalModules: ['@duckdb/node-api', '@duckdb/node-bindings'],
        ...(presentDirectories.length > 0 ? { commandHooks: copyDirectoriesHook(presentDirectories) } : {}),
      },
    });
  }
}
