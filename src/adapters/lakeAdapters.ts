import { resolve } from 'node:path';
import { type LakeZones, zonesUnder } from '../domain/lake/lakeLayout.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Catalog } from '../ports/catalog.ts';
import { FileBlobStore } from './local/fileBlobStore.ts';
import { LocalCatalog } from './local/localCatalog.ts';

export type CatalogKind = 'local' | 'glue';

export interface LakeConnection {
  readonly root: string;
  readonly zones: LakeZones;
  readonly blobs: BlobStore;
  readonly catalog: Catalog;
  readonly catalogKind: CatalogKind;
}

export class UnsupportedLakeError extends Error {
  override readonly name = 'UnsupportedLakeError';
}

export const localDatabaseName = 'listings_local';

/** Zone URIs given one by one (the deployed buckets), each may override the root's default. */
export type ZoneOverrides = Partial<LakeZones>;

/** Chooses the adapters for a lake location: a directory, or (later) `s3://bucket/prefix`. */
export function connectLake(
  lake: string,
  catalogKind: CatalogKind = 'local',
  database = localDatabaseName,
  zoneOverrides: ZoneOverrides = {},
): LakeConnection {
  if (lake.startsWith('s3://')) {
    throw new UnsupportedLakeError(`S3 lakes are not supported yet (${lake}): use a local directory.`);
  }
  if (catalogKind !== 'local') {
    throw new UnsupportedLakeError(`The ${catalogKind} catalog needs an s3:// lake; ${lake} is a directory.`);
  }
  const root = resolve(lake);
  return {
    root,
    zones: { ...zonesUnder(root), ...zoneOverrides },
    blobs: new FileBlobStore(),
    catalog: new LocalCatalog(root, database),
    catalogKind,
  };
}
