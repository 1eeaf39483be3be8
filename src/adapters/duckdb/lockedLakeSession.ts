import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog } from '../../ports/catalog.ts';
import { DuckdbSession } from './duckdbSession.ts';
import { createLakeViews, type LakeViews } from './lakeViews.ts';
import { lockDown, type SessionAccess } from './sessionLockdown.ts';

/** A DuckDB session over the lake's views that can read them and change nothing. */
export interface LockedLakeSession {
  readonly session: DuckdbSession;
  readonly views: LakeViews;
  /** Closes the session and removes its scratch database. */
  close(): Promise<void>;
}

/**
 * The lake's views (lakeViews.ts, the same setup as the pipeline's engine) in a scratch
 * database file, built by a session of its own that is closed before a second one opens the
 * file read-only, with autoloading off, and locks itself down (sessionLockdown.ts) to the
 * published files and `allowed`. A statement run here cannot create or change a table (the
 * database is read-only), open another file, install or load an extension, or unlock it.
 */
export async function openLockedLakeSession(
  catalog: Catalog,
  lakeRoot: string,
  /** What may be read besides the published tables (`--allow-path`). */
  allowed: SessionAccess,
): Promise<LockedLakeSession> {
  const scratch = await mkdtemp(join(tmpdir(), 'etl-query-'));
  try {
    const databasePath = join(scratch, 'views.duckdb');
    const builder = await DuckdbSession.open({ databasePath });
    let views: LakeViews;
    try {
      views = await createLakeViews(builder, catalog, lakeRoot);
    } finally {
      builder.close();
    }
    const session = await DuckdbSession.open({
      databasePath,
      readOnly: true,
      autoloadExtensions: false,
      tempDirectory: join(scratch, 'spill'),
    });
    try {
      await lockDown(session, {
        files: [...views.files, ...allowed.files],
        directories: allowed.directories,
      });
    } catch (error) {
      session.close();
      throw error;
    }
    return {
      session,
      views,
      close: async () => {
        session.close();
        await rm(scratch, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}
