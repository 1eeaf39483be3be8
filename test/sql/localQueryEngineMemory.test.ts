import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { localPipelinePorts, localQueryEngine } from '../../src/runtime/localRuntime.ts';

describe("the SQL use cases' engine in a local run", () => {
  let root: string;
  let lake: LakeConnection;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'local-engine-memory-'));
    lake = connectLake(join(root, 'lake'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const limitOf = async (engine: ReturnType<typeof localQueryEngine>) =>
    (await engine.query("SELECT current_setting('memory_limit') AS m")).rows[0]?.m;

  it('runs under the memory limit the run gives, not DuckDB default of most of the machine', async () => {
    const ports = localPipelinePorts(lake, {
      environment: 'local',
      timeZone: 'Europe/Zurich',
      notifier: { publish: async () => 'message-id' },
      rerunCommand: () => 'etl run',
      redriveCommand: () => 'etl redrive',
      duckdb: { memoryLimit: '100MB', tempDirectory: join(root, 'spill') },
      log: silentLogger,
    });
    expect(await limitOf(ports.queryEngine)).toBe('95.3 MiB');
    expect(await limitOf(localQueryEngine(lake))).not.toBe('95.3 MiB');
  });

  it('gives each statement a spill folder of its own, removed after it', async () => {
    const spill = join(root, 'side-by-side');
    const engine = localQueryEngine(lake, { memoryLimit: '50MB', tempDirectory: spill });
    // two sorts larger than the limit at once: each spills, into its own folder
    const sort = 'SELECT count(*) AS n FROM (SELECT i FROM range(3000000) AS t(i) ORDER BY hash(i)) AS s';
    const [a, b] = await Promise.all([engine.query(sort), engine.query(sort)]);
    expect([a.rows[0]?.n, b.rows[0]?.n]).toEqual([3000000, 3000000]);
    expect(await readdir(spill)).toEqual([]);
  });

  it('says which option gives a query more memory when it runs out', async () => {
    const engine = localQueryEngine(lake, { memoryLimit: '30MB', tempDirectory: join(root, 'spill') });
    await expect(
      // one string of 20M numbers: a value DuckDB cannot spill
      engine.query("SELECT length(string_agg(i::VARCHAR, ',')) AS n FROM range(20000000) AS t(i)"),
    ).rejects.toMatchObject({
      name: 'SqlQueryFailedError',
      message: expect.stringContaining('etl run --memory-limit'),
    });
  });
});
