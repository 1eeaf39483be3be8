import { describe, expect, it } from 'vitest';
import { DuckdbSession, type Row } from '../../src/adapters/duckdb/duckdbSession.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import { sqlTrimWhiteSpace, whiteSpaceCodePoints } from '../../src/domain/text/whiteSpace.ts';

async function query(sql: string): Promise<Row[]> {
  const session = await DuckdbSession.open();
  try {
    return await session.all(sql);
  } finally {
    session.close();
  }
}

describe('white space in SQL', () => {
  it('is trimmed from both ends of a value by the one regular expression, and kept inside', async () => {
    const values = whiteSpaceCodePoints.map((c) => {
      const ws = String.fromCodePoint(c);
      return `${ws}${ws}a${ws}b${ws}`;
    });
    const rows = await query(
      `SELECT ${sqlTrimWhiteSpace('v')} AS t FROM unnest([${values.map(sqlString).join(', ')}]) WITH ORDINALITY AS u(v, n) ORDER BY n`,
    );
    expect(rows.map((r) => r.t)).toEqual(whiteSpaceCodePoints.map((c) => `a${String.fromCodePoint(c)}b`));
  });

  it('leaves other characters, empty values and NULL alone', async () => {
    const rows = await query(
      `SELECT ${sqlTrimWhiteSpace('v')} AS t FROM unnest(['\u200bx\u200b', '\u180e', '', NULL, 'é ']) WITH ORDINALITY AS u(v, n) ORDER BY n`,
    );
    expect(rows.map((r) => r.t)).toEqual(['\u200bx\u200b', '\u180e', '', null, 'é']);
  });
});
