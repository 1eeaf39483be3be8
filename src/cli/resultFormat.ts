import type { QueryResult } from '../ports/queryEngine.ts';

export type OutputFormat = 'table' | 'json' | 'csv';

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function csvCell(value: unknown): string {
  const text = cell(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const maxTableCell = 60;

/** Renders a query result for stdout. `json` is one array of row objects. */
export function formatResult(result: QueryResult, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(result.rows)}\n`;
  if (format === 'csv') {
    const lines = [result.columns.map(csvCell).join(',')];
    for (const row of result.rows) lines.push(result.columns.map((c) => csvCell(row[c])).join(','));
    return `${lines.join('\n')}\n`;
  }
  const shown = result.rows.map((row) =>
    result.columns.map((c) => {
      const text = cell(row[c]);
      return text.length > maxTableCell ? `${text.slice(0, maxTableCell - 1)}…` : text;
    }),
  );
  const widths = result.columns.map((c, i) => Math.max(c.length, ...shown.map((r) => (r[i] ?? '').length)));
  const numeric = result.columns.map(
    (c) => result.rows.length > 0 && result.rows.every((r) => typeof r[c] === 'number' || r[c] === null),
  );
  const line = (cells: string[]): string =>
    cells
      .map((text, i) => (numeric[i] ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join(' │ ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const rows = result.rows.length === 1 ? '1 row' : `${result.rows.length} rows`;
  return `${[line([...result.columns]), rule, ...shown.map(line)].join('\n')}\n(${rows})\n`;
}
