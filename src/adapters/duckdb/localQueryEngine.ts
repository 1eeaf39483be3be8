import { mkdir } from 'node:fs/promises';
import { runDataFile } from '../../domain/lake/lakeLayout.ts';
import { parquetCopySql } from '../../domain/sql/parquetCopy.ts';
import type { Catalog } from '../../ports/catalog.ts';
import type { QueryEngine, QueryResult } from '../../ports/queryEngine.ts';
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

  async query(sql: string): Promise<QueryResult> {
    try {
      const result = await this.session.columns(sql);
      return { columns: result.names, rows: result.rows };
    } catch (error) {
      throw engineFailure(error, sql, this.views);
    }
  }

  /** Athena's UNLOAD, locally: one zstd Parquet file in the run prefix's directory. */
  async unload(select: string, location: string): Promise<void> {
    await mkdir(location, { recursive: true });
    try {
      await this.session.run(parquetCopySql(select, runDataFile(location)));
    } catch (error) {
      throw engineFailure(error, select, this.views);
    }
  }

  close(): void {
    this.session.close();
  }
}
