import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  NoSuchKey,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { InternalError, PipelineError } from '../../domain/errors/pipelineError.ts';
import type { BlobObject, BlobStore, IfAbsentOutcome } from '../../ports/blobStore.ts';
import { parseS3Uri, s3Uri } from './s3Uri.ts';

export interface S3BlobStoreOptions {
  /** Keys per ListObjectsV2 page (S3's maximum, 1000, by default; smaller in tests). */
  readonly listPageSize?: number;
  /** Multipart part size in bytes, at least 5 MiB (S3's minimum for all but the last part). */
  readonly partSize?: number;
  /** Parts uploaded in parallel per file. */
  readonly uploadConcurrency?: number;
  /**
   * Objects larger than this are copied in parts of this size (UploadPartCopy); smaller ones in
   * one CopyObject. S3's limit for one CopyObject, 5 GiB, by default; smaller in tests.
   */
  readonly copyPartSize?: number;
}

export class BlobNotFoundError extends PipelineError {
  override readonly name = 'BlobNotFoundError';
}

export class S3DeleteError extends PipelineError {
  override readonly name = 'S3DeleteError';
}

export class UnsafeDeleteError extends PipelineError {
  override readonly name = 'UnsafeDeleteError';
}

/** DeleteObjects takes at most 1000 keys per request. */
const deleteBatchSize = 1000;
const minimumPartSize = 5 * 1024 * 1024;
/** The largest object one CopyObject copies. */
const largestSingleCopy = 5 * 1024 ** 3;

function contentTypeOf(key: string): string {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.parquet')) return 'application/vnd.apache.parquet';
  return 'text/plain; charset=utf-8';
}

function isNoSuchKey(error: unknown): boolean {
  return error instanceof NoSuchKey || (error as { name?: string } | null)?.name === 'NoSuchKey';
}

interface S3ErrorShape {
  readonly name?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** `If-None-Match: *` failed: an object is at the key (PutObject or CompleteMultipartUpload). */
function isPreconditionFailed(error: unknown): boolean {
  const e = error as S3ErrorShape | null;
  return e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412;
}

/**
 * S3 says 409 ConditionalRequestConflict when another conditional write to the key was under
 * way; it asks to try again (a multipart upload from CreateMultipartUpload on), and the
 * client's retry strategy does not retry a 409.
 */
function isConditionalConflict(error: unknown): boolean {
  const e = error as S3ErrorShape | null;
  return e?.name === 'ConditionalRequestConflict' || e?.$metadata?.httpStatusCode === 409;
}

/** Tries of a conditional upload that keeps meeting a concurrent one (409), waits doubling from 100 ms. */
const conditionalConflictAttempts = 4;

/**
 * The lake's zones in S3. Retries with backoff on throttling (SlowDown, 503) and 5xx are the
 * client's (see awsClients.ts), so every call here, each multipart part included, gets them.
 * A read that fails after its first byte is not retried: the caller sees the stream error.
 */
export class S3BlobStore implements BlobStore {
  private readonly listPageSize: number;
  private readonly partSize: number;
  private readonly uploadConcurrency: number;
  private readonly copyPartSize: number;

  constructor(
    private readonly client: S3Client,
    options: S3BlobStoreOptions = {},
  ) {
    this.listPageSize = options.listPageSize ?? 1000;
    this.partSize = Math.max(options.partSize ?? 8 * 1024 * 1024, minimumPartSize);
    this.uploadConcurrency = options.uploadConcurrency ?? 4;
    this.copyPartSize = Math.min(
      Math.max(options.copyPartSize ?? largestSingleCopy, minimumPartSize),
      largestSingleCopy,
    );
  }

