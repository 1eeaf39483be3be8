import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { etl, repositoryRoot } from '../support/cli.ts';
import { queryCatalog } from '../support/lakeQuery.ts';

/**
 * Whole `etl run` processes, killed with SIGKILL (the whole process group: the CLI, the loader
 * and model children) at staggered moments, and started two at a time. Whatever happens, the
 * lake answers with a day that one completed run published, and the next run cleans up.
 */
let work: string;
let big: string;
const date = '2024-03-01';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crash-'));
  big = join(work, 'offers.jsonl.gz');
  expect((await etl(['generate', '--rows', '200000', '--out', big, '--seed', '7'])).code).toBe(0);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** `etl run` with its own TMPDIR (its scratch space), as a process group of its own. */
function startRun(lake: string, scratch: string) {
  const child = spawn(process.execPath, ['bin/etl.mjs', 'run', '--date', date, '--lake', lake], {
    cwd: repositoryRoot,
    env: { ...process.env, TMPDIR: scratch },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  return { child, done };
}

/** What the day's tables hold, as counts and a checksum of ids (a half-written day fails or differs). */
async function dayState(lake: LakeConnection): Promise<unknown> {
  const [listings] = await queryCatalog(
    lake,
    `SELECT count(*) AS n, sum(hash(id)) AS ids FROM listings WHERE dt = '${date}'`,
  );
  const [rejected] = await queryCatalog(
    lake,
    `SELECT count(*) AS n FROM listings_rejected WHERE dt = '${date}'`,
  );
  return { listings, rejected: rejected?.n };
}

async function runPrefixes(lake: LakeConnection, table: string): Promise<string[]> {
  const dir = join(lake.zones.curated, table, 'source=pricehubble', `dt=${date}`);
  return (await readdir(dir).catch(() => [])).filter((entry) => entry.startsWith('run='));
}

describe('etl run killed at any moment', () => {
  it('leaves the published day whole and queryable; the next run cleans up after it', async () => {
    const lakeDir = join(work, 'lake-crash');
    const scratch = join(work, 'scratch');
    await mkdir(scratch, { recursive: true });
    // The day, published once in full.
    expect(
      (await etl(['run', '--input', big, '--date', date, '--lake', lakeDir, '--no-use-cases'])).code,
    ).toBe(0);
    const lake = connectLake(lakeDir);
    const published = await dayState(lake);

    for (const delay of [300, 900, 1500, 2100, 2700, 3300, 3900, 4500]) {
      const { child, done } = startRun(lakeDir, scratch);
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // it finished before the kill
        }
      }
      await done;
      // Every table answers, and the day is the one a completed run published (the same raw
      // data: a killed run either had not switched yet, or had switched to the same rows).
      expect(await dayState(lake), `killed after ${delay} ms`).toEqual(published);
    }

    const clean = await etl(['run', '--date', date, '--lake', lakeDir], { TMPDIR: scratch });
    expect(clean.code, clean.stderr).toBe(0);
    expect(await dayState(lake)).toEqual(published);
    for (const table of ['listings', 'listings_rejected']) {
      expect((await runPrefixes(lake, table)).length, table).toBeLessThanOrEqual(2);
    }
    // No scratch folder of a killed loader or model is left, and no lease is held.
    const leftovers = (await readdir(join(scratch, 'listings-pipeline')).catch(() => [])).filter(
      (entry) => entry.startsWith('load-') || entry.startsWith('model-'),
    );
    expect(leftovers).toEqual([]);
    const leases = join(lake.zones.curated, 'listings', 'source=pricehubble', `dt=${date}`, '_leases/');
    expect(await lake.blobs.list(leases)).toEqual([]);
  }, 240_000);
});

describe('two runs of one day at once', () => {
  it('publish one after the other, three times over: the day stays whole', async () => {
    const lakeDir = join(work, 'lake-overlap');
    expect(
      (await etl(['run', '--input', big, '--date', date, '--lake', lakeDir, '--no-use-cases'])).code,
    ).toBe(0);
    const lake = connectLake(lakeDir);
    const published = await dayState(lake);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        [0, 1].map(() => etl(['run', '--date', date, '--lake', lakeDir, '--json'])),
      );
      for (const result of results) {
        // Both publish (the second waits for the first); were one to give up, it would name the other.
        if (result.code !== 0) {
          const other = JSON.parse(results.find((r) => r !== result)?.stdout ?? '{}').runId;
          expect(result.stdout + result.stderr).toContain(other);
        }
      }
      expect(results.some((r) => r.code === 0)).toBe(true);
      expect(await dayState(lake)).toEqual(published);
    }
    for (const table of ['listings', 'listings_rejected']) {
      expect((await runPrefixes(lake, table)).length, table).toBeLessThanOrEqual(2);
    }
  }, 240_000);
});
