import { PipelineError } from '../../domain/errors/pipelineError.ts';
/** An S3 object address, split the way every S3 API call wants it. */
export interface S3Location {
  readonly bucket: string;
  /** The object key or key prefix, without a leading slash; may be empty (the whole bucket). */
  readonly key: string;
}

export class InvalidS3UriError extends PipelineError {
  override readonly name = 'InvalidS3UriError';
}

// Bucket names: 3-63 lower-case letters, digits, dots and hyphens (the S3 naming rules, loosely).
const s3UriPattern = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

export function isS3Uri(uri: string): boolean {
  return uri.startsWith('s3://');
}

/** `s3://bucket/some/key` → `{ bucket: 'bucket', key: 'some/key' }`. */
export function parseS3Uri(uri: string): S3Location {
  const match = s3UriPattern.exec(uri);
  if (!match?.[1]) {
    throw new InvalidS3UriError(
      `${JSON.stringify(uri)} is not an S3 URI: expected s3://bucket/key with a valid bucket name (3-63 characters, a-z 0-9 . -).`,
    );
  }
  return { bucket: match[1], key: match[2] ?? '' };
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
