import type { Readable } from 'node:stream';

export interface BlobObject {
  /** Full URI: `s3://bucket/key` or `file:///abs/path`. */
  readonly uri: string;
  readonly size: number;
}

export type IfAbsentOutcome = 'created' | 'exists';

/** Object storage: the S3 zones in AWS, folders of the lake directory locally. */
export interface BlobStore {
  /** Every object under the prefix, sorted by URI. */
  list(prefix: string): Promise<BlobObject[]>;
  /** Streams an object's bytes. */
  read(uri: string): Promise<Readable>;
  /**
   * Streams an object's bytes from offset `start` to its end: one piece of a large object
   * without reading what comes before it.
   */
  readFrom(uri: string, start: number): Promise<Readable>;
  /** Uploads a local file (multipart where the store supports it), replacing what is there. */
  upload(localPath: string, uri: string): Promise<void>;
  /**
   * Uploads a local file only if nothing is at the URI yet, deciding that in the store at the
   * moment of the write: of several concurrent calls for one URI exactly one says `created`,
   * the others `exists`, and an object is never replaced. For the raw zone, which is never
   * modified. `exists` says nothing about the content: compare it if that matters.
   */
  uploadIfAbsent(localPath: string, uri: string): Promise<IfAbsentOutcome>;
  /**
   * Copies an object to another URI within the store, replacing what is there, without the
   * bytes passing through this process (S3: a server-side copy, in parts above 5 GiB).
   */
  copy(fromUri: string, toUri: string): Promise<void>;
  putText(uri: string, text: string): Promise<void>;
  /** `putText`, only if there is no object at the URI yet: of concurrent creators exactly one gets `created`. */
  putTextIfAbsent(uri: string, text: string): Promise<IfAbsentOutcome>;
  /** The object's text, or undefined when it does not exist. */
  getText(uri: string): Promise<string | undefined>;
  /**
   * Where a writer started an upload under the prefix and never completed it (it was killed):
   * S3's unfinished multipart uploads, the local store's partial files and bare folders. They
   * are not objects (`list` leaves them out) but they hold storage, and they name the run
   * that left them, so cleanup can find that run.
   */
  listIncompleteUploads(prefix: string): Promise<string[]>;
  /**
   * Deletes every object under the prefix; returns how many. A folder prefix (ending in `/`)
   * also loses its incomplete uploads; a key prefix does not, so deleting one object never
   * breaks another writer's upload of the same name under way.
   */
  deletePrefix(prefix: string): Promise<number>;
}
