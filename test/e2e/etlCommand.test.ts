import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/cli/runSummary.ts';
import { etl, shell } from '../support/cli.ts';
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
    // every state entered has its time, and the load's time is inside the loads' Map's
    expect(new Set(summary.stateDurations.map((d) => d.state))).toEqual(new Set(summary.states));
    const duration = (state: string) => summary.stateDurations.find((d) => d.state === state);
    expect(duration('Load')?.entered).toBe(1);
    expect(duration('Load')?.durationMs).toBeGreaterThan(0);
    expect(duration('LoadPartitions')?.durationMs).toBeGreaterThanOrEqual(
      duration('Load')?.durationMs ?? Infinity,
    );

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
    // as in AWS: the loader container exits non-zero, ECS .sync fails the Load task, the day's
    // failure is filed from the loader's report and the execution fails after the message
    expect(summary.error).toMatchObject({ name: 'PartitionsFailedError', state: null });
    expect(summary.outcomes.partitions).toEqual([
      expect.objectContaining({
        source: 'pricehubble',
        dt: '2024-01-15',
        outcome: 'failed',
        error: 'RawObjectReadError',
        message: expect.stringMatching(/broken\.jsonl\.gz/),
      }),
    ]);
    expect(summary.caughtBy).toBeNull();
    expect(summary.states).toEqual([
      'ParseArgs',
      'LoadPartitions',
      'LoadSourcesOfDay',
      'PlanShards',
      'ChooseLoad',
      'Load',
      'RecordLoadFailure',
      'ReviewLoads',
      'RunUseCases',
      'Summarize',
      'HasNextPart',
      'CheckOutcome',
      'PartitionsFailed',
    ]);
    expect(summary.notification?.attributes).toEqual({
      environment: 'local',
      status: 'FAILED',
      error: 'RawObjectReadError',
      source: 'pricehubble',
    });
    expect(summary.notification?.message).toContain('pricehubble 2024-01-15: RawObjectReadError');
    expect(run.stderr).toContain(
      `Once fixed, re-run only what failed: npm run --silent etl -- redrive ${summary.executionId}`,
    );
    expect(run.stderr).toContain(
      'Or re-run every day of it with: npm run --silent etl -- run --date 2024-01-15',
    );
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

  it('refuses invalid arguments as usage errors, before anything starts', async () => {
    const badDate = await etl(['run', '--date', '2024-02-30', '--lake', join(work, 'lake-bad'), '--json']);
    expect(badDate.code).toBe(2);
    expect(badDate.stdout).toBe('');
    expect(badDate.stderr).toContain('UsageError: --date "2024-02-30": not a real calendar date');
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
    expect(unknownSource.code).toBe(2);
    expect(unknownSource.stdout).toBe('');
    expect(unknownSource.stderr).toMatch(/--source nope: .*Known sources: pricehubble/);
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
    expect(unknownFlag.stderr).toContain("unknown option '--nope'");
    expect(unknownFlag.stderr).toContain('etl query --help');
    await expect(access(join(work, 'lake-bad'))).rejects.toThrow(/ENOENT/);
  });

  it('reports a query error with the tables that exist', async () => {
    const result = await etl(['query', '--lake', join(work, 'lake-empty'), 'SELECT * FROM listings']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('QueryFailedError');
    expect(result.stderr).toContain('run `etl run` first');
  });
});

