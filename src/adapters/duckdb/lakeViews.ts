import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyRowsSql } from '../../domain/sql/emptyRows.ts';
import { literalFilePattern, sqlFileList, sqlIdentifier, sqlString } from '../../domain/sql/sqlLiteral.ts';
import {
  duckdbType,
  formatOf,
  type TableDefinition,
  type TableFormat,
} from '../../domain/tables/tableSchema.ts';
import type { Catalog, CatalogPartition } from '../../ports/catalog.ts';
import { type DamagedPartition, DamagedPartitionError } from './damagedPartitionError.ts';
import type { DuckdbSession } from './duckdbSession.ts';
import { trinoCompatibilityMacrosSql } from './trinoCompatibility.ts';

/** What a session's views read, for locking it down and for naming what broke. */
export interface LakeViews {
  /** Every file a view reads: all a locked-down session still has to be able to open. */
  readonly files: readonly string[];
  /**
   * The damaged partition a DuckDB failure stands for: a table whose view was built as an
   * error (its partitions were found damaged), or a file of a partition that could not be read
   * while the query ran. Undefined for any other failure.
   */
  damageIn(error: unknown): DamagedPartitionError | undefined;
}

/** A published partition's data files, listed here so that DuckDB never globs a lake path. */
type ListedPartition = CatalogPartition & { readonly files: readonly string[] };

/**
 * The tables of a local catalog as views in `session`, with the Trino compatibility macros:
 * the one setup behind both local engines (the pipeline's SQL use cases and `etl query`). A
 * view reads only the published partitions (the locations the catalog points at), so a run
 * that has not published is invisible, exactly as in Athena. Partition keys come from the
 * catalog, not from file paths.
 *
 * Each table stands alone: when a partition's files are missing or unreadable, that table's
 * view is built to fail with a DamagedPartitionError's message (naming the partition and the
 * command that repairs it) whenever a query reads it, and every other table still answers.
 */
export async function createLakeViews(
  session: DuckdbSession,
  catalog: Catalog,
  lakeRoot: string,
): Promise<LakeViews> {
  for (const macro of trinoCompatibilityMacrosSql) await session.run(macro);
  const damaged: DamagedPartitionError[] = [];
  const fileOwners = new Map<string, { table: TableDefinition; partition: CatalogPartition }>();
  for (const table of await catalog.listTables()) {
    const format = formatOf(table.definition);
    const listed = await Promise.all(
      (await catalog.listPartitions(table.name)).map((partition) => listFiles(partition, format)),
    );
    const missing = listed.filter((p): p is DamagedPartition => 'reason' in p);
    const readable = listed.filter((p): p is ListedPartition => 'files' in p);
    let broken: DamagedPartition[] = [];
    if (missing.length > 0) {
      // Name every damaged partition at once, not one per repair.
      broken = [...missing, ...(await unreadablePartitions(session, table.definition, readable))];
    } else {
      try {
        await session.run(createViewSql(table.definition, readable));
      } catch (error) {
        // Building a view reads the partitions' Parquet metadata: find the ones that fail.
        broken = await unreadablePartitions(session, table.definition, readable);
        if (broken.length === 0) throw error;
      }
    }
    if (broken.length > 0) {
      const failure = new DamagedPartitionError(table.definition, broken, lakeRoot);
      damaged.push(failure);
      await session.run(failingViewSql(table.definition, failure.message));
      continue;
    }
    for (const partition of readable) {
      for (const file of partition.files) fileOwners.set(file, { table: table.definition, partition });
    }
  }
  // Longest first: a path that is the beginning of another must not claim its failures.
  const files = [...fileOwners.keys()].sort((a, b) => b.length - a.length);
  return {
    files,
    damageIn(error) {
      const message = error instanceof Error ? error.message : String(error);
      const known = damaged.find((d) => message.includes(d.message));
      if (known) return known;
      const file = files.find((f) => message.includes(f) || message.includes(literalFilePattern(f)));
      const owner = file === undefined ? undefined : fileOwners.get(file);
      if (!owner) return undefined;
      const reason = `${file} cannot be read (${firstLine(message)})`;
      const { values, location } = owner.partition;
      return new DamagedPartitionError(owner.table, [{ values, location, reason }], lakeRoot);
    },
  };
}

