import type { LakeZones } from '../domain/lake/lakeLayout.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Logger } from '../ports/logger.ts';
import type { Notifier } from '../ports/notifier.ts';

/** What the pipeline's tasks need, wired from Lambda environment in AWS or the local lake. */
export interface PipelineDeps {
  readonly environment: string;
  /** For console links. */
  readonly region: string;
  readonly timeZone: string;
  readonly maxDays: number;
  readonly zones: LakeZones;
  readonly blobs: BlobStore;
  readonly catalog: Catalog;
  readonly notifier: Notifier;
  readonly log: Logger;
}
