import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLockedLakeSession } from '../../src/adapters/duckdb/lockedLakeSession.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { etlInProcess as etl } from '../support/etlInProcess.ts';
import { lakeSnapshot } from '../support/lakeSnapshot.ts';
import { listing, publishListings } from '../support/listingsLake.ts';

let work: string;
let lake: LakeConnection;
/** A published Parquet file of the lake: what an overwrite would go for. */
let published: string;
/** A directory outside the lake, with a CSV file in it. */
let outside: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'query-read-only-'));
  lake = connectLake(join(work, "the lake's [1]"));
  await publishListings(lake, 'pricehubble', '2024-01-15', [
    listing('a', 'Bern', 5000),
    listing('b', 'Thun', 6000),
  ]);
  await publishListings(lake, 'pricehubble', '2024-01-16', [listing('c', 'Bern', 7000)]);
  const [partition] = await lake.catalog.listPartitions('listings');
  const [file] = await readdir(partition?.location ?? '');
  published = join(partition?.location ?? '', file ?? '');
  outside = join(work, 'elsewhere');
  await mkdir(outside);
  await writeFile(join(outside, 'notes.csv'), 'a,b\n1,2\n');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const query = (sql: string, ...options: string[]) => etl('query', '--lake', lake.root, ...options, sql);
const inLake = (path: string) => sqlString(join(lake.root, path));

describe('etl query runs only statements that read', () => {
  it.each([
    ['SELECT', 'SELECT count(*) AS n FROM listings', 'n\n3\n'],
    ['WITH', 'WITH t AS (SELECT id FROM listings) SELECT count(*) AS n FROM t', 'n\n3\n'],
    ['FROM-first', 'FROM listings SELECT count(*) AS n', 'n\n3\n'],
    ['VALUES', 'VALUES (1)', 'col0\n1\n'],
    ['DESCRIBE', 'DESCRIBE listings', /^column_name,column_type,.*\nid,VARCHAR,/s],
    ['SHOW', 'SHOW TABLES', /^name\nlistings\n$/],
    [
      'SUMMARIZE',
      'SUMMARIZE SELECT price FROM listings',
      /^column_name,.*\nprice,DOUBLE,500000\.0,700000\.0,/s,
    ],
    ['EXPLAIN', 'EXPLAIN SELECT * FROM listings', /physical_plan/],
    ['EXPLAIN ANALYZE', 'EXPLAIN ANALYZE SELECT count(*) FROM listings', /analyzed_plan/],
    ['a statement after comments', '/* the count */ SELECT count(*) AS n FROM listings; -- done', 'n\n3\n'],
  ])('%s', async (_, sql, expected) => {
    const outcome = await query(sql, '--format', 'csv');
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    if (typeof expected === 'string') expect(outcome.stdout).toBe(expected);
    else expect(outcome.stdout).toMatch(expected);
  });
});

describe('etl query refuses anything else, and the lake stays as it was', () => {
  let before: Record<string, string>;
  beforeAll(async () => {
    before = await lakeSnapshot(lake.root);
  });

  const hostile: [string, () => string][] = [
    ['COPY TO a published file', () => `COPY (SELECT 1 AS id) TO ${sqlString(published)} (FORMAT parquet)`],
    [
      'COPY TO a published file, in place',
      () => `COPY (SELECT 1 AS id) TO ${sqlString(published)} (FORMAT parquet, USE_TMP_FILE false)`,
    ],
    ['COPY TO a new file in the lake', () => `COPY listings TO ${inLake('curated/copy.parquet')}`],
    ['ATTACH a new database in the lake', () => `ATTACH ${inLake('new.duckdb')} AS new`],
    ['ATTACH a published file', () => `ATTACH ${sqlString(published)} AS p`],
    ['ATTACH in memory', () => "ATTACH ':memory:' AS scratch"],
    ['INSTALL', () => 'INSTALL spatial'],
    ['LOAD', () => 'LOAD spatial'],
    ['LOAD a built-in extension', () => 'LOAD parquet'],
    ['CREATE TABLE', () => 'CREATE TABLE t AS SELECT * FROM listings'],
    [
      'CREATE VIEW over a file',
      () => `CREATE VIEW v AS SELECT * FROM ${inLake('catalog/listings_local.json')}`,
    ],
    ['INSERT', () => 'INSERT INTO listings SELECT * FROM listings'],
    ['DROP VIEW', () => 'DROP VIEW listings'],
    ['EXPORT DATABASE', () => `EXPORT DATABASE ${inLake('export')}`],
    ['SET', () => 'SET enable_external_access = true'],
    ['SET VARIABLE', () => 'SET VARIABLE x = 1'],
    ['RESET', () => 'RESET threads'],
    ['PRAGMA that sets', () => 'PRAGMA threads = 1'],
    ['PRAGMA that reads', () => 'PRAGMA show_tables'],
    ['CALL', () => 'CALL duckdb_settings()'],
    ['CHECKPOINT', () => 'CHECKPOINT'],
    ['read_csv of /etc/passwd', () => "SELECT * FROM read_csv('/etc/passwd', sep = ':')"],
    ['read_text of the catalog', () => `SELECT * FROM read_text(${inLake('catalog/listings_local.json')})`],
    ['a glob of the lake', () => `SELECT * FROM glob(${inLake('**')})`],
    ['read_csv outside the lake', () => `SELECT * FROM read_csv(${sqlString(join(outside, 'notes.csv'))})`],
    ['a ;-chained second statement', () => `SELECT 1; COPY listings TO ${inLake('chained.csv')}`],
    ['a second statement after a comment', () => `SELECT 1 /* ; */ ; /* */ DROP VIEW listings`],
    [
      'a statement a line comment does not hide',
      () => `SELECT 1 -- a comment\n; COPY listings TO ${inLake('x.csv')}`,
    ],
    ['a statement behind a block comment', () => `/* SELECT 1 */ COPY listings TO ${inLake('y.csv')}`],
    ['EXPLAIN ANALYZE of a COPY', () => `EXPLAIN ANALYZE COPY listings TO ${inLake('explained.csv')}`],
    ['EXPLAIN ANALYZE of a CREATE', () => 'EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1'],
    ['EXPLAIN of a chain', () => `EXPLAIN SELECT 1; COPY listings TO ${inLake('z.csv')}`],
    ['only a comment', () => '/* nothing */'],
  ];

  it.each(hostile)('%s: a usage error (exit 2), nothing run', async (_, sql) => {
    const outcome = await query(sql());
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(/^error: QueryRefusedError: /);
    expect(outcome.code).toBe(2);
  });

  it('a SELECT that smuggles a statement into query() is not run either', async () => {
    const outcome = await query(`SELECT * FROM query(${sqlString(`COPY listings TO ${inLake('q.csv')}`)})`);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('Expected a single SELECT statement');
  });

  it('the lake is unchanged: the same files with the same contents', async () => {
    expect(await lakeSnapshot(lake.root)).toEqual(before);
    expect((await query('SELECT count(*) AS n FROM listings', '--format', 'csv')).stdout).toBe('n\n3\n');
  });
});

