import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunFlags, runOptionsFrom } from '../../src/cli/runOptions.ts';
import { UsageError } from '../../src/cli/usageError.ts';

let work: string;
let lake: string;
let offers: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'run-options-'));
  lake = join(work, 'lake');
  offers = join(work, 'offers.jsonl');
  await writeFile(offers, '{"id":"1"}\n');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** `etl run` with no option given, as commander hands it over, plus the options of a test. */
function flags(given: Partial<RunFlags> = {}): RunFlags {
  return {
    input: [],
    source: [],
    useCase: [],
    useCases: true,
    lake,
    memoryLimit: '1GB',
    shardSize: '1024',
    mergePartSize: '32768',
    json: false,
    ...given,
  };
}

async function usageError(given: Partial<RunFlags>): Promise<string> {
  const error = await runOptionsFrom(flags(given), work).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return (error as UsageError).message;
}

describe('etl run options', () => {
  it('turn into the run options and the execution input, defaults left to the pipeline', async () => {
    const run = await runOptionsFrom(flags({ date: '2024-01-15', input: [offers], json: true }), work);
    expect(run).toEqual({
      options: {
        inputs: [offers],
        date: '2024-01-15',
        lake,
        catalog: 'local',
        workDir: work,
        duckdbMemoryLimit: '1GB',
        shardMaxMiB: 1024,
        mergePartMaxMiB: 32768,
      },
      json: true,
      defaultCatalog: 'local',
    });
  });

  it("take the run's own data-quality limit with its reason into the options", async () => {
    const run = await runOptionsFrom(
      flags({ date: '2024-01-15', maxRejectedShare: '1', reason: ' vendor export lost its prices ' }),
      work,
    );
    // the reason as the schema keeps it: trimmed
    expect(run.options.quality).toEqual({ maxRejectedShare: 1, reason: 'vendor export lost its prices' });
    for (const [share, value] of [
      ['0', 0],
      ['0.25', 0.25],
      ['.5', 0.5],
      ['1.0', 1],
      ['1e-3', 0.001],
    ] as const) {
      const given = flags({ date: '2024-01-15', maxRejectedShare: share, reason: 'why not' });
      expect((await runOptionsFrom(given, work)).options.quality?.maxRejectedShare, share).toBe(value);
    }
    expect((await runOptionsFrom(flags({ date: '2024-01-15' }), work)).options).not.toHaveProperty('quality');
  });

  it('refuse a data-quality limit without a reason, a reason without a limit, and bad values of either', async () => {
    expect(await usageError({ maxRejectedShare: '1' })).toContain('say why with --reason');
    expect(await usageError({ reason: 'why not' })).toContain('give --max-rejected-share SHARE');
    for (const share of ['1.01', '2', '-1', '0x1', 'Infinity', 'NaN', ' ', 'one', '80%']) {
      expect(await usageError({ maxRejectedShare: share, reason: 'why not' }), share).toContain(
        'is not a share from 0 to 1',
      );
    }
    expect(await usageError({ maxRejectedShare: '1', reason: 'ab' })).toContain(
      '--reason "ab": say why the limit is changed for this run (3 to 500 characters',
    );
    expect(await usageError({ maxRejectedShare: '1', reason: 'x'.repeat(501) })).toContain('--reason');
  });

  it('take several sources and use cases, or no use case at all', async () => {
    const several = await runOptionsFrom(
      flags({
        from: '2024-01-01',
        to: '2024-01-03',
        source: ['pricehubble'],
        useCase: ['price_model', 'market_stats_monthly'],
        memoryLimit: '1.5GB',
      }),
      work,
    );
    expect(several.options).toMatchObject({
      from: '2024-01-01',
      to: '2024-01-03',
      sources: ['pricehubble'],
      useCases: ['price_model', 'market_stats_monthly'],
      duckdbMemoryLimit: '1.5GB',
    });
    const none = await runOptionsFrom(flags({ date: '2024-01-15', useCases: false }), work);
    expect(none.options.useCases).toEqual([]);
  });

  it.each([
    ['an impossible day', { date: '2024-02-30' }, '--date "2024-02-30": not a real calendar date'],
    ['an empty date', { date: '' }, '--date "": expected YYYY-MM-DD'],
    ['a short date', { date: '24-1-1' }, '--date "24-1-1": expected YYYY-MM-DD'],
    ['a bad first day', { from: '2024-13-01', to: '2024-12-31' }, '--from "2024-13-01": not a real'],
    ['--from without --to', { from: '2024-01-01' }, '--from and --to go together'],
    ['--to without --from', { to: '2024-01-01' }, '--from and --to go together'],
    ['a range backwards', { from: '2024-01-05', to: '2024-01-01' }, '--from must not be after --to'],
    [
      '--date with a range',
      { date: '2024-01-01', from: '2024-01-01', to: '2024-01-02' },
      'give either --date or --from/--to, not both',
    ],
    ['a range of a mistyped year', { from: '2024-01-01', to: '2204-01-01' }, 'at most 3653 days'],
  ] satisfies [string, Partial<RunFlags>, string][])('refuse %s', async (_, given, expected) => {
    const message = await usageError(given);
    expect(message).toContain(expected);
    // and say what to type instead
    expect(message).toMatch(/--date YYYY-MM-DD|Split the backfill/);
  });

  it('refuse names that are not in the registries, or given twice', async () => {
    expect(await usageError({ source: ['nope'] })).toMatch(/--source nope: .*Known sources: pricehubble/);
    expect(await usageError({ useCase: ['price_modle'] })).toMatch(
      /--use-case price_modle: .*known: price_model, market_stats_monthly, listing_history, current_listings, price_outliers, property_clusters/,
    );
    expect(await usageError({ source: ['pricehubble', 'pricehubble'] })).toContain('given twice');
    expect(await usageError({ useCase: ['price_model'], useCases: false })).toContain(
      '--use-case and --no-use-cases contradict each other',
    );
  });

  it.each(['abc', '', '1000', '0GB', '-1GB', 'none', '1 GB', '512KB'])(
    'refuse the memory limit %j',
    async (memoryLimit) => {
      expect(await usageError({ memoryLimit })).toMatch(/^--memory-limit .* e\.g\. 512MB, 1GB, 1\.5GB/);
    },
  );

  it.each(['abc', '', '0', '-5', '1.5', '1GB', '12345678'])('refuse the shard size %j', async (shardSize) => {
    expect(await usageError({ shardSize })).toMatch(
      /^--shard-size .* not a size in MiB: give a whole number/,
    );
  });

  it('take a shard size in MiB', async () => {
    const run = await runOptionsFrom(flags({ date: '2024-01-15', shardSize: '64' }), work);
    expect(run.options.shardMaxMiB).toBe(64);
  });

  it.each(['abc', '', '0', '-5', '1.5', '32GB', '12345678'])(
    'refuse the merge part size %j',
    async (mergePartSize) => {
      expect(await usageError({ mergePartSize })).toMatch(
        /^--merge-part-size .* not a size in MiB: give a whole number/,
      );
    },
  );

  it('take a merge part size in MiB', async () => {
    const run = await runOptionsFrom(flags({ date: '2024-01-15', mergePartSize: '256' }), work);
    expect(run.options.mergePartMaxMiB).toBe(256);
  });

  it('refuse --input files that cannot be landed', async () => {
    const date = '2024-01-15';
    expect(await usageError({ date, input: [join(work, 'missing.jsonl')] })).toMatch(
      /--input .*missing\.jsonl: no such file/,
    );
    expect(await usageError({ date, input: [work] })).toMatch(/is a directory: give the files in it/);
    const loop = join(work, 'loop.jsonl');
    await symlink(loop, loop);
    expect(await usageError({ date, input: [loop] })).toMatch(/loop\.jsonl cannot be read \(ELOOP\)/);
    const other = join(work, 'other');
    await mkdir(other);
    await writeFile(join(other, 'offers.jsonl'), '{}\n');
    expect(await usageError({ date, input: [offers, join(other, 'offers.jsonl')] })).toContain(
      'would both land as offers.jsonl',
    );
    expect(await usageError({ from: '2024-01-01', to: '2024-01-02', input: [offers] })).toContain(
      '--input lands files for one day',
    );
  });

  it.skipIf(process.getuid?.() === 0)('refuse an --input file without read permission', async () => {
    const secret = join(work, 'secret.jsonl');
    await writeFile(secret, '{}\n');
    await chmod(secret, 0o000);
    expect(await usageError({ date: '2024-01-15', input: [secret] })).toMatch(/cannot be read \(EACCES\)/);
  });

  it('refuse a lake that is a file or a bad URI, and a catalog that does not fit it', async () => {
    expect(await usageError({ lake: offers })).toContain('is a file: give a directory');
    expect(await usageError({ lake: join(offers, 'lake') })).toContain('a parent of it is a file');
    expect(await usageError({ lake: '' })).toContain('--lake is empty');
    expect(await usageError({ lake: join(work, 'back\\slash [1]') })).toContain('both \\ and one of * ? [');
    expect(await usageError({ lake: 's3://No_Such_Bucket/lake' })).toContain('is not an S3 URI');
    expect(await usageError({ lake: 'gs://bucket/lake' })).toContain('a lake is a directory or s3://');
    expect(await usageError({ catalog: 'glue' })).toContain('Leave --catalog out, or give --catalog local');
    expect(await usageError({ lake: 's3://bucket/lake', catalog: 'local' })).toContain(
      'Leave --catalog out, or give --catalog glue',
    );
  });

  it('touch nothing: the lake is neither created nor read', async () => {
    await usageError({ date: '2024-02-30', input: [offers] });
    const run = await runOptionsFrom(flags({ date: '2024-01-15', input: [offers] }), work);
    expect(run.options.lake).toBe(lake);
    expect(await readdir(work)).not.toContain('lake');
  });
});
