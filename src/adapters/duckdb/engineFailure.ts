import { SqlQueryFailedError } from '../../ports/queryEngine.ts';
import type { DamagedPartitionError } from './damagedPartitionError.ts';
import type { LakeViews } from './lakeViews.ts';

/**
 * DuckDB's failure of a query over the lake's views as the pipeline's error: the damaged
 * partition it ran into, or else the engine error Athena's adapter raises too (the same name
 * in both worlds), with the query cut to one short line.
 */
export function engineFailure(
  error: unknown,
  sql: string,
  views: LakeViews,
): DamagedPartitionError | SqlQueryFailedError {
  const damaged = views.damageIn(error);
  if (damaged) return damaged;
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return new SqlQueryFailedError(
    `DuckDB failed the query: ${(error as Error).message} Query: ${oneLine.length > 200 ? `${oneLine.slice(0, 200)}...` : oneLine}`,
  );
}
