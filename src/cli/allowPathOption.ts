import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SessionAccess } from '../adapters/duckdb/sessionLockdown.ts';
import type { CatalogKind } from '../runtime/lakeConnection.ts';
import { UsageError } from './usageError.ts';

/**
 * `etl query --allow-path PATH...`: what a local query may read besides the published tables,
 * asked for explicitly. A directory allows everything under it, a file that file; each must
 * exist now. DuckDB compares the paths a query names with these as written, so both are made
 * absolute (a query names them absolute too).
 */
export async function allowPathsFrom(paths: readonly string[], catalog: CatalogKind): Promise<SessionAccess> {
  if (paths.length > 0 && catalog !== 'local') {
    throw new UsageError(
      '--allow-path is for a local lake: Athena reads only the tables of the Glue catalog. Leave it out.',
    );
  }
  const access = { files: [] as string[], directories: [] as string[] };
  for (const path of paths) {
    const absolute = resolve(path);
    let found: Awaited<ReturnType<typeof stat>>;
    try {
      found = await stat(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(
        code === 'ENOENT' || code === 'ENOTDIR'
          ? `--allow-path ${path}: no such file or directory (relative paths start at ${process.cwd()}).`
          : `--allow-path ${path} cannot be used (${code}): check the path and its permissions.`,
      );
    }
    if (found.isDirectory()) access.directories.push(absolute);
    else access.files.push(absolute);
  }
  return access;
}
