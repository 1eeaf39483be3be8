import { beforeAll, describe, expect, it } from 'vitest';
import type { ContainerTask } from '../../lib/containerTask.ts';
import { resolveDefinition } from '../../lib/resolvedDefinition.ts';
import { synthesizedDefinition } from '../../lib/synthesizedDefinition.ts';
import {
  containerGlueLake,
  containerLocalLake,
  containerRunVariables,
  containerSettings,
} from '../../src/domain/taskEnvironments/containerEnvironments.ts';
import {
  type LambdaName,
  lambdaEnvironments,
  lambdaRuntimeVariables,
} from '../../src/domain/taskEnvironments/lambdaEnvironments.ts';
import { containerContextOf } from '../../src/runtime/containerRuntime.ts';
import { lambdaWiring } from '../../src/runtime/lambdaRuntime.ts';
import { logicalIdOf, type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

/** A plausible value for every variable any schema names (a new variable needs one here). */
const sampleValues: Readonly<Record<string, string>> = {
  ENVIRONMENT: 'dev',
  LOG_LEVEL: 'debug',
  TIME_ZONE: 'Europe/Zurich',
  AWS_REGION: 'eu-central-2',
  LAKE_RAW: 's3://raw-bucket/',
  LAKE_CURATED: 's3://curated-bucket/',
  LAKE_RESULTS: 's3://results-bucket/',
  LAKE_MANIFESTS: 's3://curated-bucket/manifests/',
  LAKE_ATHENA_RESULTS: 's3://athena-bucket/',
  GLUE_DATABASE: 'listings_dev',
  ATHENA_WORKGROUP: 'listings-dev',
  TOPIC_ARN: 'arn:aws:sns:eu-central-2:000000000000:alerts',
  METRICS_NAMESPACE: 'Listings/Pipeline',
  CATALOG: 'glue',
  LAKE: '/tmp/lake',
  WORK_DIR: '/tmp/work',
  DUCKDB_MEMORY_LIMIT: '1GB',
  DUCKDB_THREADS: '2',
  PROGRESS_INTERVAL_SECONDS: '10',
  RUN_ID: '20240115T060000Z-abcdef',
  RUN_DATE: '2024-01-15',
  SOURCE: 'pricehubble',
  USE_CASE: 'price_model',
  QUALITY: JSON.stringify({ maxRejectedShare: 1, reason: 'vendor export lost its prices' }),
  LOAD_STEP: 'shard-3',
  SHARD_MAX_BYTES: '1073741824',
  MERGE_PART_MAX_BYTES: '34359738368',
  TASK_LOG_GROUPS: JSON.stringify({
    containers: { loader: '/ecs/listings-dev-loader' },
    lambdas: { RunSqlUseCase: '/aws/lambda/listings-dev-run-sql' },
  }),
};

const keysOf = (schema: { shape: Record<string, unknown> }): string[] => Object.keys(schema.shape).sort();

/** The value parsed by a schema from the sample values, watched: which of its keys are read. */
function watched(schema: { parse: (input: unknown) => unknown }, overrides = {}) {
  const value = schema.parse({ ...sampleValues, ...overrides }) as Record<string, unknown>;
  const read = new Set<string>();
  const proxy = new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
  return { proxy, read };
}

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  pipeline = synthesizePipeline({ environments: ['dev'] });
});

describe('the environment of each Lambda', () => {
  const variablesOf = (name: LambdaName): string[] => {
    const stack = pipeline.stack('dev');
    const fn = pipeline.template('dev').findResources('AWS::Lambda::Function')[
      logicalIdOf(stack, stack.functions[name].function)
    ];
    const variables =
      (fn?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {};
    return Object.keys(variables)
      .filter((key) => key !== 'NODE_OPTIONS')
      .sort();
  };

  it.each(Object.keys(lambdaEnvironments) as LambdaName[])(
    '%s: the stack sets exactly the variables its schema names, and its wiring reads every one',
    (name) => {
      const schema = lambdaEnvironments[name];
      expect(variablesOf(name)).toEqual(keysOf(schema));
      const settings = watched(schema);
      const runtime = watched(lambdaRuntimeVariables);
      (lambdaWiring[name] as (s: unknown, r: unknown) => unknown)(settings.proxy, runtime.proxy);
      expect([...settings.read].filter((k) => k in schema.shape).sort()).toEqual(keysOf(schema));
    },
  );
});

describe('the environment of each container', () => {
  const containers = (): [string, ContainerTask, keyof typeof containerRunVariables][] => {
    const stack = pipeline.stack('dev');
    return [
      ['loader', stack.loader, 'loader'],
      ...[...stack.modelTasks].map(([name, task]): [string, ContainerTask, 'model'] => [name, task, 'model']),
    ];
  };

  it('the task definitions set exactly the settings and the Glue lake their schemas name', () => {
    const expected = [...keysOf(containerSettings), ...keysOf(containerGlueLake)].sort();
    for (const [, task] of containers()) expect(Object.keys(task.environment).sort()).toEqual(expected);
  });

  it('the state machine overrides exactly the per-run variables of each kind of container', () => {
    const definition = JSON.stringify(resolveDefinition(synthesizedDefinition('dev')));
    for (const [, task, kind] of containers()) {
      const name = task.container.containerName;
      const overrides = new RegExp(`"Name":"${name}","Environment":(\\[[^\\]]*\\])`).exec(definition)?.[1];
      const names = (JSON.parse(overrides ?? '[]') as { Name: string }[]).map((v) => v.Name).sort();
      expect(names).toEqual(keysOf(containerRunVariables[kind]));
    }
  });

  it.each([
    ['glue', containerGlueLake],
    ['local', containerLocalLake],
  ] as const)('reads every variable it is given (a lake with %s)', (catalog, lakeSchema) => {
    for (const kind of ['loader', 'model'] as const) {
      const settings = watched(containerSettings);
      const lake = watched(lakeSchema, { CATALOG: catalog });
      const run = watched(containerRunVariables[kind]);
      const context = containerContextOf(
        'test',
        settings.proxy as never,
        lake.proxy as never,
        run.proxy as never,
      );
      // the job reads its per-run values; the wiring everything else
      for (const key of Object.keys(context.run)) void (context.run as Record<string, unknown>)[key];
      expect([...settings.read].filter((k) => k in containerSettings.shape).sort()).toEqual(
        keysOf(containerSettings),
      );
      expect([...lake.read].filter((k) => k in lakeSchema.shape).sort()).toEqual(keysOf(lakeSchema));
      expect([...run.read].sort()).toEqual(expect.arrayContaining(keysOf(containerRunVariables[kind])));
    }
  });
});
