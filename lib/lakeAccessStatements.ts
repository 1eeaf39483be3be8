import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Least-privilege S3 + KMS statements for one lake bucket (optionally one prefix of it).
 * Written out instead of `bucket.grantRead()`, which grants `s3:GetObject*`, `s3:List*` and
 * `kms:ReEncrypt*`: the tests and cdk-nag can then see exactly who may do what.
 * Returned as statements so they fit roles and managed policies alike.
 */
export interface LakeBucketAccess {
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** Limit object access (and listing) to keys under this prefix, e.g. `manifests/`. */
  readonly prefix?: string;
}

/** Actions Athena needs on a bucket it writes query results or UNLOAD output to. */
const athenaWriterBucketActions = ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'];

function objectsArn(access: LakeBucketAccess): string {
  return access.bucket.arnForObjects(`${access.prefix ?? ''}*`);
}

/** Only through S3: the lake key cannot be used to decrypt anything fetched elsewhere. */
function viaS3(scope: s3.IBucket): Record<string, Record<string, string>> {
  return { StringEquals: { 'kms:ViaService': `s3.${Stack.of(scope).region}.amazonaws.com` } };
}

/** Listing (limited to the prefix, if any) plus bucket-level actions, which `s3:prefix` does not apply to. */
function bucketStatements(access: LakeBucketAccess, bucketActions: readonly string[]): iam.PolicyStatement[] {
  const list = new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [access.bucket.bucketArn],
    ...(access.prefix ? { conditions: { StringLike: { 's3:prefix': [`${access.prefix}*`] } } } : {}),
  });
  if (bucketActions.length === 0) return [list];
  return [
    list,
    new iam.PolicyStatement({ actions: [...bucketActions], resources: [access.bucket.bucketArn] }),
  ];
}

/** List and get objects, decrypt them (what Athena needs on a table's bucket, too). */
export function lakeReadStatements(access: LakeBucketAccess): iam.PolicyStatement[] {
  return [
    // Athena asks where a table's bucket is; harmless to anyone else.
    ...bucketStatements(access, access.prefix ? [] : ['s3:GetBucketLocation']),
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objectsArn(access)] }),
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [access.key.keyArn],
      conditions: viaS3(access.bucket),
    }),
  ];
}

/**
 * Read, plus put, delete and multipart-upload objects (the SDK's Upload) and encrypt them.
 * Deleting a prefix also finds and aborts what killed writers left half-uploaded, which takes
 * listing the bucket's multipart uploads (a bucket-level action `s3:prefix` does not limit).
 */
export function lakeReadWriteStatements(access: LakeBucketAccess): iam.PolicyStatement[] {
  return [
    ...bucketStatements(access, ['s3:ListBucketMultipartUploads']),
    new iam.PolicyStatement({
      actions: [
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
      ],
      resources: [objectsArn(access)],
    }),
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [access.key.keyArn],
      conditions: viaS3(access.bucket),
    }),
  ];
}

/** What Athena needs, with the caller's credentials, on a bucket it writes results or UNLOAD output to. */
export function athenaOutputStatements(access: LakeBucketAccess): iam.PolicyStatement[] {
  return [
    ...bucketStatements(access, athenaWriterBucketActions),
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: [objectsArn(access)],
    }),
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [access.key.keyArn],
      conditions: viaS3(access.bucket),
    }),
  ];
}

/** Adds statements to a role's (or any grantee's) identity policy. */
export function grantStatements(grantee: iam.IGrantable, statements: readonly iam.PolicyStatement[]): void {
  for (const statement of statements) grantee.grantPrincipal.addToPrincipalPolicy(statement);
}
