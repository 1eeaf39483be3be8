import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { type LakeZones, shardWorkRoot, zonesOfBuckets } from '../src/domain/lake/lakeLayout.ts';
import type { lakeZoneVariables } from '../src/domain/taskEnvironments/environmentVariables.ts';

export interface DataLakeBucketsProps {
  /** prod: RETAIN buckets and key; others: DESTROY and empty the buckets on stack deletion. */
  readonly retainData: boolean;
}

/** Query results of people and use cases are scratch data: kept long enough to download, then gone. */
const athenaResultsExpiration = Duration.days(30);
const shardWorkExpiration = Duration.days(14);
/** A deleted or overwritten object stays recoverable this long (raw and curated are versioned). */
const noncurrentVersionExpiration = Duration.days(30);
/** Server access logs: long enough for an investigation, not forever. */
const accessLogsExpiration = Duration.days(365);

/** Where the manifests zone is in the curated bucket (one definition, in the domain's lake layout). */
export { manifestsKeyPrefix } from '../src/domain/lake/lakeLayout.ts';

/**
 * The lake's zones as buckets, one per zone (manifests live under `manifests/` in curated):
 * separate buckets give separate IAM boundaries, lifecycles and access logs.
 *
 * Lake data is encrypted with one customer-managed KMS key (rotated yearly): key access is
 * a second gate next to IAM, CloudTrail logs every decryption, and the Athena workgroup
 * encrypts query results with the same key. The access-log bucket uses SSE-S3 because S3
 * server access logging cannot deliver to SSE-KMS buckets.
 */
export class DataLakeBuckets extends Construct {
  readonly key: kms.Key;
  readonly raw: s3.Bucket;
  readonly curated: s3.Bucket;
  readonly results: s3.Bucket;
  readonly athenaResults: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  /** The zone URIs, as the loader, the Lambdas and the table locations use them. */
  readonly zones: LakeZones;

  constructor(scope: Construct, id: string, props: DataLakeBucketsProps) {
    super(scope, id);
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const autoDeleteObjects = !props.retainData;

    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the listings data lake (raw, curated, results, Athena results)',
      enableKeyRotation: true,
      removalPolicy,
      // Waiting period before a destroyed key is gone: a mistaken stack deletion can still be undone.
      pendingWindow: Duration.days(props.retainData ? 30 : 7),
    });

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: accessLogsExpiration }],
    });

    const lakeBucket = (
      id: string,
      options: { versioned: boolean; lifecycleRules: s3.LifecycleRule[] },
    ): s3.Bucket =>
      new s3.Bucket(this, id, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.key,
        // One data key per bucket instead of a KMS call per object: cheaper, fewer throttles.
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned: options.versioned,
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: `${id.toLowerCase()}/`,
        removalPolicy,
        autoDeleteObjects,
        lifecycleRules: [
          { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
          ...options.lifecycleRules,
        ],
      });

    const versionedHousekeeping: s3.LifecycleRule = {
      id: 'expire-noncurrent-versions',
      noncurrentVersionExpiration,
      expiredObjectDeleteMarker: true,
    };

    // Raw files are never modified; versioning protects them against accidental overwrites.
    this.raw = lakeBucket('Raw', {
      versioned: true,
      lifecycleRules: [
        versionedHousekeeping,
        {
          // Landed files are read once or twice, then rarely (backfills): let S3 tier them.
          id: 'tier-landed-files',
          transitions: [
            { storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) },
          ],
        },
      ],
    });
    // Runs write fresh `run=` prefixes and the pipeline deletes superseded ones; versioning
    // keeps a deleted run recoverable for a while, then the noncurrent versions go.
    this.curated = lakeBucket('Curated', {
      versioned: true,
      lifecycleRules: [
        versionedHousekeeping,
        {
          // A merge removes its day's shard work once published; a run that failed before leaves
          // it for a re-drive to use, for two weeks.
          id: 'expire-shard-work',
          prefix: shardWorkRoot({ curated: '' }),
          expiration: shardWorkExpiration,
        },
      ],
    });
    // Use-case results are derived: re-running the use case rebuilds them, no versions needed.
    this.results = lakeBucket('Results', { versioned: false, lifecycleRules: [] });
    this.athenaResults = lakeBucket('AthenaResults', {
      versioned: false,
      lifecycleRules: [{ id: 'expire-query-results', expiration: athenaResultsExpiration }],
    });

    this.zones = zonesOfBuckets({
      raw: this.raw.bucketName,
      curated: this.curated.bucketName,
      results: this.results.bucketName,
      athenaResults: this.athenaResults.bucketName,
    });
  }

  /** The zone URIs as the environment variables the loader and the Lambdas read. */
  lakeEnvironment(): { readonly [Name in keyof typeof lakeZoneVariables]: string } {
    return {
      LAKE_RAW: this.zones.raw,
      LAKE_CURATED: this.zones.curated,
      LAKE_RESULTS: this.zones.results,
      LAKE_MANIFESTS: this.zones.manifests,
      LAKE_ATHENA_RESULTS: this.zones.athenaResults,
    };
  }
}
