import { z } from 'zod';
import { type LakeZones, tableLocation } from '../domain/lake/lakeLayout.ts';
import { runIdPattern } from '../domain/run/runId.ts';
import { listingsTable, type TableDefinition } from '../domain/tables/tableSchema.ts';
import { incrementalPosition } from '../domain/useCases/incrementalState.ts';
import {
  renderUseCaseSelect,
  stateTableOf,
  UnknownUseCaseError,
  useCaseNamed,
} from '../domain/useCases/registry.ts';
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
  /**
   * The task's cancellation (locally: its state timed out or its execution ended): the query is
   * stopped and the publish refused. None in AWS, where a Lambda runs until its own timeout.
   */
  readonly signal?: AbortSignal;
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
  const previousDate = await previousStateDate(ports, useCase, stateTableOf(useCase), run);
  const select = renderUseCaseSelect(useCase, ports.readSql, {
    runDate: run.dt,
    runId: run.runId,
    previousDate,
  });
  const [published] = await publishRun(ports, run.runId, [
    {
      table: useCase.table,
      values: { dt: run.dt },
      write: (location) =>
        ports.queryEngine.unload(select, location, ports.signal ? { signal: ports.signal } : {}),
    },
  ]);
  ports.log.info('use case published', { runId: run.runId, useCase: useCase.name, dt: run.dt });
  return { published: published?.location ?? '' };
}

/**
 * The latest partition of the state table before the run date (none: an empty state), for a
 * use case that goes on from one. Registers the table first: its SQL reads it even on the
 * first day, before anything was published. Warns, naming them, about the days a run out of
 * order leaves stale or skipped: it does not re-derive them itself, because each is a run of
 * its own (its lease, its partition, its failure), and a backfill of the days in order is one
 * command (`etl run --from … --to … --use-case listing_history`), whose days run one after
 * the other.
 */
async function previousStateDate(
  ports: RunSqlUseCasePorts,
  useCase: SqlUseCase,
  stateTable: TableDefinition | undefined,
  run: { readonly dt: string; readonly runId: string },
): Promise<string | undefined> {
  if (stateTable === undefined) return undefined;
  await ports.catalog.ensureTable(stateTable, tableLocation(ports.zones, stateTable));
  const datesOf = async (table: string) =>
    (await ports.catalog.listPartitions(table)).flatMap((p) =>
      p.values.dt === undefined ? [] : [p.values.dt],
    );
  const position = incrementalPosition(
    run.dt,
    await datesOf(stateTable.name),
    await datesOf(listingsTable.name),
  );
  const context = { runId: run.runId, useCase: useCase.name, dt: run.dt, stateTable: stateTable.name };
  // Only the use case that writes the state warns: one built on it sees the same days.
  if (useCase.incremental && position.staleLaterDays.length > 0) {
    ports.log.warn(
      `${stateTable.name} of later days went on from the state this run replaces: re-run them in order after this one`,
      { ...context, staleDays: position.staleLaterDays },
    );
  }
  if (useCase.incremental && position.skippedDays.length > 0) {
    ports.log.warn(
      `${stateTable.name} has no partition for days with listings before this one: their offers are missing from the state; re-run them in order, then this day`,
      { ...context, skippedDays: position.skippedDays, previousDate: position.previousDate ?? null },
    );
  }
  return position.previousDate;
}
