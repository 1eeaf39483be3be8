import { describe, expect, it } from 'vitest';
import { literalFilePattern, sqlFile, sqlFileList, sqlString } from '../../src/domain/sql/sqlLiteral.ts';

describe('SQL literals', () => {
  it('quote a string, quotes doubled', () => {
    expect(sqlString("Zürich's [lake] 1")).toBe("'Zürich''s [lake] 1'");
  });

  it('turn every glob character of a path into a class that matches only itself', () => {
    expect(literalFilePattern('/data/plain dir/f.parquet')).toBe('/data/plain dir/f.parquet');
    expect(literalFilePattern("/x/Zürich's [lake] 1/f.parquet")).toBe("/x/Zürich's [[]lake] 1/f.parquet");
    expect(literalFilePattern('/x/a*b?c/f.parquet')).toBe('/x/a[*]b[?]c/f.parquet');
  });

  it('give a reader exactly the files named, quoted', () => {
    expect(sqlFile("/x/it's [1].parquet")).toBe("'/x/it''s [[]1].parquet'");
    expect(sqlFileList(['/a/[b].parquet', '/c.parquet'])).toBe("['/a/[[]b].parquet', '/c.parquet']");
  });
});
