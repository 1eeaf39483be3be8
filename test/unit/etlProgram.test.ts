import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etlInProcess as etl } from '../support/etlInProcess.ts';

/** Each option of a help text with its description, wrapped lines joined. */
function optionEntries(help: string): Map<string, string> {
  const section = help.split('Options:\n')[1] ?? '';
  const entries = new Map<string, string>();
  let current = '';
  for (const line of section.split('\n')) {
    const start = /^ {2}(?:-\w, )?(--[\w-]+)/.exec(line);
    if (start?.[1]) {
      current = start[1];
      entries.set(current, line.trim());
    } else if (current && /^ {3,}\S/.test(line)) {
      entries.set(current, `${entries.get(current)} ${line.trim()}`);
    } else current = '';
  }
  return entries;
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'etl-program-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('etl help', () => {
  it('lists the commands and the exit codes', async () => {
    const { code, stdout, stderr } = await etl('--help');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const command of ['run', 'query', 'generate', 'demo'])
      expect(stdout).toMatch(new RegExp(`\\n  ${command} `));
    expect(stdout).toContain('npx etl <command>');
    expect(stdout).toContain('0 success, 1 the run or query failed, 2 usage error');
  });

  it.each([
    [
      'run',
      [
        '--input',
        '--date',
        '--from',
        '--to',
        '--source',
        '--use-case',
        '--no-use-cases',
        '--lake',
        '--catalog',
        '--memory-limit',
        '--shard-size',
        '--merge-part-size',
        '--json',
        '--max-rejected-share',
        '--reason',
      ],
    ],
    ['query', ['--lake', '--catalog', '--env', '--format', '--allow-path']],
    [
      'start',
      [
        '--env',
        '--date',
        '--from',
        '--to',
        '--source',
        '--use-case',
        '--no-use-cases',
        '--json',
        '--follow',
        '--poll-interval',
        '--max-rejected-share',
        '--reason',
      ],
    ],
    ['follow', ['--json', '--poll-interval']],
    ['runs', ['--env', '--lake', '--limit', '--json']],
    ['redrive', ['--env', '--lake', '--json', '--follow', '--poll-interval']],
    ['generate', ['--rows', '--out', '--seed']],
    ['demo', ['--lake']],
  ])('etl %s --help describes every option and its default', async (command, options) => {
    const { code, stdout } = await etl(command, '--help');
    expect(code).toBe(0);
    const entries = optionEntries(stdout);
    expect([...entries.keys()].sort()).toEqual([...options, '--help'].sort());
    for (const option of options) {
      expect(entries.get(option), option).toMatch(/\bdefault: \S|\(required\)/);
    }
  });

  it('shows the defaults that matter', async () => {
    const entries = optionEntries((await etl('run', '--help')).stdout);
    expect(entries.get('--memory-limit')).toContain('(default: "1GB")');
    expect(entries.get('--shard-size')).toContain('(default: "1024")');
    expect(entries.get('--merge-part-size')).toContain('(default: "32768")');
    expect(entries.get('--catalog')).toContain('(default: local for a directory, glue for s3://)');
    expect(entries.get('--lake')).toContain('(default: ".lake")');
    expect(entries.get('--source')).toContain('pricehubble');
    expect(entries.get('--use-case')).toContain(
      'price_model, market_stats_monthly, listing_history, current_listings, price_outliers, property_clusters',
    );
  });

  it('answers `etl help run` like `etl run --help`', async () => {
    const help = await etl('help', 'run');
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await etl('run', '--help')).stdout);
  });
});

