import { z } from 'zod';
import { createSnsClient } from '../adapters/aws/awsClients.ts';
import { SnsNotifier } from '../adapters/aws/snsNotifier.ts';
import { JsonLogger } from '../adapters/jsonLogger.ts';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import type { PipelineDeps } from '../lambdaTasks/taskPorts.ts';
import { connectLake } from './lakeConnection.ts';

/** The Lambda environment the CDK stack sets (lib/listingsPipelineStack.ts). */
const lambdaEnvironment = z.object({
  ENVIRONMENT: z.string().min(1),
  TIME_ZONE: z.string().min(1),
  LAKE_RAW: z.string().startsWith('s3://'),
  LAKE_CURATED: z.string().startsWith('s3://'),
  LAKE_RESULTS: z.string().startsWith('s3://'),
  LAKE_MANIFESTS: z.string().startsWith('s3://'),
  LAKE_ATHENA_RESULTS: z.string().startsWith('s3://'),
  GLUE_DATABASE: z.string().min(1),
  TOPIC_ARN: z.string().min(1),
  MAX_BACKFILL_DAYS: z.coerce.number().int().positive(),
  CONSOLE_REGION: z.string().min(1),
});

export class LambdaConfigurationError extends PipelineError {
  override readonly name = 'LambdaConfigurationError';
}

/** Builds the tasks' dependencies from the Lambda's environment: S3, Glue, SNS. */
export function awsPipelineDeps(component: string, env: NodeJS.ProcessEnv = process.env): PipelineDeps {
  const parsed = lambdaEnvironment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new LambdaConfigurationError(`Lambda environment is invalid: ${problems}`);
  }
  const e = parsed.data;
  const lake = connectLake(e.LAKE_CURATED, 'glue', e.GLUE_DATABASE, {
    raw: e.LAKE_RAW,
    curated: e.LAKE_CURATED,
    results: e.LAKE_RESULTS,
    manifests: e.LAKE_MANIFESTS,
    athenaResults: e.LAKE_ATHENA_RESULTS,
  });
  return {
    environment: e.ENVIRONMENT,
    region: e.CONSOLE_REGION,
    timeZone: e.TIME_ZONE,
    maxDays: e.MAX_BACKFILL_DAYS,
    zones: lake.zones,
    blobs: lake.blobs,
    catalog: lake.catalog,
    notifier: new SnsNotifier(createSnsClient(), e.TOPIC_ARN),
    log: new JsonLogger({ component, environment: e.ENVIRONMENT }),
  };
}
