import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { environmentNames, loadEnvironmentConfig } from '../../lib/config/environments.ts';
import { nestedConcurrency } from '../../lib/pipelineStateMachine.ts';
import {
  type AslState,
  resolveDefinition,
  type StateMachineDefinition,
} from '../../lib/resolvedDefinition.ts';
import { type SynthesizedDefinition, synthesizedDefinition } from '../../lib/synthesizedDefinition.ts';
import { errorNamesOf } from '../../src/domain/errors/errorCatalog.ts';
import { sources } from '../../src/domain/sources/registry.ts';
import { modelUseCaseStateName, stateNames } from '../../src/domain/stateMachine/stateNames.ts';
import { containerRunVariables } from '../../src/domain/taskEnvironments/containerEnvironments.ts';
import { modelUseCases, useCases } from '../../src/domain/useCases/registry.ts';

/** asl-validator 4 ships no types; this is its documented signature. */
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const validateAsl = createRequire(import.meta.url)('asl-validator') as AslValidator;

const lambdaTransientErrors = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** Every state, the inner ones of Map iterators included (at any depth), by name. */
function allStates(machine: StateMachineDefinition): Record<string, AslState> {
  const states: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(machine.States)) {
    states[name] = state;
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) Object.assign(states, allStates(inner));
  }
  return states;
}

