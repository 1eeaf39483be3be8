import { type ColumnDefinition, duckdbType } from '../tables/tableSchema.ts';
import { sqlIdentifier } from './sqlLiteral.ts';

/** A SELECT of no rows with these columns and their types: an empty table that still has a schema. */
export function emptyRowsSql(columns: readonly ColumnDefinition[]): string {
  const column = (c: ColumnDefinition): string => `NULL::${duckdbType(c.type)} AS ${sqlIdentifier(c.name)}`;
  return `SELECT ${columns.map(column).join(', ')} WHERE false`;
}