/** What a format's files are called, and what people call them in messages. */
const formatFiles: Record<TableFormat, { readonly extension: string; readonly described: string }> = {
  parquet: { extension: '.parquet', described: 'Parquet' },
  // `.partial` files, a write under way, end otherwise and are left out.
  'json-lines': { extension: '.json', described: 'JSON Lines' },
};

/** How DuckDB reads a table's files: JSON Lines with the table's own column types, never guessed ones. */
function readFilesSql(table: TableDefinition, files: readonly string[]): string {
  if (formatOf(table) === 'parquet') return `read_parquet(${sqlFileList(files)}, hive_partitioning = false)`;
  const columns = table.columns
    .map((c) => `${sqlString(c.name)}: ${sqlString(duckdbType(c.type))}`)
    .join(', ');
  return `read_json(${sqlFileList(files)}, format = 'newline_delimited', columns = {${columns}}, hive_partitioning = false)`;
}

/** The partition's data files, or why it has none. */
async function listFiles(
  partition: CatalogPartition,
  format: TableFormat,
): Promise<ListedPartition | DamagedPartition> {
  const { extension, described } = formatFiles[format];
  let names: string[];
  try {
    names = (await readdir(partition.location, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
      .map((entry) => entry.name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'its directory is gone' : `its directory cannot be read (${code ?? String(error)})`;
    return { ...partition, reason };
  }
  if (names.length === 0) return { ...partition, reason: `it holds no ${described} file (deleted?)` };
  return { ...partition, files: names.sort().map((name) => join(partition.location, name)) };
}

/** The partitions DuckDB cannot read (Parquet footers, JSON Lines whole), with DuckDB's reason. */
async function unreadablePartitions(
  session: DuckdbSession,
  table: TableDefinition,
  partitions: readonly ListedPartition[],
): Promise<DamagedPartition[]> {
  const parquet = formatOf(table) === 'parquet';
  const broken: DamagedPartition[] = [];
  for (const partition of partitions) {
    try {
      await session.run(
        parquet
          ? `SELECT count(*) FROM parquet_file_metadata(${sqlFileList(partition.files)})`
          : `SELECT count(*) FROM ${readFilesSql(table, partition.files)}`,
      );
    } catch (error) {
      const reason = `its ${formatFiles[formatOf(table)].described} cannot be read (${firstLine((error as Error).message)})`;
      broken.push({ values: partition.values, location: partition.location, reason });
    }
  }
  return broken;
}

function createViewSql(table: TableDefinition, partitions: readonly ListedPartition[]): string {
  const selects = partitions.map((p) => {
    const keys = table.partitionKeys
      .map((k) => `${sqlString(p.values[k.name] ?? '')}::${duckdbType(k.type)} AS ${sqlIdentifier(k.name)}`)
      .join(', ');
    return `SELECT *, ${keys} FROM ${readFilesSql(table, p.files)}`;
  });
  // The definition's columns come first, typed: a partition written before a column was added
  // answers NULL for it, as Athena does for a Parquet file without that column.
  const body = [emptyRowsSql([...table.columns, ...table.partitionKeys]), ...selects].join(
    '\nUNION ALL BY NAME\n',
  );
  return `CREATE OR REPLACE VIEW ${sqlIdentifier(table.name)} AS ${body}`;
}

/**
 * A view with the table's columns (DESCRIBE still answers) that fails with `message` whenever
 * a query reads it: DuckDB evaluates error() at run time, and only then. Every column is
 * error() too, not a constant NULL: a filter such as `dt = '2024-01-16'` on constants would be
 * folded to false and answer "no rows" instead of failing.
 */
function failingViewSql(definition: TableDefinition, message: string): string {
  const failure = `error(${sqlString(message)})`;
  const columns = [...definition.columns, ...definition.partitionKeys]
    .map((c) => `${failure}::${duckdbType(c.type)} AS ${sqlIdentifier(c.name)}`)
    .join(', ');
  return `CREATE OR REPLACE VIEW ${sqlIdentifier(definition.name)} AS SELECT ${columns} WHERE ${failure} IS NULL`;
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}
