import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { PipelineError } from '../../domain/errors/pipelineError.ts';

/** The services the adapters (and their tests) talk to; the name is the env var suffix. */
export type AwsService = 's3' | 'glue' | 'athena' | 'sns' | 'sqs' | 'sfn' | 'cloudformation';

export type AwsCredentials = NonNullable<S3ClientConfig['credentials']>;

/**
 * What a caller may pin instead of taking it from the standard AWS environment. In AWS
 * (Lambda, Fargate) none is needed: region and credentials come from the runtime.
 */
export interface AwsClientOptions {
  readonly region?: string;
  /** e.g. `http://127.0.0.1:5000` for moto_server; default from AWS_ENDPOINT_URL[_<SERVICE>]. */
  readonly endpoint?: string;
  readonly credentials?: AwsCredentials;
  /** Attempts per call, first one included; default AWS_MAX_ATTEMPTS or 5. */
  readonly maxAttempts?: number;
}

/** The config every SDK v3 client accepts; S3 adds `forcePathStyle`. */
export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: AwsCredentials;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
}

export class AwsConfigurationError extends PipelineError {
  override readonly name = 'AwsConfigurationError';
}

/**
 * Batch work tolerates a few seconds of backoff better than a failed run: one attempt more
 * than the SDK's default 3, with the standard strategy's jittered exponential backoff (and its
 * longer base delay for throttling such as S3 SlowDown).
 */
const defaultMaxAttempts = 5;

type Environment = Readonly<Record<string, string | undefined>>;

function endpointFromEnvironment(service: AwsService, env: Environment): string | undefined {
  // The SDK's own rules (service-specific variable first), read here because S3 needs to know.
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true') return undefined;
  return env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL || undefined;
}

function maxAttemptsFromEnvironment(env: Environment): number | undefined {
  const raw = env.AWS_MAX_ATTEMPTS;
  if (raw === undefined || raw === '') return undefined;
  const attempts = Number(raw);
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new AwsConfigurationError(
      `AWS_MAX_ATTEMPTS must be a whole number >= 1, got ${JSON.stringify(raw)}.`,
    );
  }
  return attempts;
}

/** Client config from explicit options first, then the standard AWS environment variables. */
export function awsClientConfig(
  service: AwsService,
  options: AwsClientOptions = {},
  env: Environment = process.env,
): AwsClientConfig {
  const region = options.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  const endpoint = options.endpoint ?? endpointFromEnvironment(service, env);
  const retryMode = env.AWS_RETRY_MODE === 'adaptive' ? 'adaptive' : 'standard';
  return {
    // Left out when unknown, so the SDK's provider chain (profiles, runtime) still applies.
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? maxAttemptsFromEnvironment(env) ?? defaultMaxAttempts,
    retryMode,
  };
}

export function createS3Client(options: AwsClientOptions = {}, env: Environment = process.env): S3Client {
  const config = awsClientConfig('s3', options, env);
  // Emulators (moto, LocalStack) answer on one host: virtual-hosted bucket names would not resolve.
  return new S3Client({ ...config, forcePathStyle: config.endpoint !== undefined });
}

export function createGlueClient(options: AwsClientOptions = {}, env: Environment = process.env): GlueClient {
  return new GlueClient(awsClientConfig('glue', options, env));
}

export function createAthenaClient(
  options: AwsClientOptions = {},
  env: Environment = process.env,
): AthenaClient {
  return new AthenaClient(awsClientConfig('athena', options, env));
}

export function createSnsClient(options: AwsClientOptions = {}, env: Environment = process.env): SNSClient {
  return new SNSClient(awsClientConfig('sns', options, env));
}

/** Step Functions (its endpoint variable is AWS_ENDPOINT_URL_SFN, after the SDK's service id). */
export function createSfnClient(options: AwsClientOptions = {}, env: Environment = process.env): SFNClient {
  return new SFNClient(awsClientConfig('sfn', options, env));
}

export function createCloudFormationClient(
  options: AwsClientOptions = {},
  env: Environment = process.env,
): CloudFormationClient {
  return new CloudFormationClient(awsClientConfig('cloudformation', options, env));
}