describe('etl usage errors', () => {
  it('suggest the command meant', async () => {
    const { code, stdout, stderr } = await etl('rn');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      "error: unknown command 'rn'\n(Did you mean run?)\n(etl --help lists the commands)\n",
    );
    expect((await etl('quer', 'SELECT 1')).stderr).toContain('(Did you mean query?)');
  });

  it('suggest the option meant', async () => {
    const { code, stdout, stderr } = await etl('run', '--dat', '2024-01-15', '--json');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      "error: unknown option '--dat'\n(Did you mean --date?)\n(etl run --help lists every option)\n",
    );
    expect((await etl('run', '--memory-limt', '1GB')).stderr).toContain('(Did you mean --memory-limit?)');
    expect((await etl('query', '--fromat', 'csv', 'SELECT 1')).stderr).toContain('(Did you mean --format?)');
  });

  it("map commander's own errors to exit code 2", async () => {
    const missing = await etl();
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Usage: etl [options] [command]');
    for (const args of [
      ['run', 'extra'],
      ['run', '--catalog', 'hive'],
      ['query'],
      ['generate', '--out', join(work, 'x.jsonl')],
      ['generate', '--rows', '0', '--out', join(work, 'x.jsonl')],
      ['query', '--format', 'xml', 'SELECT 1'],
    ]) {
      const outcome = await etl(...args);
      expect(outcome.code, args.join(' ')).toBe(2);
      expect(outcome.stdout).toBe('');
      expect(outcome.stderr).toMatch(/^error: .*\n\(etl \w+ --help lists every option\)\n$/s);
    }
  });

  it('refuse a bad run before anything is written: one message, nothing on stdout', async () => {
    const input = join(work, 'offers.jsonl');
    await writeFile(input, '{}\n');
    const lake = join(work, 'lake');
    const { code, stdout, stderr } = await etl(
      'run',
      '--date',
      '2024-02-30',
      '--input',
      input,
      '--lake',
      lake,
      '--json',
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error: UsageError: --date "2024-02-30": not a real calendar date. ' +
        'One day is --date YYYY-MM-DD; a backfill is --from YYYY-MM-DD --to YYYY-MM-DD.\n' +
        '(etl run --help lists every option)\n',
    );
    await expect(access(lake)).rejects.toThrow(/ENOENT/);
  });

  it.each([
    [
      ['--max-rejected-share', '1'],
      '--max-rejected-share changes the data-quality limit for this run: say why with --reason',
    ],
    [
      ['--reason', 'vendor export broken'],
      '--reason says why a run changes its data-quality limit: give --max-rejected-share',
    ],
    [
      ['--max-rejected-share', '1.5', '--reason', 'vendor export broken'],
      '--max-rejected-share "1.5" is not a share from 0 to 1',
    ],
    [
      ['--max-rejected-share', '-0.1', '--reason', 'vendor export broken'],
      '--max-rejected-share "-0.1" is not a share from 0 to 1',
    ],
    [
      ['--max-rejected-share', '50%', '--reason', 'vendor export broken'],
      '--max-rejected-share "50%" is not a share from 0 to 1',
    ],
    [
      ['--max-rejected-share', '', '--reason', 'vendor export broken'],
      '--max-rejected-share "" is not a share from 0 to 1',
    ],
    [
      ['--max-rejected-share', '1', '--reason', ' ok '],
      '--reason " ok ": say why the limit is changed for this run',
    ],
  ])('refuse a half or bad data-quality limit (%j): exit 2, nothing written', async (given, message) => {
    const lake = join(work, 'quality-lake');
    const { code, stdout, stderr } = await etl(
      'run',
      '--date',
      '2024-01-15',
      '--lake',
      lake,
      '--json',
      ...given,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: UsageError: .*\n\(etl run --help lists every option\)\n$/s);
    expect(stderr).toContain(message);
    await expect(access(lake)).rejects.toThrow(/ENOENT/);
  });

  it('refuse a bad lake for query and demo too', async () => {
    const file = join(work, 'not-a-lake');
    await writeFile(file, '');
    for (const args of [
      ['query', '--lake', file, 'SELECT 1'],
      ['demo', '--lake', file],
      ['demo', '--lake', 's3://bucket/lake'],
    ]) {
      const outcome = await etl(...args);
      expect(outcome.code, args.join(' ')).toBe(2);
      expect(outcome.stderr).toMatch(/^error: UsageError: /);
    }
  });
});
