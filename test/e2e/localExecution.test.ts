import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../lib/resolvedDefinition.ts';
import { JsonLogger, silentLogger } from '../../src/adapters/jsonLogger.ts';
import { OutboxNotifier } from '../../src/adapters/local/outboxNotifier.ts';
import { rawPrefix } from '../../src/domain/lake/lakeLayout.ts';
import type { TaskProgress } from '../../src/domain/run/taskProgress.ts';
import { stateNames } from '../../src/domain/stateMachine/stateNames.ts';
import { useCases } from '../../src/domain/useCases/registry.ts';
import { runSqlUseCaseTask } from '../../src/lambdaTasks/runSqlUseCase.ts';
import { taskStates } from '../../src/orchestrator/definitionStates.ts';
import {
  isValidatedDefinition,
  localStateMachineDefinition,
} from '../../src/orchestrator/localDefinition.ts';
import { runLocalExecution, UnmappedTaskError } from '../../src/orchestrator/localStateMachine.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { type LocalPipelinePorts, localPipelinePorts } from '../../src/runtime/localRuntime.ts';
import { queryCatalog } from '../support/lakeQuery.ts';
import { refusedDayLines } from '../support/refusedDay.ts';
import { sampleFiles } from '../support/sampleOracle.ts';

let definition: StateMachineDefinition;
let root: string;
let lake: LakeConnection;
let ports: LocalPipelinePorts;
let notifier: OutboxNotifier;

beforeAll(async () => {
  definition = await localStateMachineDefinition('dev');
});

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-sfn-'));
  lake = connectLake(root);
  notifier = new OutboxNotifier(lake.blobs, root, silentLogger);
  ports = localPipelinePorts(lake, {
    environment: 'test',
    timeZone: 'Europe/Zurich',
    notifier,
    rerunCommand: (input) => `etl run --input '${JSON.stringify(input)}'`,
    redriveCommand: (executionId) => `etl redrive ${executionId} --lake ${root}`,
    log: silentLogger,
  });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (input: unknown, handlerOverrides = {}) =>
  runLocalExecution(definition, input as never, {
    lake,
    ports,
    workDir: join(root, 'work'),
    duckdbMemoryLimit: '512MB',
    handlerOverrides,
  });

async function landSample(dt = '2024-01-15'): Promise<void> {
  const dir = rawPrefix(lake.zones, { source: 'pricehubble', dt });
  await mkdir(dir, { recursive: true });
  await copyFile(sampleFiles[0] as string, join(dir, 'offers.jsonl'));
}

async function outbox(): Promise<{ subject: string; message: string; attributes: Record<string, string> }[]> {
  return notifier.sent() as never;
}

const query = (sql: string) => queryCatalog(lake, sql);

