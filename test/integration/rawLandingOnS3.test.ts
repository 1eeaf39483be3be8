/**
 * Landing into an S3 raw zone (moto_server) when landings race: every raw write is a
 * conditional put, so the raw zone keeps the first object of a name, the loser with other
 * content fails by name, and a loser with the same content is a no-op.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createS3Client } from '../../src/adapters/aws/awsClients.ts';
import { S3BlobStore } from '../../src/adapters/aws/s3BlobStore.ts';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { rawPrefix, zonesUnder } from '../../src/domain/lake/lakeLayout.ts';
import { RawLandingConflictError } from '../../src/jobs/loader/loaderErrors.ts';
import { landRawFiles } from '../../src/landing/landRawFiles.ts';
import type { BlobStore } from '../../src/ports/blobStore.ts';
import { listingTogether } from '../support/listingTogether.ts';
import { FaultProxy } from './faultProxy.ts';
import { awsTestOptions, createBucket, describeWithMoto, requireMoto, resetMoto } from './moto.ts';

const bucket = 'raw-landing';
const zones = zonesUnder(`s3://${bucket}/lake`);
const day = { source: 'pricehubble', dt: '2024-01-15' };
const raw = rawPrefix(zones, day);

describeWithMoto('raw landing on S3 (moto_server)', () => {
  let proxy: FaultProxy;
  let s3: S3Client;
  let scratch: string;

  beforeAll(async () => {
    proxy = await FaultProxy.start(requireMoto());
    scratch = await mkdtemp(join(tmpdir(), 'raw-landing-s3-'));
  });
  afterAll(async () => {
    await proxy.close();
    await rm(scratch, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetMoto();
    proxy.clear();
    s3 = createS3Client(awsTestOptions(proxy.endpoint));
    await createBucket(s3, bucket);
    proxy.clear();
    // moto checks If-None-Match and then writes, not atomically; S3 does both at once.
    proxy.serialize((r) => r.ifNoneMatch === '*');
  });
  afterEach(() => s3.destroy());

  async function file(path: string, content: string | Buffer): Promise<string> {
    const full = join(scratch, path);
    await mkdir(join(full, '..'), { recursive: true });
    await writeFile(full, content);
    return full;
  }

  const land = (files: readonly string[], blobs: BlobStore) =>
    landRawFiles(files, day, { blobs, zones, log: silentLogger });

  /** Two landings of one file each, both listing before either writes. */
  async function race(first: string, second: string, store: S3BlobStore) {
    const blobs = listingTogether(store, 2);
    return Promise.allSettled([land([first], blobs), land([second], blobs)]);
  }

  it('refuses two files of one base name from two folders before anything lands', async () => {
    const a = await file('monday/offers.jsonl', '{"id":"1"}\n');
    const b = await file('tuesday/offers.jsonl', '{"id":"2"}\n');

    await expect(land([a, b], new S3BlobStore(s3))).rejects.toBeInstanceOf(RawLandingConflictError);

    expect(proxy.requests.filter((r) => r.method === 'PUT' || r.method === 'POST')).toEqual([]);
    expect(await new S3BlobStore(s3).list(`s3://${bucket}/`)).toEqual([]);
  });

  it.each([
    ['small files (PutObject)', 1024, undefined],
    ['large files (multipart upload)', 6 * 1024 * 1024, 5 * 1024 * 1024],
  ])(
    'lets exactly one of two concurrent landings of different content land: %s',
    async (_, size, partSize) => {
      const store = new S3BlobStore(s3, partSize ? { partSize } : {});
      const monday = randomBytes(size);
      const tuesday = randomBytes(size);
      const results = await race(
        await file('monday/offers.jsonl', monday),
        await file('tuesday/offers.jsonl', tuesday),
        store,
      );

      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]?.reason).toBeInstanceOf(RawLandingConflictError);
      expect(refused[0]?.reason.message).toContain(
        `${raw}offers.jsonl was landed by another landing at the same time, with different content`,
      );
      const winner = results[0]?.status === 'fulfilled' ? monday : tuesday;
      expect(await store.list(raw)).toEqual([{ uri: `${raw}offers.jsonl`, size }]);
      const stored = Buffer.concat(await (await store.read(`${raw}offers.jsonl`)).toArray());
      expect(stored.equals(winner)).toBe(true);
      // both writes were conditional; the loser's (a refused completion for large files) left nothing
      const conditional = proxy.requests.filter((r) => r.ifNoneMatch === '*');
      expect(conditional).toHaveLength(2);
      const { Uploads } = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      expect(Uploads ?? []).toEqual([]);
    },
  );

  it('lets two concurrent landings of the same content both succeed, with one object', async () => {
    const store = new S3BlobStore(s3);
    const content = '{"id":"same"}\n';
    const results = await race(
      await file('monday/offers.jsonl', content),
      await file('again/offers.jsonl', content),
      store,
    );

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const copied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.map((l) => l.copied) : []));
    expect(copied.sort()).toEqual([false, true]);
    expect(await store.list(raw)).toEqual([{ uri: `${raw}offers.jsonl`, size: content.length }]);
    expect(await store.getText(`${raw}offers.jsonl`)).toBe(content);
  });
});