describe('etl demo', () => {
  it('prints next steps that run as printed, the run report among them', async () => {
    const lake = join(work, 'demo lake');
    const demo = await etl(['demo', '--lake', lake]);
    expect(demo.code, demo.stderr).toBe(0);
    const tries = demo.stdout
      .slice(demo.stdout.indexOf('Try:'))
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      .filter((line) => line.startsWith('npm run'));
    expect(tries.some((line) => line.includes(' report '))).toBe(true);
    // the generate suggestion lands 100,000 offers: the other tests cover generate and run
    for (const line of tries.filter((l) => !l.includes(' generate '))) {
      const tried = await shell(line.replace('/tmp/run-report.html', join(work, 'demo-report.html')));
      expect(tried.code, `${line}\n${tried.stderr}`).toBe(0);
    }
    expect((await readFile(join(work, 'demo-report.html'), 'utf8')).startsWith('<!doctype html>')).toBe(true);
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

describe('etl command line', () => {
  it('refuses an impossible day before landing or notifying anything', async () => {
    const lake = join(work, 'lake-impossible-day');
    const run = await etl([
      'run',
      '--date',
      '2024-02-30',
      '--input',
      sampleFiles[0] as string,
      '--lake',
      lake,
      '--json',
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--date "2024-02-30": not a real calendar date');
    // no raw file, no outbox message, not even the lake directory
    await expect(access(lake)).rejects.toThrow(/ENOENT/);
  });

  it('lands nothing in an existing lake when an argument is bad', async () => {
    const lake = join(work, 'lake-existing');
    expect(
      (await etl(['run', '--input', sampleFiles[0] as string, '--date', '2024-01-15', '--lake', lake])).code,
    ).toBe(0);
    const before = await filesUnder(lake);
    const run = await etl([
      'run',
      '--input',
      sampleFiles[1] as string,
      '--date',
      '2024-01-16',
      '--memory-limit',
      'abc',
      '--lake',
      lake,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--memory-limit "abc" is not a DuckDB memory limit');
    expect(await filesUnder(lake)).toEqual(before);
  });

  it('refuses two --input files of one base name from two folders, landing neither', async () => {
    const monday = join(work, 'monday', 'offers.jsonl');
    const tuesday = join(work, 'tuesday', 'offers.jsonl');
    for (const [path, id] of [
      [monday, 'monday'],
      [tuesday, 'tuesday'],
    ] as const) {
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, `${JSON.stringify({ id })}\n`);
    }
    const lake = join(work, 'lake-same-name');

    const run = await etl([
      'run',
      '--input',
      monday,
      tuesday,
      '--date',
      '2024-01-15',
      '--lake',
      lake,
      '--json',
    ]);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `UsageError: --input ${monday} and ${tuesday} would both land as offers.jsonl: give each file once, under its own name.`,
    );
    // nothing landed, notified or created
    await expect(access(lake)).rejects.toThrow(/ENOENT/);
  });

  it('says which --input file is missing', async () => {
    const missing = join(work, 'no-such-offers.jsonl');
    const run = await etl([
      'run',
      '--input',
      missing,
      '--date',
      '2024-01-15',
      '--lake',
      join(work, 'lake-missing'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`UsageError: --input ${missing}: no such file`);
    expect(run.stderr).not.toContain('ENOENT');
  });

  it('lists every option of run with its description and default', async () => {
    const help = await etl(['run', '--help']);
    expect(help.code).toBe(0);
    for (const option of [
      '--input <path...>',
      '--date <YYYY-MM-DD>',
      '--from <YYYY-MM-DD>',
      '--to <YYYY-MM-DD>',
      '--source <name>',
      '--use-case <name>',
      '--no-use-cases',
      '--lake <dir|s3://bucket/prefix>',
      '--catalog <kind>',
      '--memory-limit <size>',
      '--json',
    ]) {
      expect(help.stdout).toContain(`  ${option}  `);
    }
    const unwrapped = help.stdout.replace(/\n {3,}/g, ' ');
    expect(unwrapped).toMatch(/--memory-limit <size> .*\(default: "1GB"\)/);
    expect(unwrapped).toMatch(/--catalog <kind> .*\(default: local for a directory, glue for s3:\/\/\)/);
  });

  it('suggests the command and the option meant', async () => {
    const command = await etl(['rn']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('(Did you mean run?)');
    const option = await etl(['run', '--dat', '2024-01-15']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('(Did you mean --date?)');
  });

  it('runs as `npx etl` from the repository root', async () => {
    const help = await shell('npx etl --help');
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: etl [options] [command]');
    const usage = await shell('npx etl rn');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('(Did you mean run?)');
  });

  it('prints a re-run command that works once the cause is fixed', async () => {
    // A lake path a shell must have quoted, and every option the hint has to carry
    const lake = join(work, 're-run lake $1 (quoted)');
    const day = '2024-01-20';
    const file = sampleFiles[0] as string;
    const good = gzipSync(await readFile(file));
    await mkdir(join(work, 'rerun'));
    const broken = join(work, 'rerun', 'offers.jsonl.gz');
    await writeFile(broken, good.subarray(0, good.length - 30));
    const failed = await etl([
      'run',
      '--input',
      broken,
      '--date',
      day,
      '--source',
      'pricehubble',
      '--use-case',
      'market_stats_monthly',
      '--memory-limit',
      '512MB',
      '--lake',
      lake,
    ]);
    expect(failed.code).toBe(1);
    const hint = /Or re-run every day of it with: (.*)$/m.exec(failed.stderr)?.[1] ?? '';
    expect(hint).toMatch(
      /^npm run --silent etl -- run --date 2024-01-20 --source pricehubble --use-case market_stats_monthly /,
    );
    expect(hint).toContain(' --memory-limit 512MB');
    expect(hint).not.toContain('--input');

    // The fix the README gives for a RawObjectReadError: replace the object, re-run the day.
    await writeFile(join(lake, 'raw', 'source=pricehubble', `dt=${day}`, 'offers.jsonl.gz'), good);
    const rerun = await shell(`${hint} --json`);
    expect(rerun.code, rerun.stderr).toBe(0);
    const summary = JSON.parse(rerun.stdout) as RunSummary;
    expect(summary).toMatchObject({
      status: 'SUCCEEDED',
      lake,
      input: { date: day, sources: ['pricehubble'], useCases: ['market_stats_monthly'] },
    });
    expect(summary.useCases.map((u) => u.name)).toEqual(['market_stats_monthly']);
    expect(summary.totals.read).toBe((await expectedFromSample(file)).read);
  });
});

/** Every file under a directory, relative to it, sorted. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}
