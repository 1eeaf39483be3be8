import { z } from 'zod';
import type { LakeZones } from '../domain/lake/lakeLayout.ts';
import { runIdPattern } from '../domain/run/runId.ts';
import { renderUseCaseSql, UnknownUseCaseError, useCaseNamed } from '../domain/useCases/registry.ts';
import type { SqlUseCase } from '../domain/useCases/useCase.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Logger } from '../ports/logger.ts';
import type { QueryEngine } from '../ports/queryEngine.ts';
import { publishRun } from '../publishing/publishRun.ts';
import { parseTaskEvent } from './taskEvent.ts';

export interface RunSqlUseCasePorts {
  readonly zones: LakeZones;
  readonly blobs: BlobStore;
  readonly catalog: Catalog;
  /** Athena in AWS, DuckDB over the local catalog on a laptop. */
  readonly queryEngine: QueryEngine;
  /** The use case's SQL text (its file, beside the bundle in AWS). */
  readonly readSql: (useCase: SqlUseCase) => string;
  readonly log: Logger;
}

/** An item of the Map over use cases: names and a date, never SQL. */
export const useCaseRunEvent = z.object({
  useCase: z.string(),
  dt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  runId: z.string().regex(runIdPattern),
});

/**
 * RunSqlUseCase: renders the use case's SQL for the run date, where it runs, and publishes
 * its result: the engine writes it under the run's fresh prefix, then the partition switches.
 */
export async function runSqlUseCaseTask(
  event: unknown,
  ports: RunSqlUseCasePorts,
): Promise<{ published: string }> {
  const run = parseTaskEvent('RunSqlUseCase', useCaseRunEvent, event);
  const useCase = useCaseNamed(run.useCase);
  if (useCase.kind !== 'sql') {
    throw new UnknownUseCaseError(
      `${run.useCase} is a ${useCase.kind} use case, not a SQL one: it runs its own job.`,
    );
  }
  const select = renderUseCaseSql(ports.readSql(useCase), run.dt, run.runId);
  const [published] = await publishRun(ports, run.runId, [
    {
      table: useCase.table,
      values: { dt: run.dt },
      write: (location) => ports.queryEngine.unload(select, location),
    },
  ]);
  ports.log.info('use case published', { runId: run.runId, useCase: useCase.name, dt: run.dt });
  return { published: published?.location ?? '' };
}
