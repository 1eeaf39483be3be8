import type { Catalog } from '../../ports/catalog.ts';
import type { QueryResult } from '../../ports/queryEngine.ts';
import { engineFailure } from './engineFailure.ts';
import { type LockedLakeSession, openLockedLakeSession } from './lockedLakeSession.ts';
import { QueryRefusedError, readOnlyStatement } from './readOnlyStatement.ts';
import type { SessionAccess } from './sessionLockdown.ts';

/** DuckDB's refusal to open a path the session is not allowed to. */
const permissionError = /Permission Error: Cannot access (?:file|directory) "([^"]*)"/;

/**
 * `etl query` over a local lake: a person's SQL over the catalog's published tables, unable to
 * change anything. Two locks, each stopping what the other might miss:
 *
 * 1. only one reading statement runs (readOnlyStatement.ts: DuckDB's own parser decides, not a
 *    keyword list);
 * 2. the session it runs in (lockedLakeSession.ts) has a read-only database and is locked
 *    down: it opens only the published Parquet files and what `--allow-path` names, installs
 *    and loads nothing, and cannot be unlocked.
 *
 * It has no `unload`: the pipeline's own SQL, which writes, runs in LocalQueryEngine.
 */
export class ReadOnlyQueryEngine {
  private constructor(private readonly locked: LockedLakeSession) {}

  /** `allowed`: what a query may read besides the published tables (`--allow-path`). */
  static async open(
    catalog: Catalog,
    lakeRoot: string,
    allowed: SessionAccess = { files: [], directories: [] },
  ): Promise<ReadOnlyQueryEngine> {
    return new ReadOnlyQueryEngine(await openLockedLakeSession(catalog, lakeRoot, allowed));
  }

  /**
   * Runs `sql` when it only reads. QueryRefusedError when it would do more or open a path it
   * may not; DamagedPartitionError when it reads a table whose published files are damaged;
   * SqlQueryFailedError for any other failure (a SQL error).
   */
  async query(sql: string): Promise<QueryResult> {
    const { session, views } = this.locked;
    const statement = await readOnlyStatement(session, sql);
    try {
      const result = await session.columns(statement);
      return { columns: result.names, rows: result.rows };
    } catch (error) {
      const outside = permissionError.exec((error as Error).message)?.[1];
      if (outside !== undefined) {
        throw new QueryRefusedError(
          `etl query reads only the lake's published tables, and ${outside} is not one of their files. ` +
            'To read files under a directory too, give --allow-path DIR. Nothing was run.',
        );
      }
      throw engineFailure(error, statement, views);
    }
  }

  close(): Promise<void> {
    return this.locked.close();
  }
}
