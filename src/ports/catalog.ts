import type { PartitionValues } from '../domain/lake/lakeLayout.ts';
import type { TableDefinition } from '../domain/tables/tableSchema.ts';

export interface CatalogPartition {
  readonly values: PartitionValues;
  readonly location: string;
}

export interface CatalogTable {
  readonly name: string;
  readonly location: string;
  readonly definition: TableDefinition;
}

export interface PartitionPublication {
  readonly table: TableDefinition;
  readonly values: PartitionValues;
  readonly location: string;
}

/** The table catalog: Glue in AWS, a catalog file in the lake locally (same model). */
export interface Catalog {
  readonly database: string;
  /** Creates the table, or updates its columns when the definition changed. */
  ensureTable(table: TableDefinition, location: string): Promise<void>;
  listTables(): Promise<CatalogTable[]>;
  listPartitions(table: string): Promise<CatalogPartition[]>;
  getPartition(table: string, values: PartitionValues): Promise<CatalogPartition | undefined>;
  /**
   * Points each partition at its new location, creating it if needed. Returns the
   * locations they pointed at before (undefined for new partitions), in order.
   */
  publish(publications: readonly PartitionPublication[]): Promise<(string | undefined)[]>;
}
