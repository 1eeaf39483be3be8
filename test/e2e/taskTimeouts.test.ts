import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StateMachine } from 'aws-local-stepfunctions';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StateMachineDefinition } from '../../lib/resolvedDefinition.ts';
import { JsonLogger, silentLogger } from '../../src/adapters/jsonLogger.ts';
import { OutboxNotifier } from '../../src/adapters/local/outboxNotifier.ts';
import { rawPrefix } from '../../src/domain/lake/lakeLayout.ts';
import { stateNames } from '../../src/domain/stateMachine/stateNames.ts';
import { localStateMachineDefinition } from '../../src/orchestrator/localDefinition.ts';
import { type LocalExecutionOptions, runLocalExecution } from '../../src/orchestrator/localStateMachine.ts';
import { lambdaTimeoutErrorName } from '../../src/orchestrator/runningTasks.ts';
import type { QueryEngine } from '../../src/ports/queryEngine.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { type LocalPipelinePorts, localPipelinePorts } from '../../src/runtime/localRuntime.ts';
import { repositoryRoot } from '../support/cli.ts';
import { sampleFiles } from '../support/sampleOracle.ts';

/**
 * Fault injection: a task slower than its state's TimeoutSeconds. Step Functions fails the
 * state with States.Timeout and stops the task (ECS .sync) or discards its result (Lambda); the
 * local runner must not be kinder: the task is cancelled, and nothing it would have published
 * late appears, not even after its slow work would have ended.
 */
let definition: StateMachineDefinition;
let root: string;
let lake: LakeConnection;
let ports: LocalPipelinePorts;
let notifier: OutboxNotifier;
let logged: { level: string; message: string; line: string }[];

/** An engine that neither stops nor looks at the signal: 2.5 s, then it writes the result. */
function deafEngine(engine: QueryEngine): QueryEngine {
  return {
    query: (sql) => engine.query(sql),
    unload: async (select, location) => {
      await sleep(2_500);
      await engine.unload(select, location);
    },
  };
}

