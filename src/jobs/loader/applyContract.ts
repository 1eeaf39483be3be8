import { join } from 'node:path';
import { type DuckdbOptions, DuckdbSession } from '../../adapters/duckdb/duckdbSession.ts';
import {
  type CheckedFile,
  checkedCountSql,
  checkedViewSql,
  checkRecordsSql,
  findDuplicatesSql,
  rejectionSummarySql,
  ruleRejectedCountSql,
  type StagedFile,
  writeListingsSql,
  writeRejectedSql,
} from '../../domain/cleaning/listingRules.ts';
import type { SourceContract } from '../../domain/sources/sourceContract.ts';
import { emptyRowsSql } from '../../domain/sql/emptyRows.ts';
import { parquetCopySql } from '../../domain/sql/parquetCopy.ts';
import { listingsRejectedTable, listingsTable } from '../../domain/tables/tableSchema.ts';
import { scratchDiskFull } from '../scratchSpace.ts';
import { CleaningEngineError } from './loaderErrors.ts';

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
  /** Rejected records that failed at least one rule, each once (duplicates excluded): the gate's count. */
  readonly rejectedForRules: number;
  /** Per reason; a record with two reasons is in two counts, so these do not add up to records. */
  readonly rejectedByReason: Record<string, number>;
  /** A few rejected records per reason, for summaries and data-quality errors. */
  readonly examplesByReason: Record<string, RejectedExample[]>;
}

export interface ContractCheckerOptions {
  readonly source: SourceContract;
  readonly runId: string;
  /** Scratch directory: checked records and DuckDB's spill space. */
  readonly workDir: string;
  readonly duckdb?: DuckdbOptions;
  /** Called when a phase ends, for timings. */
  readonly onPhase?: (phase: string) => void;
  /** Let progressPercent() answer while a statement runs. */
  readonly trackProgress?: boolean;
}

/** Gives DuckDB's errors a name and a next step. */
function engineError(error: Error, memoryLimit: string | undefined, workDir: string): Error {
  if (error.name !== 'Error') return error;
  const diskFull = scratchDiskFull(error, workDir);
  if (diskFull) return diskFull;
  const outOfMemory = error.message.includes('Out of Memory');
  return new CleaningEngineError(
    outOfMemory
      ? `DuckDB ran out of memory (memory limit ${memoryLimit ?? 'default'}): give the task more memory and raise ` +
          `DUCKDB_MEMORY_LIMIT, or split the day's raw objects. Nothing was published. (${error.message.split('\n')[0]})`
      : `The cleaning engine failed: ${error.message}. Nothing was published.`,
    { cause: error },
  );
}

/** Rejected records a summary shows per reason, the first in read order. */
export const examplesPerReason = 2;

/**
 * Applies the listing contract in DuckDB, in two steps. `check` judges staged files (every
 * rule, every reason) into a checked Parquet file; it is queued on the engine and returns at
 * once. `finish` then de-duplicates across everything checked and writes both tables as
 * local zstd Parquet. Row counts come from what the COPY statements wrote, so the
 * conservation check compares real outputs, not intentions.
 */
export class ContractChecker {
  private queue: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly checkedPaths: CheckedFile[] = [];

  private constructor(
    private readonly session: DuckdbSession,
    private readonly options: ContractCheckerOptions,
  ) {}

  static async open(options: ContractCheckerOptions): Promise<ContractChecker> {
    const session = await DuckdbSession.open({
      tempDirectory: join(options.workDir, 'spill'),
      ...options.duckdb,
    });
    try {
      if (options.trackProgress) await session.trackProgress();
    } catch (error) {
      session.close();
      throw error;
    }
    return new ContractChecker(session, options);
  }

  /** How far the engine's current statement has got (0–100), when it can tell. */
  progressPercent(): number | null {
    return this.session.progressPercent();
  }

