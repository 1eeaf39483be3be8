import { mkdir } from 'node:fs/promises';
import { runDataFile } from '../../domain/lake/lakeLayout.ts';
import { parquetCopySql } from '../../domain/sql/parquetCopy.ts';
import type { Catalog } from '../../ports/catalog.ts';
import type { QueryEngine, QueryOptions, QueryResult } from '../../ports/queryEngine.ts';
import { refuseIfCancelled } from '../../ports/taskCancellation.ts';
import { type DuckdbOptions, DuckdbSession } from './duckdbSession.ts';
import { engineFailure } from './engineFailure.ts';
import { createLakeViews, type LakeViews } from './lakeViews.ts';

/**
 * The local query engine of the pipeline's own SQL: DuckDB with one view per catalog table
 * (src/adapters/duckdb/lakeViews.ts), free to write, because a SQL use case writes its result
 * under a fresh run prefix (`unload`). Only the pipeline's SQL runs here; `etl query` runs a
 * person's SQL in the locked-down ReadOnlyQueryEngine instead.
 */
export class LocalQueryEngine implements QueryEngine {
  private constructor(
    private readonly session: DuckdbSession,
    private readonly views: LakeViews,
  ) {}

  /** `lakeRoot`: the lake the catalog describes, for the repair command of a damaged partition. */
  static async open(
    catalog: Catalog,
    lakeRoot: string,
    options: DuckdbOptions = {},
  ): Promise<LocalQueryEngine> {
    const session = await DuckdbSession.open(options);
    try {
      return new LocalQueryEngine(session, await createLakeViews(session, catalog, lakeRoot));
    } catch (error) {
      session.close();
      throw error;
    }
  }

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const result = await this.interruptible(sql, options, () => this.session.columns(sql));
    return { columns: result.names, rows: result.rows };
  }

  /** Athena's UNLOAD, locally: one zstd Parquet file in the run prefix's directory. */
  async unload(select: string, location: string, options: QueryOptions = {}): Promise<void> {
    await mkdir(location, { recursive: true });
    await this.interruptible(select, options, () =>
      this.session.run(parquetCopySql(select, runDataFile(location))),
    );
  }

  /** Runs a statement that the task's cancellation interrupts (then a TaskCancelledError). */
  private async interruptible<T>(sql: string, { signal }: QueryOptions, run: () => Promise<T>): Promise<T> {
    refuseIfCancelled(signal, 'start a query');
    const interrupt = () => this.session.interrupt();
    signal?.addEventListener('abort', interrupt, { once: true });
    try {
      return await run();
    } catch (error) {
      refuseIfCancelled(signal, 'finish a query');
      throw engineFailure(error, sql, this.views);
    } finally {
      signal?.removeEventListener('abort', interrupt);
    }
  }

  close(): void {
    this.session.close();
  }
}