describe.each(environmentNames)('state machine definition of %s', (environment) => {
  const config = loadEnvironmentConfig(environment);
  let synth: SynthesizedDefinition;
  let definition: StateMachineDefinition;
  let states: Record<string, AslState>;
  const state = (name: string): AslState => {
    const found = states[name];
    if (!found) throw new Error(`no state ${name}`);
    return found;
  };
  beforeAll(() => {
    synth = synthesizedDefinition(environment);
    definition = resolveDefinition(synth);
    states = allStates(definition);
  });

  it('is an Fn::Join of strings and Ref/GetAtt tokens, resolvable to placeholder ARNs', () => {
    expect(Object.keys(synth.definitionString as object)).toEqual(['Fn::Join']);
    expect(state(stateNames.parseArgs).Resource).toMatch(
      /^arn:aws:lambda:eu-central-2:000000000000:function:FunctionsParseArgsFunction[A-Z0-9]+$/,
    );
  });

  it('validates with asl-validator (paths and ARNs checked)', () => {
    const result = validateAsl(definition, { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('uses JSONPath only: no JSONata, no variables, no Distributed Map', () => {
    const text = JSON.stringify(definition);
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(text).not.toMatch(/"QueryLanguage":"JSONata"|\{%|"Assign"|"Arguments"|"Output"/);
    expect(text).not.toMatch(/"ItemReader"|"ItemBatcher"|"ResultWriter"|"DISTRIBUTED"|"ToleratedFailure/);
    for (const s of Object.values(states).filter((st) => st.Type === 'Map')) {
      expect(s.ItemProcessor?.ProcessorConfig?.Mode ?? 'INLINE').toBe('INLINE');
    }
  });

  it('names every state from stateNames, one Task per model use case', () => {
    const modelStates = modelUseCases.map(modelUseCaseStateName);
    expect(modelStates).toEqual(['RunPriceModel']);
    expect(Object.keys(states).sort()).toEqual([...Object.values(stateNames), ...modelStates].sort());
    expect(definition.StartAt).toBe(stateNames.parseArgs);
  });

  it('ParseArgs gets the input with the execution context and outputs { plan }', () => {
    expect(state(stateNames.parseArgs)).toMatchObject({
      Type: 'Task',
      Parameters: {
        'input.$': '$',
        'executionStartTime.$': '$$.Execution.StartTime',
        'executionId.$': '$$.Execution.Id',
      },
      ResultSelector: { 'plan.$': '$' },
      Next: stateNames.loadPartitions,
    });
    expect(state(stateNames.parseArgs).ResultPath).toBeUndefined();
  });

  it('LoadPartitions runs one loader task per planned day and source, in nested Maps bounded together', () => {
    const bounds = nestedConcurrency(config.maxConcurrency.loads, sources.length);
    expect(bounds.outer * bounds.inner).toBeLessThanOrEqual(config.maxConcurrency.loads);
    expect(state(stateNames.loadPartitions)).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.plan.dates',
      ItemSelector: {
        'dt.$': '$$.Map.Item.Value',
        'runId.$': '$.plan.runId',
        'sources.$': '$.plan.sources',
        // the run's data-quality limit (or null) reaches every loader task
        'quality.$': '$.plan.quality',
      },
      MaxConcurrency: bounds.outer,
      ResultPath: null,
      Next: stateNames.reviewLoads,
    });
    expect(state(stateNames.loadPartitions).ItemProcessor?.StartAt).toBe(stateNames.loadSourcesOfDay);
    expect(state(stateNames.loadSourcesOfDay)).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.sources',
      ItemSelector: {
        'source.$': '$$.Map.Item.Value',
        'dt.$': '$.dt',
        'runId.$': '$.runId',
        'quality.$': '$.quality',
      },
      MaxConcurrency: bounds.inner,
      ResultPath: null,
      End: true,
    });
    const load = state(stateNames.load);
    expect(load.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    expect(load.Parameters).toMatchObject({
      LaunchType: 'FARGATE',
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
      Overrides: {
        ContainerOverrides: [
          {
            Name: 'loader',
            Environment: [
              { Name: 'RUN_ID', 'Value.$': '$.runId' },
              { Name: 'SOURCE', 'Value.$': '$.source' },
              { Name: 'RUN_DATE', 'Value.$': '$.dt' },
              // an environment variable is a string: the limit as JSON, `null` when the run sets none
              { Name: 'QUALITY', 'Value.$': 'States.JsonToString($.quality)' },
              // the whole day in this one task
              { Name: 'LOAD_STEP', Value: 'day' },
            ],
          },
        ],
      },
    });
    // the overrides are exactly the loader's per-run variables
    const names = (
      load.Parameters as { Overrides: { ContainerOverrides: { Environment: { Name: string }[] }[] } }
    ).Overrides.ContainerOverrides[0]?.Environment.map((e) => e.Name);
    expect(names?.sort()).toEqual(Object.keys(containerRunVariables.loader.shape).sort());
    expect(load.TimeoutSeconds).toBe(config.loader.timeoutMinutes * 60);
  });

  it("a source's day is planned into shards: one loads in one task, more in a task per shard, per merge part, then one publish", () => {
    expect(state(stateNames.loadSourcesOfDay).ItemProcessor?.StartAt).toBe(stateNames.planShards);
    expect(state(stateNames.planShards)).toMatchObject({
      Type: 'Task',
      Parameters: { 'source.$': '$.source', 'dt.$': '$.dt', 'runId.$': '$.runId' },
      ResultPath: '$.shardPlan',
      Next: stateNames.chooseLoad,
    });
    expect(state(stateNames.chooseLoad)).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.shardPlan.shards', NumericEquals: 1, Next: stateNames.load }],
      Default: stateNames.checkShards,
    });
    // each step's task gets its LOAD_STEP from the Map's item and the day's run
    const stepItem = {
      'loadStep.$': '$$.Map.Item.Value',
      'source.$': '$.source',
      'dt.$': '$.dt',
      'runId.$': '$.runId',
      'quality.$': '$.quality',
    };
    expect(state(stateNames.checkShards)).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.shardPlan.loadSteps',
      ItemSelector: stepItem,
      MaxConcurrency: config.maxConcurrency.shards,
      ResultPath: null,
      Next: stateNames.mergeShards,
    });
    expect(state(stateNames.mergeShards)).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.shardPlan.mergeSteps',
      ItemSelector: stepItem,
      MaxConcurrency: config.maxConcurrency.shards,
      ResultPath: null,
      Next: stateNames.publishShards,
    });
    const environmentOf = (name: string) =>
      (state(name).Parameters as { Overrides: { ContainerOverrides: { Environment: object[] }[] } }).Overrides
        .ContainerOverrides[0]?.Environment;
    for (const [map, item] of [
      [stateNames.checkShards, stateNames.checkShard],
      [stateNames.mergeShards, stateNames.mergeShard],
    ] as const) {
      expect(state(map).ItemProcessor?.StartAt).toBe(item);
      expect(state(item)).toMatchObject({ Resource: 'arn:aws:states:::ecs:runTask.sync', End: true });
      expect(environmentOf(item)).toContainEqual({ Name: 'LOAD_STEP', 'Value.$': '$.loadStep' });
    }
    expect(environmentOf(stateNames.publishShards)).toContainEqual({ Name: 'LOAD_STEP', Value: 'publish' });
    expect(state(stateNames.publishShards)).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      End: true,
    });
    for (const name of [stateNames.checkShard, stateNames.mergeShard, stateNames.publishShards]) {
      expect(state(name).TimeoutSeconds).toBe(config.loader.timeoutMinutes * 60);
      expect((state(name).Retry ?? []).flatMap((r) => r.ErrorEquals)).toContain('ECS.AmazonECSException');
    }
  });

  it('a failed day is filed and the other days go on: Load catches into RecordLoadFailure', () => {
    // whichever step of the day fails: the plan, the one task, a shard, a merge part, the publish
    for (const name of [
      stateNames.planShards,
      stateNames.load,
      stateNames.checkShards,
      stateNames.mergeShards,
      stateNames.publishShards,
    ]) {
      expect(state(name).Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: stateNames.recordLoadFailure },
      ]);
    }
    expect(state(stateNames.recordLoadFailure)).toMatchObject({
      Type: 'Task',
      Parameters: {
        item: { 'source.$': '$.source', 'dt.$': '$.dt', 'runId.$': '$.runId' },
        'failure.$': '$.failure',
        'executionId.$': '$$.Execution.Id',
      },
      ResultPath: null,
      End: true,
    });
    // Filing a failure must not fail the run: nothing catches it but the whole Map
    expect(state(stateNames.recordLoadFailure).Catch).toBeUndefined();
    expect(state(stateNames.reviewLoads)).toMatchObject({
      Type: 'Task',
      Parameters: { 'plan.$': '$.plan', 'executionId.$': '$$.Execution.Id' },
      ResultPath: '$.review',
      Next: stateNames.runUseCases,
    });
  });

  it('bounds both nested Maps by the configured total', () => {
    expect(nestedConcurrency(4, 1)).toEqual({ outer: 4, inner: 1 });
    expect(nestedConcurrency(8, 3)).toEqual({ outer: 2, inner: 3 });
    expect(nestedConcurrency(4, 10)).toEqual({ outer: 1, inner: 4 });
  });

  it('Load retries ECS start failures with backoff, never a loader failure', () => {
    const retried = (state(stateNames.load).Retry ?? []).flatMap((r) => r.ErrorEquals);
    expect(retried).toContain('ECS.AmazonECSException');
    expect(retried).not.toContain('States.TaskFailed');
    expect(retried).not.toContain('States.ALL');
    for (const retry of state(stateNames.load).Retry ?? []) expect(retry).toMatchObject({ BackoffRate: 2 });
  });

  it('RunUseCases runs every planned use case of every day: SQL in a Lambda, each model in its own task', () => {
    const bounds = nestedConcurrency(config.maxConcurrency.useCases, useCases.length);
    expect(state(stateNames.runUseCases)).toMatchObject({
      Type: 'Map',
      // only the days every source loaded
      ItemsPath: '$.review.useCaseDates',
      ItemSelector: {
        'dt.$': '$$.Map.Item.Value',
        'runId.$': '$.plan.runId',
        'useCases.$': '$.plan.useCases',
      },
      // one day after the other: listing_history goes on from the day before's state
      MaxConcurrency: 1,
      ResultPath: null,
      Next: stateNames.summarize,
    });
    expect(state(stateNames.runUseCasesOfDay)).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.useCases',
      ItemSelector: { 'useCase.$': '$$.Map.Item.Value', 'dt.$': '$.dt', 'runId.$': '$.runId' },
      MaxConcurrency: bounds.inner,
      End: true,
    });
    expect(state(stateNames.chooseUseCase)).toMatchObject({
      Type: 'Choice',
      Choices: modelUseCases.map((u) => ({
        Variable: '$.useCase',
        StringEquals: u.name,
        Next: modelUseCaseStateName(u),
      })),
      Default: stateNames.runSqlUseCase,
    });
    // The item goes to the Lambda as is: names and a date, the SQL is rendered there.
    const runSql = state(stateNames.runSqlUseCase);
    expect(runSql).toMatchObject({ Type: 'Task', ResultPath: null, End: true });
    for (const name of [stateNames.runSqlUseCase, 'RunPriceModel']) {
      expect(state(name).Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: stateNames.recordUseCaseFailure },
      ]);
    }
    expect(state(stateNames.recordUseCaseFailure)).toMatchObject({
      Parameters: {
        item: { 'useCase.$': '$.useCase', 'dt.$': '$.dt', 'runId.$': '$.runId' },
        'failure.$': '$.failure',
        'executionId.$': '$$.Execution.Id',
      },
      End: true,
    });
    expect(runSql.Resource).toMatch(/:function:FunctionsRunSqlUseCaseFunction/);
    expect(runSql.Parameters).toBeUndefined();
    const model = state('RunPriceModel');
    expect(model).toMatchObject({
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      ResultPath: null,
      End: true,
    });
    expect(model.Parameters).toMatchObject({
      Overrides: {
        ContainerOverrides: [
          {
            Name: 'priceModel',
            Environment: [
              { Name: 'RUN_ID', 'Value.$': '$.runId' },
              { Name: 'RUN_DATE', 'Value.$': '$.dt' },
              { Name: 'USE_CASE', 'Value.$': '$.useCase' },
            ],
          },
        ],
      },
    });
    expect(JSON.stringify(definition)).not.toMatch(/UNLOAD \(|SELECT /);
  });

  it('Summarize gets the plan, the days of the use cases and the execution, adds $.summary; the next part starts; failed items fail the execution', () => {
    expect(state(stateNames.summarize)).toMatchObject({
      Parameters: {
        'plan.$': '$.plan',
        'useCaseDates.$': '$.review.useCaseDates',
        'executionId.$': '$$.Execution.Id',
        'executionName.$': '$$.Execution.Name',
        'executionStartTime.$': '$$.Execution.StartTime',
      },
      ResultPath: '$.summary',
      Next: stateNames.hasNextPart,
    });
    expect(state(stateNames.hasNextPart)).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.plan.next', IsNull: true, Next: stateNames.checkOutcome }],
      Default: stateNames.startNextPart,
    });
    expect(state(stateNames.startNextPart)).toMatchObject({
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: {
        'Input.$': '$.plan.next',
        StateMachineArn: `arn:aws:states:eu-central-2:000000000000:stateMachine:listings-${environment}`,
      },
      Next: stateNames.checkOutcome,
    });
    expect(state(stateNames.checkOutcome)).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.summary.status', StringEquals: 'FAILED', Next: stateNames.partitionsFailed }],
      Default: stateNames.succeeded,
    });
    expect(state(stateNames.succeeded).Type).toBe('Succeed');
    expect(state(stateNames.partitionsFailed)).toMatchObject({
      Type: 'Fail',
      Error: 'PartitionsFailedError',
    });
  });

  it('catches every error of the main states into $.failure.<state> and notifies, then fails', () => {
    for (const name of [
      stateNames.parseArgs,
      stateNames.loadPartitions,
      stateNames.reviewLoads,
      stateNames.runUseCases,
      stateNames.summarize,
      stateNames.startNextPart,
    ]) {
      expect(state(name).Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: `$.failure.${name}`, Next: stateNames.notifyFailure },
      ]);
    }
    expect(state(stateNames.notifyFailure)).toMatchObject({
      Parameters: {
        'state.$': '$',
        'executionId.$': '$$.Execution.Id',
        'executionStartTime.$': '$$.Execution.StartTime',
        'stateMachineName.$': '$$.StateMachine.Name',
      },
      ResultPath: null,
      Next: stateNames.failed,
    });
    expect(state(stateNames.failed)).toMatchObject({
      Type: 'Fail',
      Error: 'PipelineFailed',
      Cause: expect.any(String),
    });
  });

  it('retries the Lambda service and the environment errors with backoff, never bad input, bad data or bugs', () => {
    for (const name of [
      stateNames.parseArgs,
      stateNames.runSqlUseCase,
      stateNames.recordLoadFailure,
      stateNames.recordUseCaseFailure,
      stateNames.reviewLoads,
      stateNames.summarize,
      stateNames.notifyFailure,
    ]) {
      const retries = state(name).Retry ?? [];
      const errors = retries.flatMap((r) => r.ErrorEquals);
      expect(errors).toEqual(
        expect.arrayContaining([...lambdaTransientErrors, ...errorNamesOf('environment')]),
      );
      const notRetried = [...errorNamesOf('input'), ...errorNamesOf('data'), ...errorNamesOf('bug')];
      expect(notRetried.length).toBeGreaterThan(20);
      expect(
        errors.filter((e) => !e.startsWith('Lambda.') && !errorNamesOf('environment').includes(e as never)),
      ).toEqual([]);
      for (const name of notRetried) expect(errors).not.toContain(name);
      for (const retry of retries)
        expect(retry).toMatchObject({ BackoffRate: 2, MaxAttempts: expect.any(Number) });
    }
  });
});
