import { App, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import {
  athenaOutputStatements,
  type LakeBucketAccess,
  lakeReadStatements,
  lakeReadWriteStatements,
} from '../../lib/lakeAccessStatements.ts';

/**
 * The statements for one bucket, as IAM will read them, written out by hand from the S3, KMS
 * and Athena documentation: which actions are bucket-level (ListBucket, GetBucketLocation,
 * ListBucketMultipartUploads; `s3:prefix` limits only ListBucket), which are object-level, and
 * that the lake key is usable only through S3 in the stack's region.
 */
function lakeAccess(prefix?: string): LakeBucketAccess {
  const stack = new Stack(new App(), 'Statements', {
    env: { account: '111122223333', region: 'eu-central-1' },
  });
  return {
    bucket: s3.Bucket.fromBucketArn(stack, 'Lake', 'arn:aws:s3:::lake-bucket'),
    key: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-central-1:111122223333:key/lake-key'),
    ...(prefix === undefined ? {} : { prefix }),
  };
}

const json = (statements: readonly iam.PolicyStatement[]) => statements.map((s) => s.toStatementJson());

const bucket = 'arn:aws:s3:::lake-bucket';
const keyArn = 'arn:aws:kms:eu-central-1:111122223333:key/lake-key';
const throughS3 = { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } };

describe('statements for one lake bucket', () => {
  it('read of a whole bucket: list, locate, get, decrypt through S3', () => {
    expect(json(lakeReadStatements(lakeAccess()))).toEqual([
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: bucket },
      { Action: 's3:GetBucketLocation', Effect: 'Allow', Resource: bucket },
      { Action: 's3:GetObject', Effect: 'Allow', Resource: `${bucket}/*` },
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: keyArn, Condition: throughS3 },
    ]);
  });

  it('read of one prefix: listing limited to it, no bucket-level action, objects under it only', () => {
    expect(json(lakeReadStatements(lakeAccess('manifests/')))).toEqual([
      {
        Action: 's3:ListBucket',
        Effect: 'Allow',
        Resource: bucket,
        Condition: { StringLike: { 's3:prefix': ['manifests/*'] } },
      },
      { Action: 's3:GetObject', Effect: 'Allow', Resource: `${bucket}/manifests/*` },
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: keyArn, Condition: throughS3 },
    ]);
  });

  it('read-write of a prefix: put, delete and multipart uploads, which only a bucket-level action lists', () => {
    expect(json(lakeReadWriteStatements(lakeAccess('curated/')))).toEqual([
      {
        Action: 's3:ListBucket',
        Effect: 'Allow',
        Resource: bucket,
        Condition: { StringLike: { 's3:prefix': ['curated/*'] } },
      },
      { Action: 's3:ListBucketMultipartUploads', Effect: 'Allow', Resource: bucket },
      {
        Action: [
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
        ],
        Effect: 'Allow',
        Resource: `${bucket}/curated/*`,
      },
      {
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Effect: 'Allow',
        Resource: keyArn,
        Condition: throughS3,
      },
    ]);
  });

  it('Athena output: locate the bucket and list its uploads, write results, never delete', () => {
    expect(json(athenaOutputStatements(lakeAccess('athena/')))).toEqual([
      {
        Action: 's3:ListBucket',
        Effect: 'Allow',
        Resource: bucket,
        Condition: { StringLike: { 's3:prefix': ['athena/*'] } },
      },
      {
        Action: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
        Effect: 'Allow',
        Resource: bucket,
      },
      {
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Effect: 'Allow',
        Resource: `${bucket}/athena/*`,
      },
      {
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Effect: 'Allow',
        Resource: keyArn,
        Condition: throughS3,
      },
    ]);
  });
});
