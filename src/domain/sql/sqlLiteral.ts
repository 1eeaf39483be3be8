/** Quotes a value as a SQL string literal (DuckDB and Trino share this syntax). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Quotes an identifier (DuckDB and Trino share this syntax). */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
