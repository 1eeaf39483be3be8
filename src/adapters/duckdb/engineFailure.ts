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
  const message = (error as Error).message;
  // DuckDB's own advice names its settings; the run's is one option away
  const outOfMemory = message.includes('Out of Memory')
    ? " The query needs more memory than the limit: give the run more (etl run --memory-limit 4GB, say); DuckDB spills what it can to the run's scratch folder."
    : '';
  return new SqlQueryFailedError(
    `DuckDB failed the query: ${message}${outOfMemory} Query: ${oneLine.length > 200 ? `${oneLine.slice(0, 200)}...` : oneLine}`,
  );
}
