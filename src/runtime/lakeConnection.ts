import { resolve } from 'node:path';
import { type AwsClientOptions, createGlueClient, createS3Client } from '../adapters/aws/awsClients.ts';
import { GlueCatalog } from '../adapters/aws/glueCatalog.ts';
import { S3BlobStore } from '../adapters/aws/s3BlobStore.ts';
import { isS3Uri, parseS3Uri } from '../adapters/aws/s3Uri.ts';
import { FileBlobStore } from '../adapters/local/fileBlobStore.ts';
import { LocalCatalog } from '../adapters/local/localCatalog.ts';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { type LakeZones, zonesUnder } from '../domain/lake/lakeLayout.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Catalog } from '../ports/catalog.ts';

export type CatalogKind = 'local' | 'glue';

export interface LakeConnection {
  readonly root: string;
  readonly zones: LakeZones;
  readonly blobs: BlobStore;
  readonly catalog: Catalog;
  readonly catalogKind: CatalogKind;
}

export class UnsupportedLakeError extends PipelineError {
  override readonly name = 'UnsupportedLakeError';
}

export const localDatabaseName = 'listings_local';
/** The Glue database when none is given (the deployed stacks pass theirs, per environment). */
export const glueDatabaseName = 'listings';

/**
 * Chooses the adapters for a lake location: a directory (files + the local catalog), or
 * `s3://bucket/prefix` (S3 + Glue). The catalog defaults to the one that fits the location.
 * For S3, region, credentials and endpoint come from the standard AWS environment unless
 * `aws` pins them; only the bucket has to exist beforehand.
 */
export function connectLake(
  lake: string,
  catalogKind?: CatalogKind,
  database?: string,
  aws: AwsClientOptions = {},
): LakeConnection {
  if (isS3Uri(lake)) {
    const kind = catalogKind ?? 'glue';
    if (kind !== 'glue') {
      throw new UnsupportedLakeError(
        `The ${kind} catalog cannot describe an S3 lake (${lake}): use the glue catalog (CATALOG=glue).`,
      );
    }
    parseS3Uri(lake); // fails early, with the rules, on a malformed bucket name
    const root = lake.replace(/\/+$/, '');
    return { ...connectGlueLake(zonesUnder(root), database ?? glueDatabaseName, aws), root };
  }
  const kind = catalogKind ?? 'local';
  if (kind !== 'local') {
    throw new UnsupportedLakeError(`The ${kind} catalog needs an s3:// lake; ${lake} is a directory.`);
  }
  const root = resolve(lake);
  return {
    root,
    zones: zonesUnder(root),
    blobs: new FileBlobStore(),
    catalog: new LocalCatalog(root, database ?? localDatabaseName),
    catalogKind: kind,
  };
}

/**
 * A lake whose zones are given one by one (the deployed stack has a bucket per zone), with
 * its tables in Glue: what the Lambdas and containers connect to in AWS. Its `root` is the
 * curated zone, the one that stands for the lake in messages.
 */
export function connectGlueLake(
  zones: LakeZones,
  database: string,
  aws: AwsClientOptions = {},
): LakeConnection {
  for (const uri of Object.values(zones)) parseS3Uri(uri);
  return {
    root: zones.curated,
    zones,
    blobs: new S3BlobStore(createS3Client(aws)),
    catalog: new GlueCatalog(createGlueClient(aws), database, { zones }),
    catalogKind: 'glue',
  };
}