  async list(prefix: string): Promise<BlobObject[]> {
    const { bucket, key } = parseS3Uri(prefix);
    const objects: { key: string; size: number }[] = [];
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: this.listPageSize },
      { Bucket: bucket, Prefix: key },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) objects.push({ key: object.Key, size: object.Size ?? 0 });
      }
    }
    // S3 lists in UTF-8 byte order; the port promises code-unit order, as the local store sorts.
    objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return objects.map((o) => ({ uri: s3Uri(bucket, o.key), size: o.size }));
  }

  async listIncompleteUploads(prefix: string): Promise<string[]> {
    const { bucket } = parseS3Uri(prefix);
    return (await this.multipartUploads(prefix)).map((u) => s3Uri(bucket, u.key)).sort();
  }

  /** Every multipart upload started under the prefix and neither completed nor aborted. */
  private async multipartUploads(prefix: string): Promise<{ key: string; uploadId: string }[]> {
    const { bucket, key } = parseS3Uri(prefix);
    const uploads: { key: string; uploadId: string }[] = [];
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: key,
          MaxUploads: this.listPageSize,
          ...markers,
        }),
      );
      for (const upload of page.Uploads ?? []) {
        if (upload.Key !== undefined && upload.UploadId !== undefined) {
          uploads.push({ key: upload.Key, uploadId: upload.UploadId });
        }
      }
      if (!page.IsTruncated) return uploads;
      markers = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    }
  }

  async read(uri: string): Promise<Readable> {
    return this.getObject(uri);
  }

  async readFrom(uri: string, start: number): Promise<Readable> {
    return this.getObject(uri, `bytes=${start}-`);
  }

  private async getObject(uri: string, range?: string): Promise<Readable> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ...(range === undefined ? {} : { Range: range }) }),
      );
      const body = response.Body;
      // In Node the SDK hands back the HTTP response itself: a Readable we can stream from.
      if (!(body instanceof Readable)) {
        throw new InternalError(`GetObject ${uri} returned no Node stream; is this running outside Node?`);
      }
      return body;
    } catch (error) {
      if (isNoSuchKey(error)) throw new BlobNotFoundError(`No object at ${uri}.`, { cause: error });
      throw error;
    }
  }

  async upload(localPath: string, uri: string): Promise<void> {
    await this.uploadFile(localPath, uri, {});
  }

  /**
   * The same upload with `If-None-Match: *`, which S3 evaluates when it creates the object:
   * on the PutObject of a small file, on the CompleteMultipartUpload of a large one (lib-storage
   * passes its params to both; a completion refused with 412 is aborted like any failure).
   */
  async uploadIfAbsent(localPath: string, uri: string): Promise<IfAbsentOutcome> {
    return this.ifAbsent(() => this.uploadFile(localPath, uri, { IfNoneMatch: '*' }));
  }

  /** A conditional write: 412 says the object exists; a 409 (a conflicting write under way) is tried again. */
  private async ifAbsent(write: () => Promise<unknown>): Promise<IfAbsentOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return 'created';
      } catch (error) {
        if (isPreconditionFailed(error)) return 'exists';
        if (!isConditionalConflict(error) || attempt >= conditionalConflictAttempts) throw error;
        await sleep(100 * 2 ** (attempt - 1));
      }
    }
  }

  private async uploadFile(localPath: string, uri: string, condition: { IfNoneMatch?: '*' }): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    // lib-storage sends one PutObject for small files and a multipart upload for large ones;
    // a failed multipart upload is aborted (leavePartsOnError false) so no parts linger.
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: bucket,
        Key: key,
        Body: createReadStream(localPath),
        ContentType: contentTypeOf(key),
        ...condition,
      },
      partSize: this.partSize,
      queueSize: this.uploadConcurrency,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async copy(fromUri: string, toUri: string): Promise<void> {
    const from = parseS3Uri(fromUri);
    const to = parseS3Uri(toUri);
    const source = `${from.bucket}/${encodeURIComponent(from.key).replaceAll('%2F', '/')}`;
    let size: number;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: from.bucket, Key: from.key }));
      size = head.ContentLength ?? 0;
    } catch (error) {
      const status = (error as S3ErrorShape | null)?.$metadata?.httpStatusCode;
      if (isNoSuchKey(error) || (error as S3ErrorShape | null)?.name === 'NotFound' || status === 404)
        throw new BlobNotFoundError(`No object at ${fromUri} to copy.`, { cause: error });
      throw error;
    }
    const target = { Bucket: to.bucket, Key: to.key };
    if (size <= this.copyPartSize) {
      // A checksum computed afresh for the copy: one copied from a multipart source would not be
      // the copy's own (moto, at least, then answers reads with a checksum that does not match).
      await this.client.send(
        new CopyObjectCommand({
          ...target,
          CopySource: source,
          ContentType: contentTypeOf(to.key),
          MetadataDirective: 'REPLACE',
          ChecksumAlgorithm: 'CRC32',
        }),
      );
      return;
    }
    // Larger than one CopyObject takes: a multipart upload whose parts are ranges of the source,
    // aborted on any failure so that no parts linger.
    const created = await this.client.send(
      new CreateMultipartUploadCommand({ ...target, ContentType: contentTypeOf(to.key) }),
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined)
      throw new InternalError(`CreateMultipartUpload ${toUri} returned no UploadId`);
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, number = 1; start < size; start += this.copyPartSize, number++) {
        const end = Math.min(start + this.copyPartSize, size) - 1;
        const part = await this.client.send(
          new UploadPartCopyCommand({
            ...target,
            UploadId: uploadId,
            PartNumber: number,
            CopySource: source,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        const etag = part.CopyPartResult?.ETag;
        if (etag === undefined)
          throw new InternalError(`UploadPartCopy ${toUri} part ${number} returned no ETag`);
        parts.push({ ETag: etag, PartNumber: number });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          ...target,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      await this.client
        .send(new AbortMultipartUploadCommand({ ...target, UploadId: uploadId }))
        .catch(() => undefined);
      throw error;
    }
  }

  async putText(uri: string, text: string): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    await this.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: contentTypeOf(key) }),
    );
  }

  async putTextIfAbsent(uri: string, text: string): Promise<IfAbsentOutcome> {
    const { bucket, key } = parseS3Uri(uri);
    return this.ifAbsent(() =>
      this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: text,
          ContentType: contentTypeOf(key),
          IfNoneMatch: '*',
        }),
      ),
    );
  }

  async getText(uri: string): Promise<string | undefined> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await response.Body?.transformToString('utf8');
    } catch (error) {
      // Only a missing key means "absent". Without s3:ListBucket, S3 says AccessDenied instead:
      // that stays an error, it is a permissions problem to fix, not an empty object.
      if (isNoSuchKey(error)) return undefined;
      throw error;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const { bucket, key } = parseS3Uri(prefix);
    if (key === '') {
      throw new UnsafeDeleteError(
        `Refusing to delete everything in bucket ${bucket} (${prefix}): deletePrefix needs a key prefix.`,
      );
    }
    // A killed writer's parts are billed until aborted (or until the bucket's lifecycle rule does).
    const abandoned = prefix.endsWith('/') ? await this.multipartUploads(prefix) : [];
    for (const upload of abandoned) {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.uploadId }),
      );
    }
    const keys = (await this.list(prefix)).map((o) => parseS3Uri(o.uri).key);
    for (let start = 0; start < keys.length; start += deleteBatchSize) {
      const batch = keys.slice(start, start + deleteBatchSize);
      const response = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      // DeleteObjects answers 200 even when some keys failed: the failures are in Errors.
      const errors = response.Errors ?? [];
      if (errors.length > 0) {
        const sample = errors
          .slice(0, 5)
          .map((e) => `${e.Key}: ${e.Code} ${e.Message}`)
          .join('; ');
        throw new S3DeleteError(
          `Could not delete ${errors.length} of ${batch.length} objects under ${prefix} (${sample}). ` +
            'Check the role has s3:DeleteObject on the bucket, then delete the prefix again.',
        );
      }
    }
    return keys.length;
  }
}
