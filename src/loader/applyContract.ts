import { join } from 'node:path';
import { type DuckdbOptions, DuckdbSession } from '../adapters/duckdb/duckdbSession.ts';
import {
  checkedCountSql,
  checkedViewSql,
  checkRecordsSql,
  findDuplicatesSql,
  reasonCountsSql,
  rejectedExamplesSql,
  writeListingsSql,
  writeRejectedSql,
} from '../domain/contract/listingRules.ts';
import { priceMacrosSql } from '../domain/contract/priceParsing.ts';
import { sqlString } from '../domain/contract/sqlLiteral.ts';
import { duckdbType, listingsRejectedTable, listingsTable } from '../domain/contract/tableSchema.ts';
import type { SourceContract } from '../domain/sources/sourceContract.ts';
import { CleaningEngineError } from './loaderErrors.ts';

export interface ContractRun {
  readonly source: SourceContract;
  readonly runId: string;
  /** Staged files (see recordStager) and the raw object each came from, in read order. */
  readonly staged: readonly { readonly path: string; readonly object: string }[];
  /** Scratch directory: the checked records file and DuckDB's spill space. */
  readonly workDir: string;
  readonly listingsPath: string;
  readonly rejectedPath: string;
  readonly duckdb?: DuckdbOptions;
  /** Called when a phase ends, for timings. */
  readonly onPhase?: (phase: string) => void;
}

export interface RejectedExample {
  readonly sourceObject: string;
  readonly recordNumber: number;
  readonly rawRecord: string;
}

export interface ContractOutcome {
  /** Records the engine read back from the staged files. */
  readonly read: number;
  readonly kept: number;
  readonly rejected: number;
  readonly rejectedByReason: Record<string, number>;
  /** A few rejected records per reason, for summaries and data-quality errors. */
  readonly examplesByReason: Record<string, RejectedExample[]>;
}

/**
 * Applies the listing contract to staged records in DuckDB and writes both tables as local
 * zstd Parquet files. Row counts come from what the COPY statements wrote, so the caller's
 * conservation check compares real outputs, not intentions.
 */
export async function applyContract(run: ContractRun): Promise<ContractOutcome> {
  let session: DuckdbSession | undefined;
  try {
    session = await DuckdbSession.open({ tempDirectory: join(run.workDir, 'spill'), ...run.duckdb });
    if (run.staged.length === 0) {
      await writeEmptyOutputs(session, run.listingsPath, run.rejectedPath);
      return { read: 0, kept: 0, rejected: 0, rejectedByReason: {}, examplesByReason: {} };
    }
    for (const macro of priceMacrosSql) await session.run(macro);
    const cleaning = { stagedFiles: run.staged.map((s) => s.path), runId: run.runId };
    const checkedPath = join(run.workDir, 'checked.parquet');
    await session.run(checkRecordsSql(run.source, cleaning, checkedPath));
    await session.run(checkedViewSql(checkedPath));
    run.onPhase?.('check');
    await session.run(findDuplicatesSql());
    run.onPhase?.('dedupe');
    const kept = await session.all(writeListingsSql(run.runId, run.listingsPath));
    const rejected = await session.all(
      writeRejectedSql(
        run.runId,
        run.rejectedPath,
        run.staged.map((s) => s.object),
      ),
    );
    const read = await session.all(checkedCountSql);
    const rejectedByReason: Record<string, number> = {};
    for (const row of await session.all(reasonCountsSql))
      rejectedByReason[String(row.reason)] = Number(row.records);
    const examplesByReason: Record<string, RejectedExample[]> = {};
    for (const row of await session.all(
      rejectedExamplesSql(
        2,
        run.staged.map((s) => s.object),
      ),
    )) {
      const reason = String(row.reason);
      examplesByReason[reason] ??= [];
      examplesByReason[reason].push({
        sourceObject: String(row.source_object),
        recordNumber: Number(row.record_number),
        rawRecord: String(row.raw_record),
      });
    }
    run.onPhase?.('write');
    return {
      read: Number(read[0]?.read),
      kept: Number(kept[0]?.Count),
      rejected: Number(rejected[0]?.Count),
      rejectedByReason,
      examplesByReason,
    };
  } catch (error) {
    throw engineError(error as Error, run.duckdb?.memoryLimit);
  } finally {
    session?.close();
  }
}

/** Gives DuckDB's errors a name and a next step. */
function engineError(error: Error, memoryLimit: string | undefined): Error {
  if (error.name !== 'Error') return error;
  const outOfMemory = error.message.includes('Out of Memory');
  return new CleaningEngineError(
    outOfMemory
      ? `DuckDB ran out of memory (memory limit ${memoryLimit ?? 'default'}): give the task more memory and raise ` +
          `DUCKDB_MEMORY_LIMIT, or split the day's raw objects. Nothing was published. (${error.message.split('\n')[0]})`
      : `The cleaning engine failed: ${error.message}. Nothing was published.`,
    { cause: error },
  );
}

/** A day whose objects hold only blank lines still publishes: empty tables say "no offers". */
async function writeEmptyOutputs(session: DuckdbSession, listings: string, rejected: string): Promise<void> {
  for (const [table, path] of [
    [listingsTable, listings],
    [listingsRejectedTable, rejected],
  ] as const) {
    const columns = table.columns.map((c) => `NULL::${duckdbType(c.type)} AS ${c.name}`).join(', ');
    await session.run(
      `COPY (SELECT ${columns} WHERE false) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  }
}
