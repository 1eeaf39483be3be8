import { literalFilePattern, sqlStringList } from '../../domain/sql/sqlLiteral.ts';
import type { DuckdbSession } from './duckdbSession.ts';

/** What a locked-down session may still open. */
export interface SessionAccess {
  /** Files, exactly (the published tables' Parquet files, `--allow-path FILE`). */
  readonly files: readonly string[];
  /** Directories, with everything under them (`--allow-path DIR`). */
  readonly directories: readonly string[];
}

/**
 * Takes away what DuckDB could do to the machine beyond reading the files it is given:
 * with external access off it opens no other file or directory (no COPY, EXPORT or ATTACH to
 * a new file, no read_csv('/etc/passwd'), no glob of a lake directory), installs and loads no
 * extension; and with the configuration locked, no statement can give any of it back.
 *
 * DuckDB's allowance is for opening a path, not for reading it: a file allowed here could be
 * overwritten by `COPY ... TO` that file. The statements `etl query` runs are therefore also
 * checked to be reads only (readOnlyStatement.ts), and its database is opened read-only.
 */
export async function lockDown(session: DuckdbSession, access: SessionAccess): Promise<void> {
  // A reader checks the pattern it is given (a path with its glob characters escaped), then
  // the file the pattern expands to: both forms must be allowed.
  const files = [...new Set(access.files.flatMap((file) => [file, literalFilePattern(file)]))];
  await session.run(`SET allowed_paths = ${sqlStringList(files)}`);
  await session.run(`SET allowed_directories = ${sqlStringList(access.directories)}`);
  await session.run('SET enable_external_access = false');
  await session.run('SET lock_configuration = true');
}
