import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidS3UriError, isS3Uri, parseS3Uri } from '../adapters/aws/s3Uri.ts';
import type { CatalogKind } from '../runtime/lakeConnection.ts';
import { UsageError } from './usageError.ts';

export interface LakeOption {
  /** As given: a directory (created when missing) or `s3://bucket/prefix`. */
  readonly lake: string;
  readonly catalog: CatalogKind;
  /** The catalog the lake gets when --catalog is left out. */
  readonly defaultCatalog: CatalogKind;
}

/** Any `scheme://`: a lake elsewhere than a directory or S3 is a mistake, not a relative path. */
const urlLike = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Checks --lake and --catalog without touching the lake: nothing is created or read, so a bad
 * value fails before a run lands or writes anything.
 */
export async function lakeOptionFrom(lake: string, catalog: CatalogKind | undefined): Promise<LakeOption> {
  if (lake.trim() === '') throw new UsageError('--lake is empty: give a directory or s3://bucket/prefix.');
  if (urlLike.test(lake) && !isS3Uri(lake)) {
    throw new UsageError(
      `--lake ${lake}: a lake is a directory or s3://bucket/prefix (lower-case s3://), nothing else.`,
    );
  }
  if (!isS3Uri(lake) && /\\/.test(resolve(lake)) && /[*?[]/.test(resolve(lake))) {
    // DuckDB globs a path that holds * ? or [ (escaped, so that it matches only itself) and
    // splits a globbed path at \ as well as /: such a path cannot be read back.
    throw new UsageError(
      `--lake ${lake}: DuckDB cannot read files under a path that holds both \\ and one of * ? [. Choose another directory.`,
    );
  }
  if (isS3Uri(lake)) {
    try {
      parseS3Uri(lake);
    } catch (error) {
      if (error instanceof InvalidS3UriError) throw new UsageError(`--lake: ${error.message}`);
      throw error;
    }
  }
  // connectLake's rule, without building its AWS clients (and their warnings) to learn it; a
  // test holds the two together.
  const defaultCatalog: CatalogKind = isS3Uri(lake) ? 'glue' : 'local';
  if (catalog !== undefined && catalog !== defaultCatalog) {
    throw new UsageError(
      `--catalog ${catalog} does not fit --lake ${lake}: ${defaultCatalog === 'glue' ? 'an S3 lake is catalogued in Glue' : 'Glue catalogues only s3:// lakes'}. ` +
        `Leave --catalog out, or give --catalog ${defaultCatalog}.`,
    );
  }
  if (!isS3Uri(lake)) await requireDirectoryOrNothing(lake);
  return { lake, catalog: catalog ?? defaultCatalog, defaultCatalog };
}

async function requireDirectoryOrNothing(lake: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(lake)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') {
      throw new UsageError(`--lake ${lake}: a parent of it is a file, so the directory cannot be created.`);
    }
    throw new UsageError(`--lake ${lake} cannot be used (${code}): give a directory you can write to.`);
  }
  if (!isDirectory) {
    throw new UsageError(
      `--lake ${lake} is a file: give a directory (created when missing) or s3://bucket/prefix.`,
    );
  }
}
