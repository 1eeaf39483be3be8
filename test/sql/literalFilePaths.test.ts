import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { parquetCopySql } from '../../src/domain/sql/parquetCopy.ts';
import { sqlFile, sqlFileList, sqlString } from '../../src/domain/sql/sqlLiteral.ts';

let root: string;
let session: DuckdbSession;
/** A directory whose name holds every character DuckDB's readers would glob, and a quote. */
let odd: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'literal-paths-'));
  odd = join(root, "Zürich's [lake] *1?");
  // What the unescaped path matches as a glob: `[lake]` is one of l a k e, `*` anything, `?` one character.
  const decoy = join(root, "Zürich's l XX1Y");
  await mkdir(odd);
  await mkdir(decoy);
  session = await DuckdbSession.open();
  await session.run(parquetCopySql("SELECT 'right' AS which", join(odd, 'part.parquet')));
  await session.run(parquetCopySql("SELECT 'decoy' AS which", join(decoy, 'part.parquet')));
});
afterAll(async () => {
  session.close();
  await rm(root, { recursive: true, force: true });
});

describe('a path given to a DuckDB reader', () => {
  it('as a plain string is a glob: it reads another directory (why the escape exists)', async () => {
    const rows = await session.all(`SELECT which FROM read_parquet(${sqlString(join(odd, 'part.parquet'))})`);
    expect(rows).toEqual([{ which: 'decoy' }]);
  });

  it('through sqlFile and sqlFileList reads exactly that file', async () => {
    const file = join(odd, 'part.parquet');
    expect(await session.all(`SELECT which FROM read_parquet(${sqlFile(file)})`)).toEqual([
      { which: 'right' },
    ]);
    expect(await session.all(`SELECT which FROM read_parquet(${sqlFileList([file])})`)).toEqual([
      { which: 'right' },
    ]);
  });

  it('is written where it says by COPY, which does not glob', async () => {
    const file = join(odd, 'written.parquet');
    await session.run(parquetCopySql("SELECT 'written' AS which", file));
    expect(await session.all(`SELECT which FROM read_parquet(${sqlFile(file)})`)).toEqual([
      { which: 'written' },
    ]);
  });
});
