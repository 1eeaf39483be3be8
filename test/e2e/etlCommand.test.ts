import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/cli/runSummary.ts';
import { etl } from '../support/cli.ts';
import { expectedFromSample, sampleFiles } from '../support/sampleOracle.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'etl-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('etl run and query', () => {
  it.each(sampleFiles)('loads %s and query returns the kept rows', async (file) => {
    const lake = join(work, `lake-${file.endsWith('.jsonl') ? 'jsonl' : 'json'}`);
    const run = await etl(['run', '--input', file, '--date', '2024-01-15', '--lake', lake, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    const expected = await expectedFromSample(file);
    expect(summary).toMatchObject({ status: 'SUCCEEDED', error: null, input: { date: '2024-01-15' } });
    expect(summary.totals.read).toBe(expected.read);
    expect(summary.totals.kept).toBe(expected.kept.length);
    expect(summary.totals.read).toBe(summary.totals.kept + summary.totals.rejected);
    expect(summary.states.length).toBeGreaterThan(0);

    const query = await etl([
      'query',
      '--lake',
      lake,
      '--format',
      'json',
      'SELECT id, price, living_area, property_type, municipality, CAST(scraping_date AS VARCHAR) AS scraping_date FROM listings ORDER BY id',
    ]);
    expect(query.code, query.stderr).toBe(0);
    expect(JSON.parse(query.stdout)).toEqual(expected.kept);
  });

  it('prints the failure summary, exits non-zero and keeps the data published before', async () => {
    const lake = join(work, 'lake-failure');
    const file = sampleFiles[0] as string;
    expect((await etl(['run', '--input', file, '--date', '2024-01-15', '--lake', lake])).code).toBe(0);
    const gzipped = gzipSync(await readFile(file));
    const broken = join(work, 'broken.jsonl.gz');
    await writeFile(broken, gzipped.subarray(0, gzipped.length - 30));
    const run = await etl(['run', '--input', broken, '--date', '2024-01-15', '--lake', lake, '--json']);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.status).toBe('FAILED');
    // as in AWS: the loader container exits non-zero, ECS .sync fails the Load task
    expect(summary.error).toMatchObject({
      name: 'States.TaskFailed',
      state: 'Load',
      message: expect.stringMatching(/container loader exited 1: RawObjectReadError: .*broken\.jsonl\.gz/),
    });
    expect(summary.caughtBy).toBe('NotifyFailure');
    expect(summary.states).toEqual([
      'ParseArgs',
      'LoadPartitions',
      'LoadSourcesOfDay',
      'Load',
      'NotifyFailure',
      'PipelineFailed',
    ]);
    expect(summary.notification?.attributes).toEqual({
      environment: 'local',
      status: 'FAILED',
      source: 'pricehubble',
    });
    expect(summary.notification?.message).toContain('Failed state: LoadPartitions');
    expect(run.stderr).toContain('Re-run with: npm run --silent etl -- run --date 2024-01-15');
    const count = await etl([
      'query',
      '--lake',
      lake,
      '--format',
      'csv',
      'SELECT count(*) AS n FROM listings',
    ]);
    expect(count.stdout).toBe(`n\n${(await expectedFromSample(file)).kept.length}\n`);
  });

  it('refuses invalid arguments with a clear error', async () => {
    const badDate = await etl(['run', '--date', '2024-02-30', '--lake', join(work, 'lake-bad'), '--json']);
    expect(badDate.code).toBe(1);
    expect(JSON.parse(badDate.stdout).error).toMatchObject({
      name: 'InvalidRunArgumentsError',
      message: expect.stringContaining('not a real calendar date'),
    });
    const unknownSource = await etl([
      'run',
      '--date',
      '2024-02-01',
      '--source',
      'nope',
      '--lake',
      join(work, 'lake-bad'),
      '--json',
    ]);
    expect(JSON.parse(unknownSource.stdout).error.message).toMatch(/nope.*known: pricehubble/);
    const rangeWithInput = await etl([
      'run',
      '--input',
      sampleFiles[0] as string,
      '--from',
      '2024-01-01',
      '--to',
      '2024-01-02',
    ]);
    expect(rangeWithInput.code).toBe(2);
    expect(rangeWithInput.stderr).toContain('--input lands files for one day');
    const unknownFlag = await etl(['query', '--nope', 'SELECT 1']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain('Usage:');
  });

  it('reports a query error with the tables that exist', async () => {
    const result = await etl(['query', '--lake', join(work, 'lake-empty'), 'SELECT * FROM listings']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('QueryFailedError');
    expect(result.stderr).toContain('run `etl run` first');
  });
});

describe('etl generate', () => {
  it('writes deterministic messy JSON Lines, gzipped on request', async () => {
    const a = join(work, 'a.jsonl.gz');
    const b = join(work, 'b.jsonl.gz');
    expect((await etl(['generate', '--rows', '2000', '--out', a, '--seed', '3'])).code).toBe(0);
    expect((await etl(['generate', '--rows', '2000', '--out', b, '--seed', '3'])).code).toBe(0);
    const lines = gunzipSync(await readFile(a))
      .toString('utf8')
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(2000);
    expect(gunzipSync(await readFile(b)).equals(gunzipSync(await readFile(a)))).toBe(true);
    const lake = join(work, 'lake-generated');
    const run = await etl(['run', '--input', a, '--date', '2024-03-01', '--lake', lake, '--json']);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.totals.read).toBe(2000);
    expect(summary.totals.kept).toBeGreaterThan(1000);
    // the generator's defects show up as the reasons they stand for
    for (const reason of [
      'unsupported_property_type',
      'unparseable_price',
      'malformed_record',
      'duplicate_id',
    ]) {
      expect(summary.totals.rejectedByReason[reason]).toBeGreaterThan(0);
    }
  });

  it('refuses a missing or bad row count', async () => {
    const result = await etl(['generate', '--rows', 'many', '--out', join(work, 'x.jsonl')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--rows takes a positive whole number');
  });
});