  /**
   * Queues staged files for checking; errors surface in `finish`. In `mergeParts` above 1 (a
   * shard of a day merged in parts), the checked rows go to a folder of one file per part
   * (checkRecordsSql).
   */
  check(files: readonly StagedFile[], mergeParts = 1): void {
    const name = `checked-${this.checkedPaths.length}`;
    const checkedPath = join(this.options.workDir, mergeParts === 1 ? `${name}.parquet` : name);
    this.checkedPaths.push({ path: checkedPath });
    const sql = checkRecordsSql(
      this.options.source,
      { stagedFiles: files, runId: this.options.runId },
      checkedPath,
      mergeParts,
    );
    this.queue = this.queue.then(async () => {
      if (this.failure) return;
      try {
        await this.session.run(sql);
      } catch (error) {
        this.failure = error as Error;
      }
    });
  }

  /** Files another task checked (a shard of the day), to finish with the rest. */
  adopt(checkedFiles: readonly CheckedFile[]): void {
    this.checkedPaths.push(...checkedFiles);
  }

  /** Waits for the queued checks; the checked files, in the order they were queued. */
  async checkedFiles(): Promise<readonly string[]> {
    await this.queue;
    if (this.failure) throw engineError(this.failure, this.options.duckdb?.memoryLimit, this.options.workDir);
    return this.checkedPaths.map((f) => f.path);
  }

  /**
   * Waits for the queued checks, then de-duplicates and writes `listings` and
   * `listings_rejected`. `objectNames` are the raw objects by object index.
   */
  async finish(
    listingsPath: string,
    rejectedPath: string,
    objectNames: readonly string[],
  ): Promise<ContractOutcome> {
    const { session, options } = this;
    try {
      await this.queue;
      if (this.failure) throw this.failure;
      if (this.checkedPaths.length === 0) {
        await writeEmptyOutputs(session, listingsPath, rejectedPath);
        return {
          read: 0,
          kept: 0,
          rejected: 0,
          rejectedForRules: 0,
          rejectedByReason: {},
          examplesByReason: {},
        };
      }
      await session.run(checkedViewSql(this.checkedPaths));
      options.onPhase?.('check');
      await session.run(findDuplicatesSql());
      options.onPhase?.('dedupe');
      const kept = await session.all(writeListingsSql(options.runId, listingsPath, objectNames));
      options.onPhase?.('writeListings');
      const rejected = await session.all(writeRejectedSql(options.runId, rejectedPath, objectNames));
      options.onPhase?.('writeRejected');
      const read = await session.all(checkedCountSql);
      const rejectedForRules = await session.all(ruleRejectedCountSql(rejectedPath));
      const rejectedByReason: Record<string, number> = {};
      const examplesByReason: Record<string, RejectedExample[]> = {};
      for (const row of await session.all(rejectionSummarySql(rejectedPath, examplesPerReason))) {
        const reason = String(row.reason);
        rejectedByReason[reason] = Number(row.records);
        examplesByReason[reason] = (row.examples as Record<string, unknown>[]).map((e) => ({
          sourceObject: String(e.source_object),
          recordNumber: Number(e.record_number),
          rawRecord: String(e.raw_record),
        }));
      }
      options.onPhase?.('summarize');
      return {
        read: Number(read[0]?.read),
        kept: Number(kept[0]?.Count),
        rejected: Number(rejected[0]?.Count),
        rejectedForRules: Number(rejectedForRules[0]?.records),
        rejectedByReason,
        examplesByReason,
      };
    } catch (error) {
      throw engineError(error as Error, options.duckdb?.memoryLimit, options.workDir);
    }
  }

  /** Waits for queued work (so no query outlives the session), then closes the engine. */
  async close(): Promise<void> {
    await this.queue;
    this.session.close();
  }
}

/** A day whose objects hold only blank lines still publishes: empty tables say "no offers". */
async function writeEmptyOutputs(session: DuckdbSession, listings: string, rejected: string): Promise<void> {
  for (const [table, path] of [
    [listingsTable, listings],
    [listingsRejectedTable, rejected],
  ] as const) {
    await session.run(parquetCopySql(emptyRowsSql(table.columns), path));
  }
}
