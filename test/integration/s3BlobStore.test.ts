import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createS3Client } from '../../src/adapters/aws/awsClients.ts';
import { BlobNotFoundError, S3BlobStore } from '../../src/adapters/aws/s3BlobStore.ts';
import { FaultProxy, type InjectedResponse, s3InternalError, s3SlowDown } from './faultProxy.ts';
import { awsTestOptions, createBucket, describeWithMoto, requireMoto, resetMoto } from './moto.ts';

const bucket = 'lake-test';

/** What S3 answers a conditional write that met another one under way on the same key. */
const s3ConditionalConflict: InjectedResponse = {
  status: 409,
  headers: { 'content-type': 'application/xml' },
  body:
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ConditionalRequestConflict</Code>' +
    '<Message>A conflicting operation occurred. Please retry.</Message><RequestId>FAULT</RequestId></Error>',
};

const isCompletion = (r: { method: string; url: string }) =>
  r.method === 'POST' && r.url.includes('uploadId=');
const isInitiation = (r: { method: string; url: string }) =>
  r.method === 'POST' && /[?&]uploads(=|&|$)/.test(r.url);

/** Puts many small objects quickly: a few requests at a time. */
async function putObjects(s3: S3Client, keys: readonly string[]): Promise<void> {
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      }
    }),
  );
}

async function sha256Of(stream: AsyncIterable<Buffer>): Promise<{ hash: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { hash: hash.digest('hex'), size };
}

