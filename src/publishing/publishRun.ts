import type { LakeZones, PartitionValues } from '../domain/lake/lakeLayout.ts';
import { leasePrefix, partitionPath, runPrefix, tableLocation } from '../domain/lake/lakeLayout.ts';
import { defaultLeasePolicy, type LeasePolicy } from '../domain/lake/leasePolicy.ts';
import type { TableDefinition } from '../domain/tables/tableSchema.ts';
import { withLeases } from '../leases/lease.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Logger } from '../ports/logger.ts';
import { refuseIfCancelled } from '../ports/taskCancellation.ts';
import { removeSupersededRuns } from './supersededRuns.ts';

/** One table partition a run writes. */
export interface RunOutput {
  readonly table: TableDefinition;
  readonly values: PartitionValues;
  /** Writes the partition's data under `location`, a fresh run prefix nothing reads yet. */
  readonly write: (location: string) => Promise<void>;
}

export interface PublishedOutput {
  readonly table: TableDefinition;
  readonly values: PartitionValues;
  readonly location: string;
  /** Where the partition pointed before (undefined for a new partition). */
  readonly previous: string | undefined;
}

export interface PublishPorts {
  readonly blobs: BlobStore;
  readonly catalog: Catalog;
  readonly zones: LakeZones;
  readonly log: Logger;
  /** How long a partition may be held and waited for (default: {@link defaultLeasePolicy}). */
  readonly leasePolicy?: LeasePolicy;
  /**
   * The task's cancellation (its state timed out, its execution ended): once aborted, the
   * publish stops at its next step and never switches a partition ({@link TaskCancelledError}).
   */
  readonly signal?: AbortSignal;
}

/**
 * The one way the pipeline makes data visible, used by the loader, the model jobs and the
 * SQL use cases alike. Under a lease on every partition it writes (one writer per partition),
 * in four named steps:
 *
 * 1. write every output under a fresh `run=<run id>/` prefix (readers cannot see it yet);
 * 2. register the tables in the catalog (created, or updated when their definition changed);
 * 3. check the leases are still this run's, then point every partition at its run prefix, in
 *    one catalog change: readers switch at once, all tables together or none;
 * 4. remove the run prefixes this publish superseded (the one replaced last stays one run
 *    longer, for queries already under way).
 *
 * A cancelled task (see {@link PublishPorts.signal}) stops before its next step and is refused
 * the switch, even with its outputs written: its run prefixes are removed as after any failure.
 *
 * A repeated attempt with the same run id (a retry of the step) is safe: outputs the catalog
 * already points at are published and are not written again; leftovers of an attempt that
 * never published are removed before writing. If a step before 3 fails, the run's own
 * prefixes are removed, never one the catalog points at; after the switch nothing is deleted
 * but superseded runs.
 */
export async function publishRun(
  ports: PublishPorts,
  runId: string,
  outputs: readonly RunOutput[],
): Promise<PublishedOutput[]> {
  const located = outputs.map((output) => ({
    ...output,
    location: runPrefix(ports.zones, output.table, output.values, runId),
  }));
  const what = located.map((o) => o.table.name).join(', ');
  refuseIfCancelled(ports.signal, `start publishing ${what}`);
  const policy = ports.leasePolicy ?? defaultLeasePolicy;
  const subjects = located.map(({ table, values }) => ({
    prefix: leasePrefix(ports.zones, table, values),
    description: `${table.name} ${partitionPath(values, table).replace(/\/$/, '')}`,
  }));
  return withLeases(ports, subjects, runId, policy, async (verifyLeases) => {
    const live = await liveLocations(ports, located);
    if (located.length > 0 && located.every((o) => live.has(o.location))) {
      // An earlier attempt of this run published everything and failed afterwards.
      ports.log.info('already published by an earlier attempt of this run', { runId });
      return located.map(({ table, values, location }) => ({ table, values, location, previous: undefined }));
    }
    let switched = false;
    try {
      await writeOutputs(ports, located, live);
      await registerTables(ports, located);
      await verifyLeases();
      refuseIfCancelled(ports.signal, `publish ${what}`);
      const previous = await ports.catalog.publish(
        located.map(({ table, values, location }) => ({ table, values, location })),
      );
      switched = true;
      const published = located.map(({ table, values, location }, index) => ({
        table,
        values,
        location,
        previous: previous[index],
      }));
      ports.log.info('partitions published', {
        runId,
        published: published.map((p) => ({ table: p.table.name, location: p.location })),
      });
      await removeSupersededRuns(ports, published, runId);
      return published;
    } catch (error) {
      if (!switched) await removeUnpublished(ports, located);
      throw error;
    }
  });
}

/** Where the catalog's partitions of these outputs point now: an output whose location is in it is live. */
async function liveLocations(ports: PublishPorts, outputs: readonly LocatedOutput[]): Promise<Set<string>> {
  const partitions = await Promise.all(
    outputs.map((o) => ports.catalog.getPartition(o.table.name, o.values)),
  );
  return new Set(partitions.flatMap((partition) => (partition === undefined ? [] : [partition.location])));
}

type LocatedOutput = RunOutput & { readonly location: string };

async function writeOutputs(
  ports: PublishPorts,
  outputs: readonly LocatedOutput[],
  live: ReadonlySet<string>,
): Promise<void> {
  for (const output of outputs) {
    if (live.has(output.location)) continue;
    // What an earlier attempt of this run left behind without publishing it.
    refuseIfCancelled(ports.signal, `write ${output.table.name}`);
    await ports.blobs.deletePrefix(output.location);
    await output.write(output.location);
  }
}

async function registerTables(ports: PublishPorts, outputs: readonly RunOutput[]): Promise<void> {
  const tables = [...new Map(outputs.map((o) => [o.table.name, o.table])).values()];
  for (const table of tables) await ports.catalog.ensureTable(table, tableLocation(ports.zones, table));
}

/** After a failure before the switch: the run's prefixes go, except any a reader can see. */
async function removeUnpublished(ports: PublishPorts, outputs: readonly LocatedOutput[]): Promise<void> {
  try {
    const live = await liveLocations(ports, outputs);
    await Promise.all(
      outputs.filter((o) => !live.has(o.location)).map((o) => ports.blobs.deletePrefix(o.location)),
    );
  } catch (error) {
    ports.log.warn('could not remove an unpublished run prefix; a later run removes it', {
      error: (error as Error).message,
    });
  }
}
