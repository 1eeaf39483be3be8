import { PipelineError } from '../../domain/errors/pipelineError.ts';
import { sqlString } from '../../domain/sql/sqlLiteral.ts';
import { SqlQueryFailedError } from '../../ports/queryEngine.ts';
import type { DuckdbSession } from './duckdbSession.ts';

/** `etl query` was given SQL that does more than read the lake's tables: nothing ran. */
export class QueryRefusedError extends PipelineError {
  override readonly name = 'QueryRefusedError';
}

export const readingStatements =
  'SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN [ANALYZE], VALUES, FROM, TABLE';

/** DuckDB's own parse of a text, as json_serialize_sql reports it: it serializes SELECTs only. */
type Parsed =
  | { readonly kind: 'select'; readonly statements: number }
  | { readonly kind: 'syntax error'; readonly message: string }
  | { readonly kind: 'not a select' };

async function parse(session: DuckdbSession, sql: string): Promise<Parsed> {
  const [row] = await session.all(`SELECT json_serialize_sql(${sqlString(sql)}) AS parsed`);
  const parsed = JSON.parse(String(row?.parsed)) as {
    error?: boolean;
    error_type?: string;
    error_message?: string;
    statements?: unknown[];
  };
  if (!parsed.error) return { kind: 'select', statements: parsed.statements?.length ?? 0 };
  if (parsed.error_type === 'parser') return { kind: 'syntax error', message: parsed.error_message ?? '' };
  return { kind: 'not a select' };
}

/** `EXPLAIN` or `EXPLAIN ANALYZE` at the very start, and what follows it. */
const explainPrefix = /^\s*explain(\s+analyze)?\s/i;

/**
 * The statement to run for `sql`, when it only reads: exactly one statement that DuckDB's own
 * parser (json_serialize_sql, which parses without binding or running anything) reads as a
 * SELECT — which DESCRIBE, SHOW, SUMMARIZE, VALUES, FROM-first, TABLE and WITH are — or
 * EXPLAIN [ANALYZE] of one. Everything else is refused with a QueryRefusedError: COPY, EXPORT,
 * ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL, CREATE, INSERT…, several statements (comments and
 * `;` inside strings are the parser's business, not a pattern's).
 *
 * EXPLAIN cannot be serialized: its statement is checked on its own, and what runs is built
 * from the two checked parts (EXPLAIN ANALYZE runs its statement, so that must be a SELECT).
 */
export async function readOnlyStatement(session: DuckdbSession, sql: string): Promise<string> {
  const parsed = await parse(session, sql);
  if (parsed.kind === 'select') return single(sql, parsed.statements);
  if (parsed.kind === 'syntax error') throw syntaxError(parsed.message);
  const explain = explainPrefix.exec(sql);
  if (explain) {
    const explained = sql.slice(explain[0].length);
    const inner = await parse(session, explained);
    if (inner.kind === 'select') {
      return `EXPLAIN ${explain[1] ? 'ANALYZE ' : ''}${single(explained, inner.statements)}`;
    }
    if (inner.kind === 'syntax error') throw syntaxError(inner.message);
  }
  throw new QueryRefusedError(
    `etl query only reads the lake's tables: it runs one ${readingStatements} statement. ` +
      `This is not one (${preview(sql)}): a statement that writes, copies, exports, attaches, installs or ` +
      'loads extensions, or sets options is refused. Nothing was run.',
  );
}

function single(sql: string, statements: number): string {
  if (statements === 1) return sql;
  throw new QueryRefusedError(
    statements === 0
      ? 'etl query got no SQL statement (only blanks or comments): give one, quoted.'
      : `etl query runs one statement; this text holds ${statements} (separated by ;): run them one at a time. Nothing was run.`,
  );
}

function syntaxError(message: string): SqlQueryFailedError {
  return new SqlQueryFailedError(`DuckDB cannot parse the query: ${message}`);
}

/** The statement's start, on one line, for a message. */
function preview(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 60)}…` : oneLine;
}