beforeAll(async () => {
  definition = await localStateMachineDefinition('dev');
});

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'task-timeout-'));
  lake = connectLake(root);
  notifier = new OutboxNotifier(lake.blobs, root, silentLogger);
  logged = [];
  ports = localPipelinePorts(lake, {
    environment: 'test',
    timeZone: 'Europe/Zurich',
    notifier,
    rerunCommand: (input) => `etl run --input '${JSON.stringify(input)}'`,
    redriveCommand: (executionId) => `etl redrive ${executionId} --lake ${root}`,
    log: new JsonLogger({}, (line) => {
      const parsed = JSON.parse(line) as { level: string; message: string };
      logged.push({ level: parsed.level, message: parsed.message, line });
    }),
  });
  const dir = rawPrefix(lake.zones, { source: 'pricehubble', dt: '2024-01-15' });
  await mkdir(dir, { recursive: true });
  await copyFile(sampleFiles[0] as string, join(dir, 'offers.jsonl'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The definition with `state`'s TimeoutSeconds set (wherever it is nested). */
function withTaskTimeout(state: string, seconds: number): StateMachineDefinition {
  const edited = structuredClone(definition) as unknown as {
    States: Record<string, Record<string, unknown>>;
  };
  const visit = (states: Record<string, Record<string, unknown>>): void => {
    for (const [name, body] of Object.entries(states)) {
      if (name === state) body.TimeoutSeconds = seconds;
      for (const nested of [body.ItemProcessor, body.Iterator, ...((body.Branches as unknown[]) ?? [])])
        if (nested) visit((nested as { States: Record<string, Record<string, unknown>> }).States);
    }
  };
  visit(edited.States);
  return edited as unknown as StateMachineDefinition;
}

const run = (machine: StateMachineDefinition, input: unknown, extra: Partial<LocalExecutionOptions> = {}) =>
  runLocalExecution(machine, input as never, {
    lake,
    ports,
    workDir: join(root, 'work'),
    duckdbMemoryLimit: '512MB',
    ...extra,
  });

const lastMessage = async () => (await notifier.sent()).at(-1)?.message ?? '';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const messages = () => logged.map((l) => l.message);

/** A use case's SQL that DuckDB needs minutes for: only an interrupt ends it soon. */
/**
 * A use case of the day publishes; then one whose query ignores its cancellation runs again
 * and times out (`timedOut` says how, `error` what the message names). Its late publish must be
 * refused by name and the partition left as it was, which it returns.
 */
async function latePublishIsRefused(
  input: { readonly date: string; readonly useCases: readonly string[] },
  timedOut: () => ReturnType<typeof run>,
  error: string,
) {
  expect((await run(definition, input)).status).toBe('SUCCEEDED');
  const before = await lake.catalog.getPartition('market_stats_monthly', { dt: '2024-01-15' });
  expect(before).toBeDefined();
  logged = [];
  ports = { ...ports, queryEngine: deafEngine(ports.queryEngine) };
  const result = await timedOut();
  expect(result.status).toBe('FAILED');
  expect(await lastMessage()).toContain(`market_stats_monthly 2024-01-15: ${error}`);
  await sleep(3_000); // past the end of the slow work
  expect(await lake.catalog.getPartition('market_stats_monthly', { dt: '2024-01-15' })).toEqual(before);
  expect(messages()).not.toContain('use case published');
  const late = logged.find((l) => l.message.startsWith('RunSqlUseCase ended after its cancellation'));
  expect(late?.line).toContain('"error":"TaskCancelledError"');
  expect(late?.line).toContain('Refused to publish market_stats_monthly');
  return before;
}

const endlessSql = 'SELECT count(*) AS n FROM range(100000000000) t(i) WHERE hash(i) % 7 = 3';

describe('a task slower than its TimeoutSeconds, run locally', () => {
  it('a SQL use case: States.Timeout, its query is interrupted, nothing is published', async () => {
    ports = { ...ports, readSql: () => endlessSql };
    const started = Date.now();
    const result = await run(withTaskTimeout(stateNames.runSqlUseCase, 1), {
      date: '2024-01-15',
      useCases: ['market_stats_monthly'],
    });
    const tookMs = Date.now() - started;
    expect(result.status).toBe('FAILED');
    // the day's use case failed by the state's timeout; the catch per item filed it
    expect(result.error).toMatchObject({ name: 'PartitionsFailedError' });
    expect(result.states).toContain(stateNames.recordUseCaseFailure);
    expect(await lastMessage()).toContain('market_stats_monthly 2024-01-15: States.Timeout');
    // the run ended once the cancelled query had stopped: not minutes later
    expect(tookMs).toBeLessThan(30_000);
    await sleep(1_000);
    expect(await lake.catalog.listPartitions('market_stats_monthly')).toEqual([]);
    expect(await lake.blobs.list(`${lake.zones.results}market_stats_monthly/`)).toEqual([]);
    expect(messages()).not.toContain('use case published');
    expect(messages()).toContain('RunSqlUseCase ended after its cancellation; its result was discarded');
    expect(messages()).not.toContain('tasks of the execution did not stop after their cancellation');
  });

  it('a use case whose work ignores its cancellation: the late publish is refused by name, the partition stays', async () => {
    const input = { date: '2024-01-15', useCases: ['market_stats_monthly'] };
    const before = await latePublishIsRefused(
      input,
      () => run(withTaskTimeout(stateNames.runSqlUseCase, 1), input),
      'States.Timeout',
    );
    // what the refused attempt had written under its run prefix is gone; the live one stays
    const files = await lake.blobs.list(`${lake.zones.results}market_stats_monthly/`);
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.uri.startsWith(before?.location ?? '?'))).toBe(true);
  });

  it('the loader container: States.Timeout, the process is stopped, the day is not published', async () => {
    const pidFile = join(root, 'loader.pid');
    const saved = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${saved ?? ''} --import ${pathToFileURL(join(repositoryRoot, 'test/support/slowContainerStart.mjs')).href}`;
    process.env.SLOW_START_PID_FILE = pidFile;
    process.env.SLOW_START_MS = '4000';
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run(withTaskTimeout(stateNames.load, 1), { date: '2024-01-15', useCases: [] });
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
      delete process.env.SLOW_START_PID_FILE;
      delete process.env.SLOW_START_MS;
    }
    expect(result.status).toBe('FAILED');
    expect(result.error).toMatchObject({ name: 'PartitionsFailedError' });
    expect(await lastMessage()).toContain('pricehubble 2024-01-15: States.Timeout');
    // the container process is gone when the execution has ended: no leftover work
    const pid = Number(await readFile(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    await sleep(5_000); // past when it would have loaded and published the day
    expect(await lake.catalog.listPartitions('listings')).toEqual([]);
    expect(messages().some((m) => m.startsWith('loaded pricehubble 2024-01-15'))).toBe(false);
    expect(messages().some((m) => m.startsWith('loader stopped: Load timed out after 1 s'))).toBe(true);
  });

  it('a stopped execution (StopExecution): its running use case is cancelled and publishes nothing', async () => {
    const stop = new AbortController();
    ports = {
      ...ports,
      readSql: () => {
        setTimeout(() => stop.abort(), 500);
        return endlessSql;
      },
    };
    const result = await run(
      definition,
      { date: '2024-01-15', useCases: ['market_stats_monthly'] },
      { signal: stop.signal },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('ExecutionAbortedError');
    await sleep(500);
    expect(await lake.catalog.listPartitions('market_stats_monthly')).toEqual([]);
    expect(messages()).not.toContain('use case published');
    expect(messages()).toContain('RunSqlUseCase ended after its cancellation; its result was discarded');
  });
});

/**
 * A Lambda task without TimeoutSeconds: AWS waits for it until its Lambda's own timeout, then
 * fails the state with Lambda.Unknown (not States.Timeout); the engine's own 60 s default must
 * not apply. Lambda timeouts are made test-sized through lambdaTimeoutSeconds.
 */
describe("a Lambda task and its Lambda's timeout, run locally", () => {
  const input = { date: '2024-01-15', useCases: ['market_stats_monthly'] };

  it("slower than its Lambda's timeout: fails with the error AWS gives, its query is interrupted, nothing is published", async () => {
    ports = { ...ports, readSql: () => endlessSql };
    const started = Date.now();
    const result = await run(definition, input, { lambdaTimeoutSeconds: { runSqlUseCase: 1 } });
    expect(result.status).toBe('FAILED');
    expect(result.error).toMatchObject({ name: 'PartitionsFailedError' });
    expect(result.states).toContain(stateNames.recordUseCaseFailure);
    expect(lambdaTimeoutErrorName).toBe('Lambda.Unknown');
    expect(await lastMessage()).toContain('market_stats_monthly 2024-01-15: Lambda.Unknown');
    expect(Date.now() - started).toBeLessThan(30_000);
    await sleep(1_000);
    expect(await lake.catalog.listPartitions('market_stats_monthly')).toEqual([]);
    expect(messages()).not.toContain('use case published');
    const late = logged.find((l) => l.message.startsWith('RunSqlUseCase ended after its cancellation'));
    expect(late?.line).toContain('RunSqlUseCase timed out after 1 s (Lambda.Unknown)');
  });

  it('one whose work ignores its cancellation: the late publish is refused by name, the partition stays', async () => {
    await latePublishIsRefused(
      input,
      () => run(definition, input, { lambdaTimeoutSeconds: { runSqlUseCase: 1 } }),
      'Lambda.Unknown',
    );
  });

  it("a state's TimeoutSeconds shorter than its Lambda's timeout still fails it with States.Timeout", async () => {
    ports = { ...ports, readSql: () => endlessSql };
    const result = await run(withTaskTimeout(stateNames.runSqlUseCase, 1), input, {
      lambdaTimeoutSeconds: { runSqlUseCase: 5 },
    });
    expect(await lastMessage()).toContain('market_stats_monthly 2024-01-15: States.Timeout');
    expect(result.status).toBe('FAILED');
  });

  describe('on a simulated clock', () => {
    /** One Lambda Task state, no TimeoutSeconds: the shape of every Lambda state of the pipeline. */
    const oneLambdaTask = (): StateMachineDefinition => ({
      StartAt: stateNames.runSqlUseCase,
      States: {
        [stateNames.runSqlUseCase]: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:eu-central-2:000000000000:function:RunSqlUseCase',
          End: true,
        },
      },
    });
    /** A Lambda that works `seconds` (of the simulated clock) and answers. */
    const slowLambda = (seconds: number) => async () => {
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      return { done: true };
    };
    afterEach(() => {
      vi.useRealTimers();
    });

    it('the engine alone fails a Task without TimeoutSeconds after 60 s (what the runner must lift)', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const execution = new StateMachine(oneLambdaTask() as never).run(
        {},
        { overrides: { taskResourceLocalHandlers: { [stateNames.runSqlUseCase]: slowLambda(61) } } },
      );
      const outcome = execution.result.then(
        () => 'SUCCEEDED',
        (error: { name?: string; cause?: { name?: string } }) => error.cause?.name ?? error.name,
      );
      await vi.advanceTimersByTimeAsync(61_000);
      expect(await outcome).toBe('States.Timeout');
    });

    /** A Lambda task taking `seconds` (on a fake clock) under a 120 s Lambda timeout. */
    const slowLambdaUnder120sTimeout = async (seconds: number) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const pending = run(
        oneLambdaTask(),
        {},
        {
          handlerOverrides: { [stateNames.runSqlUseCase]: slowLambda(seconds) },
          lambdaTimeoutSeconds: { runSqlUseCase: 120 },
        },
      );
      await vi.advanceTimersByTimeAsync(seconds * 1000);
      return pending;
    };

    it("a Lambda task longer than 60 s but within its Lambda's timeout succeeds", async () => {
      const result = await slowLambdaUnder120sTimeout(61);
      expect(result.error).toBeNull();
      expect(result.status).toBe('SUCCEEDED');
      expect(result.output).toEqual({ done: true });
    });

    it("one longer than its Lambda's timeout fails at that timeout with Lambda.Unknown", async () => {
      const result = await slowLambdaUnder120sTimeout(121);
      expect(result.status).toBe('FAILED');
      expect(result.error?.name).toBe('Lambda.Unknown');
      expect(result.error?.message).toContain('Task timed out after 120.00 seconds');
    });
  });
});