describe('the synthesized state machine, run locally', () => {
  it('maps every Task state of the definition', () => {
    expect(taskStates(definition).sort()).toEqual(
      [
        stateNames.parseArgs,
        stateNames.planShards,
        stateNames.load,
        stateNames.checkShard,
        stateNames.mergeShard,
        stateNames.publishShards,
        stateNames.recordLoadFailure,
        stateNames.reviewLoads,
        stateNames.runSqlUseCase,
        stateNames.recordUseCaseFailure,
        'RunPriceModel',
        stateNames.summarize,
        stateNames.startNextPart,
        stateNames.notifyFailure,
      ].sort(),
    );
  });

  it('refuses to run a definition with a Task it cannot map (it would call real AWS)', async () => {
    const extra = {
      ...definition,
      States: {
        ...definition.States,
        Mystery: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true },
      },
    } as StateMachineDefinition;
    await expect(
      runLocalExecution(extra, {}, { lake, ports, workDir: root, duckdbMemoryLimit: '512MB' }),
    ).rejects.toThrow(UnmappedTaskError);
  });

  it('runs end to end: load, use cases, summary and a success notification', async () => {
    await landSample();
    const result = await run({ date: '2024-01-15' });
    expect(result.error).toBeNull();
    expect(result.status).toBe('SUCCEEDED');
    // use cases run concurrently in the Map: their states interleave
    expect(result.states.slice(0, 9)).toEqual([
      'ParseArgs',
      'LoadPartitions',
      'LoadSourcesOfDay',
      'PlanShards',
      'ChooseLoad',
      'Load',
      'ReviewLoads',
      'RunUseCases',
      'RunUseCasesOfDay',
    ]);
    expect(result.states.slice(-4)).toEqual(['Summarize', 'HasNextPart', 'CheckOutcome', 'Succeeded']);
    const useCaseStates = result.states.slice(9, -4);
    const sql = useCases.filter((u) => u.kind === 'sql').length;
    expect(useCaseStates.filter((s) => s === 'ChooseUseCase')).toHaveLength(useCases.length);
    expect(useCaseStates.filter((s) => s === 'RunSqlUseCase')).toHaveLength(sql);
    expect(useCaseStates.filter((s) => s === 'RunPriceModel')).toHaveLength(useCases.length - sql);
    const [notification] = await outbox();
    expect(notification?.attributes).toEqual({
      environment: 'test',
      status: 'SUCCEEDED',
      source: 'pricehubble',
    });
    expect(notification?.message).toMatch(/pricehubble 2024-01-15: read 100, kept 90, rejected 10/);
    const [stats] = await query('SELECT sum(listings) AS offers FROM market_stats_monthly');
    expect(stats).toEqual({ offers: 90 });
  });

  it('validates a definition once: the synthesized one is not validated again to run, any other is', async () => {
    expect(isValidatedDefinition(definition)).toBe(true);
    const edited = structuredClone(definition);
    expect(isValidatedDefinition(edited)).toBe(false);
    // an invalid definition that was not synthesized is refused before anything runs
    const broken = { ...edited, StartAt: 'Nowhere' } as StateMachineDefinition;
    await expect(
      runLocalExecution(broken, {}, { lake, ports, workDir: root, duckdbMemoryLimit: '512MB' }),
    ).rejects.toThrow();
  });

  it('reports the progress of each running task: the loader from its log lines, then the use cases', async () => {
    await landSample();
    const progress: TaskProgress[] = [];
    const result = await runLocalExecution(definition, { date: '2024-01-15' } as never, {
      lake,
      ports,
      workDir: join(root, 'work'),
      duckdbMemoryLimit: '512MB',
      onProgress: (p) => progress.push(p),
      progressIntervalSeconds: 0.005,
    });
    expect(result.status).toBe('SUCCEEDED');
    const loader = progress.filter((p) => p.task === 'pricehubble 2024-01-15');
    expect(loader.length).toBeGreaterThan(1);
    expect(loader.at(-1)?.stage).toBe('done');
    expect(loader.slice(0, -1).every((p) => p.stage !== 'done' && p.elapsedMs >= 0)).toBe(true);
    const useCaseProgress = progress.filter((p) => p.task === 'use cases' && p.stage === 'use cases');
    expect(useCaseProgress.map((p) => p.done)).toEqual(useCases.map((_, i) => i + 1));
    expect(useCaseProgress.every((p) => p.total === useCases.length)).toBe(true);
    // the use cases start after the load has ended
    expect(progress.indexOf(useCaseProgress[0] as TaskProgress)).toBeGreaterThan(
      progress.indexOf(loader.at(-1) as TaskProgress),
    );
  });

  it.each([
    ['an empty file', ''],
    ['an empty array', '[]'],
    ['blank lines', '\n\n  \n'],
  ])('a quiet day (%s) publishes empty tables and every use case, the model says why', async (_, content) => {
    const dir = rawPrefix(lake.zones, { source: 'pricehubble', dt: '2024-01-20' });
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'offers.json'), content);
    const logged: string[] = [];
    ports = {
      ...ports,
      log: new JsonLogger({}, (line) => logged.push(String(JSON.parse(line).message))),
    };
    const result = await run({ date: '2024-01-20' });
    expect(result.error).toBeNull();
    expect(result.status).toBe('SUCCEEDED');
    expect(await query('SELECT count(*) AS n FROM listings')).toEqual([{ n: 0 }]);
    for (const table of [
      'market_stats_monthly',
      'listing_history',
      'current_listings',
      'price_outliers',
      'property_clusters',
      'price_model_predictions',
    ]) {
      expect(await lake.catalog.listPartitions(table)).toHaveLength(1);
      expect(await query(`SELECT count(*) AS n FROM ${table}`)).toEqual([{ n: 0 }]);
    }
    expect(logged.join('\n')).toMatch(/priceModel 2024-01-20: published/);
    // the model's reason, relayed from its log as CloudWatch would show it
    expect(logged.join('\n')).toMatch(
      /\[priceModel 2024-01-20\] no offers of 2024-01-20 to fit the model on/,
    );
  });

  it('bad arguments: fails in ParseArgs, notifies with the reason, loads nothing', async () => {
    const result = await run({ date: '2024-13-01' });
    expect(result.status).toBe('FAILED');
    expect(result.error).toMatchObject({ name: 'InvalidRunArgumentsError', state: 'ParseArgs' });
    expect(result.caughtBy).toBe('NotifyFailure');
    expect(result.states).toEqual(['ParseArgs', 'NotifyFailure', 'PipelineFailed']);
    const [notification] = await outbox();
    expect(notification?.subject).toBe(
      '[test] listings pipeline FAILED in ParseArgs: InvalidRunArgumentsError',
    );
    expect(notification?.message).toContain('not a real calendar date');
    expect(notification?.message).toContain('{"date":"2024-13-01"}');
    expect(notification?.attributes.status).toBe('FAILED');
  });

  it('loader crash: the day fails and is reported with the task as ECS stops it; the published partition stays', async () => {
    await landSample();
    expect((await run({ date: '2024-01-15', useCases: [] })).status).toBe('SUCCEEDED');
    const before = await query('SELECT * FROM listings ORDER BY id');
    const dir = rawPrefix(lake.zones, { source: 'pricehubble', dt: '2024-01-15' });
    await writeFile(join(dir, 'zz-broken.jsonl.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
    const result = await run({ date: '2024-01-15', useCases: [] });
    expect(result.status).toBe('FAILED');
    // the day's failure was caught in its iteration: the execution fails at the end, after the message
    expect(result.error).toMatchObject({ name: 'PartitionsFailedError', state: null });
    expect(result.caughtBy).toBeNull();
    expect(result.states).toEqual(
      expect.arrayContaining(['Load', 'RecordLoadFailure', 'ReviewLoads', 'Summarize', 'PartitionsFailed']),
    );
    const notification = (await outbox()).at(-1);
    expect(notification?.subject).toMatch(/^\[test\] listings run \S+: 1 of 1 failed: RawObjectReadError$/);
    expect(notification?.attributes).toEqual({
      environment: 'test',
      status: 'FAILED',
      error: 'RawObjectReadError',
      source: 'pricehubble',
    });
    expect(notification?.message).toContain('pricehubble 2024-01-15: RawObjectReadError (data)');
    expect(notification?.message).toContain('zz-broken.jsonl.gz');
    // what ECS says of the task, as Step Functions gets it from ecs:runTask.sync
    expect(notification?.message).toContain('Task: exit code 1, Essential container in task exited');
    expect(notification?.message).toContain(`etl redrive ${result.executionId} --lake ${root}`);
    expect(await query('SELECT * FROM listings ORDER BY id')).toEqual(before);
  });

  it('data-quality gate: too many rejects fail the day, the message names DataQualityError with top reasons and examples', async () => {
    const dir = rawPrefix(lake.zones, { source: 'pricehubble', dt: '2024-01-16' });
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'offers.jsonl'), refusedDayLines);
    // the log groups a deployed stack gives RecordFailure (TASK_LOG_GROUPS), to link the task's logs
    ports = {
      ...ports,
      logGroups: {
        region: 'eu-central-2',
        containers: { loader: '/ecs/listings-test/loader' },
        lambdas: {},
      },
    };
    const result = await run({ date: '2024-01-16', useCases: [] });
    expect(result.status).toBe('FAILED');
    expect(result.error).toMatchObject({ name: 'PartitionsFailedError' });
    const notification = (await outbox()).at(-1);
    expect(notification?.subject).toContain(': 1 of 1 failed: DataQualityError');
    expect(notification?.attributes.error).toBe('DataQualityError');
    expect(notification?.message).toContain('pricehubble 2024-01-16: 80.0% of 5 records were rejected');
    expect(notification?.message).toContain('unsupported_property_type: 3 records, e.g.');
    expect(notification?.message).toContain('"id":"s1"');
    expect(notification?.message).toContain('malformed_record: 1 records');
    // ECS's stopped task as Step Functions passes it: exit code, reason, and the awslogs stream of the task
    expect(notification?.message).toContain('Task: exit code 1, Essential container in task exited');
    expect(notification?.message).toMatch(
      /Logs: https:\/\/eu-central-2\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-central-2#logsV2:log-groups\/log-group\/\$252Fecs\$252Flistings-test\$252Floader\/log-events\/loader\$252Floader\$252F[0-9a-f]{32}$/m,
    );
    expect(await lake.catalog.listPartitions('listings')).toEqual([]);
  });

  it('query error: fails in RunSqlUseCase, the loaded data stays published', async () => {
    await landSample();
    const result = await run(
      { date: '2024-01-15' },
      {
        [stateNames.runSqlUseCase]: async () => {
          const error = new Error('SYNTAX_ERROR: line 1:8: Column "nope" cannot be resolved');
          error.name = 'SqlQueryFailedError';
          throw error;
        },
      },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toMatchObject({ name: 'PartitionsFailedError' });
    expect(result.states).toContain('RecordUseCaseFailure');
    expect(result.states.at(-1)).toBe('PartitionsFailed');
    const notification = (await outbox()).at(-1);
    const sql = useCases.filter((u) => u.kind === 'sql').length;
    expect(notification?.subject).toContain(`: ${sql} of ${1 + useCases.length} failed: SqlQueryFailedError`);
    expect(notification?.message).toContain('market_stats_monthly 2024-01-15: SqlQueryFailedError');
    expect(notification?.message).toContain('Column "nope" cannot be resolved');
    expect(await query('SELECT count(*) AS n FROM listings')).toEqual([{ n: 90 }]);
    expect(await lake.catalog.listPartitions('market_stats_monthly')).toEqual([]);
    // the model is not SQL: it ran, and published
    expect(await lake.catalog.listPartitions('price_model_predictions')).toHaveLength(1);
  });

  it('a use case that the local engine cannot run fails as it would in Athena, publishing nothing', async () => {
    await landSample();
    ports = { ...ports, readSql: () => 'SELECT nope FROM listings' };
    const result = await run({ date: '2024-01-15', useCases: ['market_stats_monthly'] });
    expect(result.error).toMatchObject({ name: 'PartitionsFailedError' });
    const notification = (await outbox()).at(-1);
    expect(notification?.message).toContain('market_stats_monthly 2024-01-15: SqlQueryFailedError');
    expect(notification?.message).toContain('nope');
    expect(await lake.catalog.listPartitions('market_stats_monthly')).toEqual([]);
    // the failed step removed what it had begun to write
    const written = await lake.blobs.list(`${lake.zones.results}market_stats_monthly/`);
    expect(written).toEqual([]);
  });

  it('every SQL use case runs where it is rendered: the state carries names and dates only', async () => {
    await landSample();
    const items: unknown[] = [];
    const result = await run(
      { date: '2024-01-15', useCases: ['market_stats_monthly'] },
      {
        [stateNames.runSqlUseCase]: async (input: unknown) => {
          items.push(input);
          return runSqlUseCaseTask(input, ports) as never;
        },
      },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(items).toEqual([{ useCase: 'market_stats_monthly', dt: '2024-01-15', runId: result.plan?.runId }]);
    expect(await lake.catalog.listPartitions('market_stats_monthly')).toHaveLength(1);
  });
});
