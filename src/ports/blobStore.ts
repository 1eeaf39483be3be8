import type { Readable } from 'node:stream';

export interface BlobObject {
  /** Full URI: `s3://bucket/key` or `file:///abs/path`. */
  readonly uri: string;
  readonly size: number;
}

/** Object storage: the S3 zones in AWS, folders of the lake directory locally. */
export interface BlobStore {
  /** Every object under the prefix, sorted by URI. */
  list(prefix: string): Promise<BlobObject[]>;
  /** Streams an object's bytes. */
  read(uri: string): Promise<Readable>;
  /** Uploads a local file (multipart where the store supports it). */
  upload(localPath: string, uri: string): Promise<void>;
  putText(uri: string, text: string): Promise<void>;
  /**
   * Creates the object only if there is none at the URI, atomically: of concurrent creators
   * exactly one gets true (S3's conditional put, a hard link locally). False when one exists.
   */
  putTextIfAbsent(uri: string, text: string): Promise<boolean>;
  /** The object's text, or undefined when it does not exist. */
  getText(uri: string): Promise<string | undefined>;
  /** Deletes every object under the prefix; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
}
