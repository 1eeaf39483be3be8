/** What the integration tests share: the moto endpoint, client options, moto's control API. */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, inject } from 'vitest';
import type { AwsClientOptions } from '../../src/adapters/aws/awsClients.ts';

/** `http://127.0.0.1:PORT` of the suite's moto_server, or null when it is not installed. */
export const motoEndpoint: string | null = inject('motoEndpoint');

/** `describe`, or a skipped one (the global setup printed why) when there is no moto_server. */
export const describeWithMoto = motoEndpoint ? describe : describe.skip;

export const testRegion = 'us-east-1';
export const testAccount = '123456789012';

export function requireMoto(): string {
  if (!motoEndpoint) throw new Error('moto_server is not running (see the global setup message).');
  return motoEndpoint;
}

/**
 * Options that keep every SDK call on the emulator: an explicit 127.0.0.1 endpoint, static
 * credentials (so the SDK never asks an instance metadata service) and a fixed region.
 */
export function awsTestOptions(
  endpoint: string = requireMoto(),
  extra: Partial<AwsClientOptions> = {},
): AwsClientOptions {
  if (new URL(endpoint).hostname !== '127.0.0.1')
    throw new Error(`Refusing a non-local AWS endpoint: ${endpoint}`);
  return {
    region: testRegion,
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
    ...extra,
  };
}

async function motoApi(path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${requireMoto()}/moto-api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? '' : JSON.stringify(body),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`moto-api/${path} answered ${response.status}`);
}

/** Forgets every resource in every service: each test starts from an empty account. */
export async function resetMoto(): Promise<void> {
  await motoApi('reset');
  await motoApi('state-manager/unset-transition', { model_name: 'athena::execution' });
}

export interface AthenaSeededResult {
  readonly rows: { Data: { VarCharValue?: string }[] }[];
  readonly column_info: {
    Name: string;
    Type: string;
    Label?: string;
    Nullable?: string;
    CaseSensitive?: boolean;
  }[];
}

/** Results the next Athena queries return, in order (moto accepts queries but never runs them). */
export async function seedAthenaResults(results: readonly AthenaSeededResult[]): Promise<void> {
  await motoApi('static/athena/query-results', { account_id: testAccount, region: testRegion, results });
}

/** Slows a model's state progression, e.g. Athena QUEUED → RUNNING → SUCCEEDED one step per N polls. */
export async function setTransition(modelName: string, transition: Record<string, unknown>): Promise<void> {
  await motoApi('state-manager/set-transition', { model_name: modelName, transition });
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}
