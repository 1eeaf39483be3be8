import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createS3Client } from '../../src/adapters/aws/awsClients.ts';
import { S3BlobStore } from '../../src/adapters/aws/s3BlobStore.ts';
import { leaseScenarios } from '../support/leaseScenarios.ts';
import { FaultProxy } from './faultProxy.ts';
import { awsTestOptions, createBucket, describeWithMoto, requireMoto, resetMoto } from './moto.ts';

describeWithMoto('leases on S3 (conditional puts), against moto_server', () => {
  let s3: S3Client;
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await FaultProxy.start(requireMoto());
    // moto checks If-None-Match and then writes, without a lock: two racing conditional writes
    // can both pass. S3 decides them atomically; the proxy lets them reach moto one at a time.
    proxy.serialize((r) => r.ifNoneMatch === '*');
  });
  afterAll(() => proxy.close());
  beforeEach(async () => {
    await resetMoto();
    s3 = createS3Client(awsTestOptions(proxy.endpoint));
    await createBucket(s3, 'lake-test');
  });
  afterEach(() => s3.destroy());

  const scenarios = leaseScenarios(
    () => new S3BlobStore(s3),
    () => ({
      prefix: 's3://lake-test/curated/listings/source=x/dt=2024-01-15/_leases/',
      description: 'listings x',
    }),
  );

  it('creates an object only when none is there, and says which', async () => {
    const blobs = new S3BlobStore(s3);
    expect(await blobs.putTextIfAbsent('s3://lake-test/k.json', 'first')).toBe('created');
    expect(await blobs.putTextIfAbsent('s3://lake-test/k.json', 'second')).toBe('exists');
    expect(await blobs.getText('s3://lake-test/k.json')).toBe('first');
  });
  it('gives a partition to exactly one of eight racing runs', () => scenarios.oneHolderAmongRacers());
  it('makes a second run wait, then fail naming the holder and when its lease lapses', () =>
    scenarios.waitsThenNamesTheHolder());
  it('takes over a lapsed lease; the stalled holder learns it lost', () => scenarios.takesOverALapsedLease());
  it('leaves no lease behind once released', () => scenarios.leavesNothingBehind());
});
