import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonLogger } from '../../src/adapters/jsonLogger.ts';
import { rawPrefix } from '../../src/domain/lake/lakeLayout.ts';
import { openScratch, scratchDiskFull } from '../../src/jobs/scratchSpace.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { etl, repositoryRoot } from '../support/cli.ts';
import { deadPid } from '../support/leaseScenarios.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'scratch-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('scratch space', () => {
  it('removes what killed runs left behind, and says so; never a live run’s folder', async () => {
    const workDir = join(root, 'work');
    const leftover = async (name: string, pid: number) => {
      const path = join(workDir, name);
      await mkdir(path, { recursive: true });
      await writeFile(
        join(path, 'owner.json'),
        JSON.stringify({ pid, host: hostname(), runId: name, startedAt: '' }),
      );
      await writeFile(join(path, 'staged-0.txt'), 'x'.repeat(200_000));
      return path;
    };
    const killed = await leftover('load-20240101T000000Z-aaaaaa-x1', deadPid());
    const live = await leftover('load-20240101T000000Z-bbbbbb-x2', process.pid);
    const otherKind = await leftover('model-20240101T000000Z-cccccc-x3', deadPid());
    const lines: string[] = [];
    const log = new JsonLogger({}, (line) => lines.push(line));

    const fresh = await openScratch(workDir, 'load', '20240102T000000Z-dddddd', log);

    expect(existsSync(killed)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(otherKind)).toBe(true);
    expect(existsSync(fresh)).toBe(true);
    const warning = JSON.parse(lines.find((l) => l.includes('left by killed runs')) ?? '{}');
    expect(warning).toMatchObject({ level: 'warn', workDir, megabytes: 0.2 });
  });

  it('a run killed before its owner file was written still leaves a folder its name tells the owner of', async () => {
    const workDir = join(root, 'work');
    // killed between creating the folder and writing owner.json, and while writing it (empty)
    const noOwnerFile = join(workDir, `load-20240101T000000Z-aaaaaa-p${deadPid()}-Ab12Cd`);
    const emptyOwnerFile = join(workDir, `load-20240101T000000Z-bbbbbb-p${deadPid()}-Xy34Zw`);
    const liveNoOwnerFile = join(workDir, `load-20240101T000000Z-cccccc-p${process.pid}-Qr56St`);
    for (const path of [noOwnerFile, emptyOwnerFile, liveNoOwnerFile]) await mkdir(path, { recursive: true });
    await writeFile(join(emptyOwnerFile, 'owner.json'), '');

    const fresh = await openScratch(
      workDir,
      'load',
      '20240102T000000Z-dddddd',
      new JsonLogger({}, () => undefined),
    );

    expect(existsSync(noOwnerFile)).toBe(false);
    expect(existsSync(emptyOwnerFile)).toBe(false);
    expect(existsSync(liveNoOwnerFile)).toBe(true);
    // and the fresh folder's own name says whose it is
    expect(fresh).toMatch(new RegExp(`/load-20240102T000000Z-dddddd-p${process.pid}-[A-Za-z0-9]{6}$`));
  });

  it('etl run removes a killed run’s scratch folder and tells the person at the terminal', async () => {
    // What a loader killed with -9 leaves: its folder under the machine's scratch directory.
    const tmp = join(root, 'tmp');
    const leftover = join(tmp, 'listings-pipeline', 'load-20240101T000000Z-aaaaaa-x1');
    await mkdir(leftover, { recursive: true });
    await writeFile(
      join(leftover, 'owner.json'),
      JSON.stringify({ pid: deadPid(), host: hostname(), runId: 'killed', startedAt: '' }),
    );
    await writeFile(join(leftover, 'staged-0.txt'), 'x'.repeat(300_000));
    const input = join(repositoryRoot, 'localstack', 'samples', 'scraping_data.jsonl');

    const result = await etl(
      ['run', '--input', input, '--date', '2024-01-15', '--no-use-cases', '--lake', join(root, 'lake')],
      { TMPDIR: tmp },
    );

    expect(result.code).toBe(0);
    expect(existsSync(leftover)).toBe(false);
    expect(result.stderr).toMatch(
      /\[pricehubble 2024-01-15\] removed 1 scratch folder\(s\) left by killed runs .*megabytes=0\.3/,
    );
  });

  it('tells a full disk from a damaged input', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(scratchDiskFull(enospc, '/tmp/w')).toMatchObject({
      name: 'ScratchDiskFullError',
      category: 'environment',
      message: expect.stringContaining('ephemeralStorageGiB'),
    });
    const duckdb = new Error('IO Error: Could not write file "/tmp/w/spill/x.tmp": No space left on device');
    expect(scratchDiskFull(duckdb, '/tmp/w')?.name).toBe('ScratchDiskFullError');
    expect(scratchDiskFull(new Error('incorrect header check'), '/tmp/w')).toBeUndefined();
  });

  it('a loader whose scratch disk fills up fails with ScratchDiskFullError, publishing nothing', async () => {
    // A 1 MiB disk of its own (a tmpfs in a private mount namespace) for a 3 MB day.
    const lake = connectLake(join(root, 'lake'));
    const raw = rawPrefix(lake.zones, { source: 'pricehubble', dt: '2024-01-15' });
    await mkdir(raw, { recursive: true });
    const offer = (i: number) =>
      JSON.stringify({
        id: `o${i}`,
        raw_price: '750 000 CHF',
        living_area: 100,
        property_type: 'house',
        municipality: 'Bern',
        scraping_date: '2024-01-15',
      });
    await writeFile(join(raw, 'offers.jsonl'), Array.from({ length: 25_000 }, (_, i) => offer(i)).join('\n'));
    const scratch = join(root, 'tiny');
    await mkdir(scratch);
    const env = {
      ...process.env,
      ENVIRONMENT: 'test',
      LOG_LEVEL: 'info',
      RUN_ID: '20240115T060000Z-abcdef',
      RUN_DATE: '2024-01-15',
      SOURCE: 'pricehubble',
      QUALITY: 'null',
      LOAD_STEP: 'day',
      CATALOG: 'local',
      LAKE: lake.root,
      WORK_DIR: scratch,
      DUCKDB_MEMORY_LIMIT: '256MB',
      DUCKDB_THREADS: '1',
      PROGRESS_INTERVAL_SECONDS: '10',
    };
    const script = `mount -t tmpfs -o size=1m tmpfs '${scratch}' && exec '${process.execPath}' --import tsx containers/loader/entrypoint.ts`;
    const outcome = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn('unshare', ['-rm', 'sh', '-c', script], { cwd: repositoryRoot, env });
      let stdout = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(outcome.code).toBe(1);
    const last = JSON.parse(outcome.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(last).toMatchObject({ error: 'ScratchDiskFullError', category: 'environment' });
    expect(last.message).toContain('ephemeralStorageGiB');
    expect(await lake.catalog.listPartitions('listings')).toEqual([]);
    expect(await readdir(join(lake.root, 'curated')).catch(() => [])).toEqual([]);
  });
});