describeWithMoto('S3BlobStore against moto_server', () => {
  let proxy: FaultProxy;
  let s3: S3Client;
  let scratch: string;

  beforeAll(async () => {
    // Every call goes through the proxy: it counts requests and injects faults when told to.
    proxy = await FaultProxy.start(requireMoto());
    scratch = await mkdtemp(join(tmpdir(), 's3-blob-store-'));
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
  });
  afterEach(() => s3.destroy());

  it('lists every object under a prefix, across pages, sorted, and nothing beside it', async () => {
    const keys = Array.from(
      { length: 23 },
      (_, i) => `raw/source=a/dt=2024-01-15/part-${String(22 - i).padStart(3, '0')}.json`,
    );
    await putObjects(s3, [
      ...keys,
      'raw/source=a/dt=2024-01-150/other.json',
      'raw/source=b/x.json',
      'rawish.json',
    ]);
    proxy.clear();
    const store = new S3BlobStore(s3, { listPageSize: 5 });

    const listed = await store.list(`s3://${bucket}/raw/source=a/dt=2024-01-15/`);

    expect(listed.map((o) => o.uri)).toEqual([...keys].sort().map((k) => `s3://${bucket}/${k}`));
    expect(listed[0]?.size).toBe(keys.at(-1)?.length);
    // 23 keys in pages of 5: five ListObjectsV2 calls, each following the continuation token.
    const listCalls = proxy.requests.filter((r) => r.method === 'GET' && r.url.includes('list-type=2'));
    expect(listCalls).toHaveLength(5);
    expect(listCalls.slice(1).every((r) => r.url.includes('continuation-token='))).toBe(true);
    expect(await store.list(`s3://${bucket}/nothing-here/`)).toEqual([]);
  });

  it('lists more than 1000 keys (S3 pages of 1000) and deletes them in DeleteObjects batches of 1000', async () => {
    const keys = Array.from(
      { length: 1003 },
      (_, i) => `curated/listings/run=r1/part-${String(i).padStart(5, '0')}.parquet`,
    );
    await putObjects(s3, [...keys, 'curated/listings/run=r2/keep.parquet']);
    proxy.clear();
    const store = new S3BlobStore(s3);

    expect(await store.list(`s3://${bucket}/curated/listings/run=r1/`)).toHaveLength(1003);
    expect(proxy.requests.filter((r) => r.url.includes('list-type=2'))).toHaveLength(2);
    proxy.clear();

    expect(await store.deletePrefix(`s3://${bucket}/curated/listings/run=r1/`)).toBe(1003);
    expect(proxy.requests.filter((r) => r.method === 'POST' && r.url.includes('delete'))).toHaveLength(2);
    expect(await store.list(`s3://${bucket}/curated/listings/run=r1/`)).toEqual([]);
    expect((await store.list(`s3://${bucket}/curated/`)).map((o) => o.uri)).toEqual([
      `s3://${bucket}/curated/listings/run=r2/keep.parquet`,
    ]);
  });

  it('uploads a large file as a multipart upload and streams it back unchanged', async () => {
    const path = join(scratch, 'big.bin');
    const content = randomBytes(12 * 1024 * 1024 + 123);
    await writeFile(path, content);
    const store = new S3BlobStore(s3, { partSize: 5 * 1024 * 1024 });
    const uri = `s3://${bucket}/curated/listings/run=r1/part-00000.zstd.parquet`;

    await store.upload(path, uri);

    const initiations = proxy.requests.filter((r) => r.method === 'POST' && /[?&]uploads(=|&|$)/.test(r.url));
    const parts = proxy.requests.filter((r) => r.method === 'PUT' && r.url.includes('partNumber='));
    expect(initiations).toHaveLength(1);
    expect(parts).toHaveLength(3);
    const stream = await store.read(uri);
    expect(await sha256Of(stream)).toEqual({
      hash: createHash('sha256').update(content).digest('hex'),
      size: content.length,
    });
    expect(await store.list(`s3://${bucket}/curated/`)).toEqual([{ uri, size: content.length }]);
  });

  it('uploads a small file in one PutObject', async () => {
    const path = join(scratch, 'small.txt');
    await writeFile(path, 'tiny');
    const store = new S3BlobStore(s3);

    await store.upload(path, `s3://${bucket}/small.txt`);

    expect(proxy.requests.filter((r) => r.url.includes('partNumber='))).toHaveLength(0);
    expect(await store.getText(`s3://${bucket}/small.txt`)).toBe('tiny');
  });

  it('puts and gets text, and says undefined for a missing key', async () => {
    const store = new S3BlobStore(s3);
    const uri = `s3://${bucket}/manifests/source=pricehubble/dt=2024-01-15/run=r1.json`;

    await store.putText(uri, '{"municipality":"Zürich"}\n');

    expect(await store.getText(uri)).toBe('{"municipality":"Zürich"}\n');
    expect(await store.getText(`s3://${bucket}/manifests/missing.json`)).toBeUndefined();
  });

  it('fails a read of a missing key with BlobNotFoundError', async () => {
    const store = new S3BlobStore(s3);
    await expect(store.read(`s3://${bucket}/raw/missing.json`)).rejects.toMatchObject({
      name: 'BlobNotFoundError',
      message: expect.stringContaining(`s3://${bucket}/raw/missing.json`),
    });
    await expect(store.read(`s3://${bucket}/raw/missing.json`)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('copies an object server-side: in one CopyObject, and in ranged parts above the part size', async () => {
    const path = join(scratch, 'part.parquet');
    const content = randomBytes(12 * 1024 * 1024 + 5);
    await writeFile(path, content);
    const from = `s3://${bucket}/curated/_shards/source=pricehubble/dt=2024-01-15/run=r/merge-00001.listings.parquet`;
    await new S3BlobStore(s3).upload(path, from);
    const expected = { hash: createHash('sha256').update(content).digest('hex'), size: content.length };
    const whole = `s3://${bucket}/curated/listings/source=pricehubble/dt=2024-01-15/run=r/part-00001.zstd.parquet`;
    await new S3BlobStore(s3).copy(from, whole);
    expect(await sha256Of(await new S3BlobStore(s3).read(whole))).toEqual(expected);
    // 5 MiB parts: three UploadPartCopy ranges, the last one short
    const inParts = `s3://${bucket}/curated/listings/source=pricehubble/dt=2024-01-15/run=r/part-00002.zstd.parquet`;
    const store = new S3BlobStore(s3, { copyPartSize: 5 * 1024 * 1024 });
    await store.copy(from, inParts);
    expect(await sha256Of(await store.read(inParts))).toEqual(expected);
    // a multipart object's ETag ends with its number of parts: the ranged copy made three
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: inParts.slice(`s3://${bucket}/`.length) }),
    );
    expect(head.ETag).toMatch(/-3"?$/);
    expect(await store.listIncompleteUploads(`s3://${bucket}/curated/`)).toEqual([]);
    await expect(store.copy(`s3://${bucket}/curated/missing.parquet`, inParts)).rejects.toBeInstanceOf(
      BlobNotFoundError,
    );
  });

  it('reads an object from an offset to its end (a Range GET), and stops early when destroyed', async () => {
    const path = join(scratch, 'piece.bin');
    const content = randomBytes(3 * 1024 * 1024 + 7);
    await writeFile(path, content);
    const store = new S3BlobStore(s3);
    const uri = `s3://${bucket}/raw/source=pricehubble/dt=2024-01-15/big.jsonl`;
    await store.upload(path, uri);

    for (const start of [0, 1, 1024 * 1024 + 3, content.length - 1]) {
      expect(await sha256Of(await store.readFrom(uri, start)), String(start)).toEqual({
        hash: createHash('sha256').update(content.subarray(start)).digest('hex'),
        size: content.length - start,
      });
    }
    // the first chunk only, as PlanShards peeks: destroying the stream ends the read
    const stream = await store.readFrom(uri, 0);
    for await (const chunk of stream) {
      expect((chunk as Buffer).equals(content.subarray(0, (chunk as Buffer).length))).toBe(true);
      break;
    }
    expect(stream.destroyed).toBe(true);
    await expect(store.readFrom(`s3://${bucket}/raw/missing.json`, 5)).rejects.toBeInstanceOf(
      BlobNotFoundError,
    );
  });

  it('deletes only under the prefix, returns the count, and refuses a whole bucket', async () => {
    await putObjects(s3, ['runs/run=a/1', 'runs/run=a/2', 'runs/run=ab/1', 'runs/run=b/1']);
    const store = new S3BlobStore(s3);

    expect(await store.deletePrefix(`s3://${bucket}/runs/run=a/`)).toBe(2);
    expect(await store.deletePrefix(`s3://${bucket}/runs/run=a/`)).toBe(0);

    expect((await store.list(`s3://${bucket}/runs/`)).map((o) => o.uri)).toEqual([
      `s3://${bucket}/runs/run=ab/1`,
      `s3://${bucket}/runs/run=b/1`,
    ]);
    await expect(store.deletePrefix(`s3://${bucket}/`)).rejects.toMatchObject({ name: 'UnsafeDeleteError' });
  });

  it("lists a killed writer's unfinished multipart uploads, not as objects, and deletePrefix aborts them", async () => {
    for (const key of [
      'runs/run=a/part-0.parquet',
      'runs/run=a/part-1.parquet',
      'runs/run=b/part-0.parquet',
    ]) {
      await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    }
    await putObjects(s3, ['runs/run=b/whole']);
    const store = new S3BlobStore(s3, { listPageSize: 2 });

    expect((await store.list(`s3://${bucket}/runs/`)).map((o) => o.uri)).toEqual([
      `s3://${bucket}/runs/run=b/whole`,
    ]);
    expect(await store.listIncompleteUploads(`s3://${bucket}/runs/`)).toEqual([
      `s3://${bucket}/runs/run=a/part-0.parquet`,
      `s3://${bucket}/runs/run=a/part-1.parquet`,
      `s3://${bucket}/runs/run=b/part-0.parquet`,
    ]);

    // deleting one object leaves another writer's upload of that name alone
    expect(await store.deletePrefix(`s3://${bucket}/runs/run=a/part-0.parquet`)).toBe(0);
    expect(await store.listIncompleteUploads(`s3://${bucket}/runs/run=a/`)).toHaveLength(2);
    expect(await store.deletePrefix(`s3://${bucket}/runs/run=a/`)).toBe(0);
    expect(await store.listIncompleteUploads(`s3://${bucket}/runs/`)).toEqual([
      `s3://${bucket}/runs/run=b/part-0.parquet`,
    ]);
    expect(await store.deletePrefix(`s3://${bucket}/runs/run=b/`)).toBe(1);
    const { Uploads } = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(Uploads ?? []).toEqual([]);
  });

  it('retries S3 throttling (503 SlowDown) with backoff, then succeeds', async () => {
    const store = new S3BlobStore(s3);
    proxy.fail(2, s3SlowDown);

    await store.putText(`s3://${bucket}/throttled.txt`, 'made it');

    const puts = proxy.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.faulted)).toEqual([true, true, false]);
    proxy.fail(1, s3SlowDown);
    expect(await store.getText(`s3://${bucket}/throttled.txt`)).toBe('made it');
  });

  it('gives up after maxAttempts with the SlowDown error', async () => {
    const store = new S3BlobStore(s3); // maxAttempts 3 in the test options
    proxy.fail(10, s3SlowDown);

    await expect(store.putText(`s3://${bucket}/never.txt`, 'x')).rejects.toMatchObject({
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503, attempts: 3 },
    });
    expect(proxy.requests.filter((r) => r.method === 'PUT')).toHaveLength(3);
  });

  it('retries a 500 on one multipart part without failing the upload', async () => {
    const path = join(scratch, 'parts.bin');
    const content = randomBytes(11 * 1024 * 1024);
    await writeFile(path, content);
    const store = new S3BlobStore(s3, { partSize: 5 * 1024 * 1024 });
    proxy.fail(1, s3InternalError, (r) => r.url.includes('partNumber=2'));
    proxy.fail(1, s3SlowDown, (r) => r.url.includes('partNumber=3'));
    const uri = `s3://${bucket}/parts.bin`;

    await store.upload(path, uri);

    const faulted = proxy.requests.filter((r) => r.faulted).map((r) => /partNumber=(\d+)/.exec(r.url)?.[1]);
    expect(faulted.sort()).toEqual(['2', '3']);
    expect(await sha256Of(await store.read(uri))).toEqual({
      hash: createHash('sha256').update(content).digest('hex'),
      size: content.length,
    });
  });

  it('aborts a multipart upload whose part keeps failing, leaving no object and no parts', async () => {
    const path = join(scratch, 'doomed.bin');
    await writeFile(path, randomBytes(11 * 1024 * 1024));
    const store = new S3BlobStore(s3, { partSize: 5 * 1024 * 1024 });
    proxy.fail(10, s3InternalError, (r) => r.url.includes('partNumber=2'));
    const uri = `s3://${bucket}/doomed.bin`;

    await expect(store.upload(path, uri)).rejects.toMatchObject({ name: 'InternalError' });

    const aborts = proxy.requests.filter((r) => r.method === 'DELETE' && r.url.includes('uploadId='));
    expect(aborts).toHaveLength(1);
    const { Uploads } = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(Uploads ?? []).toEqual([]);
    expect(await store.list(uri)).toEqual([]);
  });

  it('uploads a small file only if the key is free: If-None-Match on its PutObject, 412 means exists', async () => {
    const store = new S3BlobStore(s3);
    const uri = `s3://${bucket}/raw/source=a/dt=2024-01-15/offers.jsonl`;
    const first = join(scratch, 'first.jsonl');
    const second = join(scratch, 'second.jsonl');
    await writeFile(first, '{"id":"first"}\n');
    await writeFile(second, '{"id":"second"}\n');

    expect(await store.uploadIfAbsent(first, uri)).toBe('created');
    expect(await store.uploadIfAbsent(second, uri)).toBe('exists');

    const puts = proxy.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.ifNoneMatch)).toEqual(['*', '*']);
    expect(await store.getText(uri)).toBe('{"id":"first"}\n');
    // upload() stays a plain put: curated data is rewritten under fresh run prefixes
    proxy.clear();
    await store.upload(second, `s3://${bucket}/curated/x.jsonl`);
    expect(proxy.requests.filter((r) => r.method === 'PUT').map((r) => r.ifNoneMatch)).toEqual([undefined]);
  });

  it('makes a multipart upload conditional on its completion and aborts the one that finds the key taken', async () => {
    const store = new S3BlobStore(s3, { partSize: 5 * 1024 * 1024 });
    const uri = `s3://${bucket}/raw/source=a/dt=2024-01-15/big.jsonl`;
    const first = join(scratch, 'big-first.bin');
    const second = join(scratch, 'big-second.bin');
    const content = randomBytes(11 * 1024 * 1024);
    await writeFile(first, content);
    await writeFile(second, randomBytes(11 * 1024 * 1024));

    expect(await store.uploadIfAbsent(first, uri)).toBe('created');
    expect(await store.uploadIfAbsent(second, uri)).toBe('exists');

    const completions = proxy.requests.filter(isCompletion);
    expect(completions.map((r) => r.ifNoneMatch)).toEqual(['*', '*']);
    // the refused upload was aborted: no parts linger, the first object is whole
    expect(proxy.requests.filter((r) => r.method === 'DELETE' && r.url.includes('uploadId='))).toHaveLength(
      1,
    );
    const { Uploads } = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(Uploads ?? []).toEqual([]);
    expect(await sha256Of(await store.read(uri))).toEqual({
      hash: createHash('sha256').update(content).digest('hex'),
      size: content.length,
    });
  });

  it('tries a conditional put again when S3 says 409 ConditionalRequestConflict', async () => {
    const store = new S3BlobStore(s3);
    const path = join(scratch, 'conflicted.jsonl');
    await writeFile(path, '{"id":"x"}\n');
    proxy.fail(2, s3ConditionalConflict, (r) => r.method === 'PUT' && r.ifNoneMatch === '*');

    expect(await store.uploadIfAbsent(path, `s3://${bucket}/raw/conflicted.jsonl`)).toBe('created');

    expect(proxy.requests.filter((r) => r.method === 'PUT').map((r) => r.faulted)).toEqual([
      true,
      true,
      false,
    ]);
    expect(await store.getText(`s3://${bucket}/raw/conflicted.jsonl`)).toBe('{"id":"x"}\n');
  });

  it('starts a multipart upload over when its completion meets a 409, as S3 asks', async () => {
    const store = new S3BlobStore(s3, { partSize: 5 * 1024 * 1024 });
    const path = join(scratch, 'conflicted.bin');
    const content = randomBytes(6 * 1024 * 1024);
    await writeFile(path, content);
    proxy.fail(1, s3ConditionalConflict, isCompletion);
    const uri = `s3://${bucket}/raw/conflicted.bin`;

    expect(await store.uploadIfAbsent(path, uri)).toBe('created');

    expect(proxy.requests.filter(isInitiation)).toHaveLength(2);
    expect(proxy.requests.filter(isCompletion).map((r) => r.faulted)).toEqual([true, false]);
    const { Uploads } = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(Uploads ?? []).toEqual([]);
    expect((await sha256Of(await store.read(uri))).size).toBe(content.length);
  });

  it("gives up after a few 409s with S3's error", async () => {
    const store = new S3BlobStore(s3);
    const path = join(scratch, 'contended.jsonl');
    await writeFile(path, 'x');
    proxy.fail(10, s3ConditionalConflict, (r) => r.method === 'PUT');

    await expect(store.uploadIfAbsent(path, `s3://${bucket}/raw/contended.jsonl`)).rejects.toMatchObject({
      name: 'ConditionalRequestConflict',
    });
    expect(proxy.requests.filter((r) => r.method === 'PUT')).toHaveLength(4);
  });
});
