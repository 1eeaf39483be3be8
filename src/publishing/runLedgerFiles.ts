import {
  type LakeZones,
  partitionPath,
  runLedgerFileUri,
  runLedgerPartitionUri,
  runLedgerTableUri,
  type SourceDay,
} from '../domain/lake/lakeLayout.ts';
import type { RunLedgerColumns, RunLedgerRow } from '../domain/run/runLedger.ts';
import { pipelineRunsTable } from '../domain/tables/tableSchema.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Catalog } from '../ports/catalog.ts';

export interface RunLedgerPorts {
  readonly zones: Pick<LakeZones, 'curated'>;
  readonly blobs: BlobStore;
  readonly catalog: Catalog;
}

/** Puts at a time: a year's backfill is a few hundred small files. */
const parallelPuts = 16;

/**
 * Files an execution's rows of the run ledger and makes them visible: one JSON Lines file per
 * partition, then the partitions registered in the catalog, pointing at their folders.
 *
 * Not publishRun: that replaces a partition's data with one run's, under a lease, and the ledger
 * must keep every run's rows of a day. Here nothing is replaced but the execution's own files
 * (a retry of Summarize writes the same names: no duplicate rows), executions never write the
 * same object (no lease is needed), and a partition's location never changes (registering it
 * again is a no-op). A reader sees a file whole or not at all: an object put, a rename locally.
 *
 * Returns the files written.
 */
export async function fileRunLedger(
  ports: RunLedgerPorts,
  execution: { readonly runId: string; readonly executionName: string },
  rows: readonly RunLedgerRow[],
): Promise<string[]> {
  const byPartition = new Map<string, { day: SourceDay; lines: string[] }>();
  for (const row of rows) {
    const key = partitionPath(row.partition, pipelineRunsTable);
    const entry = byPartition.get(key) ?? { day: row.partition, lines: [] };
    entry.lines.push(jsonLine(row.columns));
    byPartition.set(key, entry);
  }
  const partitions = [...byPartition.values()];
  if (partitions.length === 0) return [];
  await ports.catalog.ensureTable(pipelineRunsTable, runLedgerTableUri(ports.zones));
  const files: string[] = [];
  for (let start = 0; start < partitions.length; start += parallelPuts) {
    const batch = partitions.slice(start, start + parallelPuts);
    await Promise.all(
      batch.map(async ({ day, lines }) => {
        const uri = runLedgerFileUri(ports.zones, day, execution.runId, execution.executionName);
        await ports.blobs.putText(uri, `${lines.join('\n')}\n`);
        files.push(uri);
      }),
    );
  }
  // After the files: a new partition is never seen empty.
  await ports.catalog.publish(
    partitions.map(({ day }) => ({
      table: pipelineRunsTable,
      values: day,
      location: runLedgerPartitionUri(ports.zones, day),
    })),
  );
  return files.sort();
}

/** One line of Hive's JSON SerDe: every column, null included, in the table's order. */
function jsonLine(columns: RunLedgerColumns): string {
  return JSON.stringify(
    Object.fromEntries(
      pipelineRunsTable.columns.map((c) => [c.name, columns[c.name as keyof RunLedgerColumns]]),
    ),
  );
}
