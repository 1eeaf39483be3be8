/** Quotes a value as a SQL string literal (DuckDB and Trino share this syntax). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Quotes an identifier (DuckDB and Trino share this syntax). */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A path as DuckDB's file readers (read_parquet, read_csv, read_json) must be given it to open
 * that one file. They expand `*`, `?` and `[` as a glob *before* they look for the path as
 * written, so `/data/[lake]/f.parquet` reads `/data/l/f.parquet` when that exists. Each of the
 * three becomes a one-character class (`[[]`, `[*]`, `[?]`) that matches only itself.
 *
 * DuckDB also splits a globbed path at `\`, so a path that holds `\` and one of the three cannot
 * be read at all: the command line refuses such a lake (src/cli/lakeOption.ts).
 */
export function literalFilePattern(path: string): string {
  return path.replace(/[*?[]/g, (character) => `[${character}]`);
}

/** The file a reader is to open, quoted: never a glob. */
export function sqlFile(path: string): string {
  return sqlString(literalFilePattern(path));
}

/** Files a reader is to open, as a quoted DuckDB list: exactly these, never a glob. */
export function sqlFileList(paths: readonly string[]): string {
  return `[${paths.map(sqlFile).join(', ')}]`;
}

/** Strings as a quoted DuckDB list (typed, so that an empty list is a list of VARCHAR). */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]::VARCHAR[]`;
}
