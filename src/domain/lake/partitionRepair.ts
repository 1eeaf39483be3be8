import { shellQuote } from '../notifications/shellQuote.ts';
import type { TableDefinition } from '../tables/tableSchema.ts';
import { tablesOf, useCases } from '../useCases/registry.ts';
import type { PartitionValues } from './lakeLayout.ts';

/**
 * The command that writes a published partition again: re-running its day publishes a fresh
 * run prefix and points the catalog at it, whatever became of the old one. A partition with a
 * source is its source's day (the loader's tables); a use-case table's partition is the day of
 * the use case that publishes it (the day's sources load again first, which is harmless).
 */
export function partitionRepairCommand(
  table: TableDefinition,
  values: PartitionValues,
  lake: string,
): string {
  const words = ['npx', 'etl', 'run'];
  if (values.dt !== undefined) words.push('--date', values.dt);
  if (values.source !== undefined) words.push('--source', values.source);
  else {
    const useCase = useCases.find((u) => tablesOf(u).some((t) => t.name === table.name));
    if (useCase) words.push('--use-case', useCase.name);
  }
  words.push('--lake', lake);
  return words.map(shellQuote).join(' ');
}
