import { type LakeZones, rawPrefix, type SourceDay } from '../../domain/lake/lakeLayout.ts';
import type { BlobObject, BlobStore } from '../../ports/blobStore.ts';
import { NoRawDataError } from './loaderErrors.ts';

/**
 * A day's raw objects, sorted by URI (the order their records are read in); none is an error:
 * a day without data is not a quiet day. The loader and the shard planner list them alike.
 */
export async function dayRawObjects(
  ports: { readonly blobs: Pick<BlobStore, 'list'>; readonly zones: Pick<LakeZones, 'raw'> },
  day: SourceDay,
): Promise<BlobObject[]> {
  const prefix = rawPrefix(ports.zones, day);
  const rawObjects = await ports.blobs.list(prefix);
  if (rawObjects.length === 0) {
    throw new NoRawDataError(
      `No raw objects under ${prefix}. Land the day's files there (etl run --input FILE --date ${day.dt}) ` +
        'or check that the scraper delivered.',
    );
  }
  return rawObjects;
}
