import {
  type LakeZones,
  type PartitionValues,
  partitionPrefix,
  runIdOf,
  runPrefix,
} from '../domain/lake/lakeLayout.ts';
import type { TableDefinition } from '../domain/tables/tableSchema.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Logger } from '../ports/logger.ts';

/**
 * After a publish, under the partition's lease: deletes a partition's run prefixes other than
 * the new run and the one it replaced, with what killed runs left half-uploaded in them. The replaced one stays one run longer for queries that started before the
 * publish; the run after next removes it.
 */
export async function removeSupersededRuns(
  ports: { blobs: BlobStore; zones: LakeZones; log: Logger },
  published: readonly { table: TableDefinition; values: PartitionValues; previous: string | undefined }[],
  runId: string,
): Promise<void> {
  for (const { table, values, previous } of published) {
    const keep = new Set([runId, previous ? runIdOf(previous) : undefined]);
    const prefix = partitionPrefix(ports.zones, table, values);
    // A run killed in its first upload left no object, only an incomplete upload: it goes too.
    const written = [
      ...(await ports.blobs.list(prefix)).map((o) => o.uri),
      ...(await ports.blobs.listIncompleteUploads(prefix)),
    ];
    const runs = new Set(
      written.map((uri) => /\/run=([^/]+)\//.exec(uri)?.[1]).filter((r) => r !== undefined),
    );
    for (const run of runs) {
      if (keep.has(run)) continue;
      const removed = await ports.blobs.deletePrefix(runPrefix(ports.zones, table, values, run));
      ports.log.info('superseded run removed', { table: table.name, run, objects: removed });
    }
  }
}