describe('the locked session, without the statement check', () => {
  // What DuckDB itself refuses once the session is locked down: the statement check is not
  // the only lock. (DuckDB's allowance is per path, not per mode: a published file's own path
  // can still be opened for writing, which is why the statement check exists as well.)
  it.each([
    [
      'COPY TO a new file in the lake',
      () => `COPY listings TO ${inLake('curated/new.parquet')}`,
      /Permission Error/,
    ],
    [
      'COPY TO a published file (a temporary file beside it)',
      () => `COPY listings TO ${sqlString(published)}`,
      /Permission Error/,
    ],
    ['ATTACH a new file', () => `ATTACH ${inLake('new.duckdb')} AS new`, /Permission Error/],
    ['EXPORT DATABASE', () => `EXPORT DATABASE ${inLake('export')}`, /Permission Error/],
    ['INSTALL', () => 'INSTALL spatial', /Permission Error/],
    ['LOAD', () => 'LOAD spatial', /disabled/],
    ['SET', () => 'SET enable_external_access = true', /configuration has been locked/],
    ['SET threads', () => 'SET threads = 1', /configuration has been locked/],
    ['read_csv of /etc/passwd', () => "SELECT * FROM read_csv('/etc/passwd')", /Permission Error/],
    ['a glob of the lake', () => `SELECT * FROM glob(${inLake('*')})`, /Permission Error/],
    ['CREATE TABLE', () => 'CREATE TABLE t AS SELECT 1', /read-only/],
    ['DROP VIEW', () => 'DROP VIEW listings', /read-only/],
  ])('%s', async (_, sql, refusal) => {
    const before = await lakeSnapshot(lake.root);
    const locked = await openLockedLakeSession(lake.catalog, lake.root, { files: [], directories: [] });
    try {
      await expect(locked.session.run(sql())).rejects.toThrow(refusal);
      expect(await locked.session.all('SELECT count(*) AS n FROM listings')).toEqual([{ n: 3 }]);
    } finally {
      await locked.close();
    }
    expect(await lakeSnapshot(lake.root)).toEqual(before);
  });
});

describe('etl query --allow-path', () => {
  const notes = () => `SELECT * FROM read_csv(${sqlString(join(outside, 'notes.csv'))})`;

  it('reads files under a directory it names, and still writes nothing there', async () => {
    const outcome = await query(notes(), '--allow-path', outside, '--format', 'csv');
    expect(outcome.stderr).toBe('');
    expect(outcome.stdout).toBe('a,b\n1,2\n');
    const copy = await query(
      `COPY listings TO ${sqlString(join(outside, 'copy.csv'))}`,
      '--allow-path',
      outside,
    );
    expect(copy.code).toBe(2);
    expect(await readdir(outside)).toEqual(['notes.csv']);
  });

  it('reads a file it names, and nothing beside it', async () => {
    const file = join(outside, 'notes.csv');
    expect((await query(notes(), '--allow-path', file, '--format', 'csv')).stdout).toBe('a,b\n1,2\n');
    const passwd = await query("SELECT * FROM read_csv('/etc/passwd')", '--allow-path', file);
    expect(passwd.code).toBe(2);
    expect(passwd.stderr).toContain('give --allow-path DIR');
  });

  it('is a usage error for a path that does not exist, or with an S3 lake', async () => {
    const missing = await query('SELECT 1', '--allow-path', join(work, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--allow-path');
    expect(missing.stderr).toContain('no such file or directory');
    const s3 = await etl('query', '--lake', 's3://bucket/lake', '--allow-path', outside, 'SELECT 1');
    expect(s3.code).toBe(2);
    expect(s3.stderr).toContain('--allow-path is for a local lake');
  });
});
