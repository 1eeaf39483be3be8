import type { Catalog } from '../ports/catalog.ts';
import { refuseIfCancelled } from '../ports/taskCancellation.ts';
import type { LocalPipelinePorts } from '../runtime/localRuntime.ts';

/**
 * A Lambda task's ports for one local invocation: its cancellation travels with them (the
 * query engine stops the statement, publishRun stops before its next step) and the catalog
 * refuses every partition switch once it is aborted, whichever code of the task attempts it.
 */
export function cancellablePorts(ports: LocalPipelinePorts, signal: AbortSignal): LocalPipelinePorts {
  return { ...ports, catalog: cancellableCatalog(ports.catalog, signal), signal };
}

/** The catalog as a cancelled task sees it: reading works, publishing is refused (TaskCancelledError). */
export function cancellableCatalog(catalog: Catalog, signal: AbortSignal): Catalog {
  return {
    database: catalog.database,
    ensureTable: (table, location) => catalog.ensureTable(table, location),
    listTables: () => catalog.listTables(),
    listPartitions: (table) => catalog.listPartitions(table),
    getPartition: (table, values) => catalog.getPartition(table, values),
    publish: async (publications) => {
      refuseIfCancelled(
        signal,
        `publish ${publications.map((p) => `${p.table.name} ${JSON.stringify(p.values)}`).join(', ')}`,
      );
      return catalog.publish(publications);
    },
  };
}
