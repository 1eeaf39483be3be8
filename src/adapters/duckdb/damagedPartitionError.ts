import { PipelineError } from '../../domain/errors/pipelineError.ts';
import { type PartitionValues, partitionPath } from '../../domain/lake/lakeLayout.ts';
import { partitionRepairCommand } from '../../domain/lake/partitionRepair.ts';
import type { TableDefinition } from '../../domain/tables/tableSchema.ts';

/** A published partition whose data cannot be read, and why. */
export interface DamagedPartition {
  readonly values: PartitionValues;
  /** The run prefix the catalog points at. */
  readonly location: string;
  readonly reason: string;
}

/**
 * A table of a local lake cannot be read because a published partition's Parquet files are
 * missing or unreadable. Only that table fails; the message names every damaged partition and
 * the command that writes it again.
 */
export class DamagedPartitionError extends PipelineError {
  override readonly name = 'DamagedPartitionError';

  constructor(
    readonly table: TableDefinition,
    readonly partitions: readonly DamagedPartition[],
    lake: string,
  ) {
    const described = partitions
      .map(
        (p) =>
          `${partitionPath(p.values, table).replace(/\/$/, '')} (published at ${p.location}): ${p.reason}`,
      )
      .join('; ');
    const commands = [...new Set(partitions.map((p) => partitionRepairCommand(table, p.values, lake)))];
    super(
      `Table ${table.name} cannot be read: ${partitions.length === 1 ? 'its partition' : 'its partitions'} ${described}. ` +
        'The other tables still answer. ' +
        `Repair it by re-running ${commands.length === 1 ? 'that day' : 'those days'}: ${commands.join(' && ')}`,
    );
  }
}
