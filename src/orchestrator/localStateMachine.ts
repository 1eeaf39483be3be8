import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'aws-local-stepfunctions';
import { z } from 'zod';
import type { AslState, StateMachineDefinition } from '../../lib/resolvedDefinition.ts';
import { AthenaQueryEngine } from '../adapters/aws/athenaQueryEngine.ts';
import { createAthenaClient } from '../adapters/aws/awsClients.ts';
import { LocalQueryEngine } from '../adapters/duckdb/localQueryEngine.ts';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { readableCause } from '../domain/notifications/notifications.ts';
import type { PipelinePlan } from '../domain/run/pipelinePlan.ts';
import { sqlString } from '../domain/sql/sqlLiteral.ts';
import { stateNames } from '../domain/stateMachine/stateNames.ts';
import type { PipelineDeps } from '../lambdaTasks/taskPorts.ts';
import { notifyFailureTask, parseArgsTask, publishUseCaseTask, summarizeTask } from '../lambdaTasks/tasks.ts';
import type { LakeConnection } from '../runtime/lakeConnection.ts';

/*
 * aws-local-stepfunctions 3 uses Promise.withResolvers (Node 22). On Node 20 every Task would
 * fail with a TypeError that States.ALL catches: a happy path silently turned into the failure
 * path. Polyfill it before any execution.
 */
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: <T>() => {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type TaskHandler = (input: Json) => Promise<Json>;

export class UnmappedTaskError extends PipelineError {
  override readonly name = 'UnmappedTaskError';
}

/** An error whose `name` is what the state machine's Retry/Catch match (as Step Functions does). */
class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Every Task state in the definition, Map and Parallel bodies included. */
export function taskStates(definition: Pick<StateMachineDefinition, 'States'>): string[] {
  return Object.entries(definition.States).flatMap(([name, state]: [string, AslState]) => [
    ...(state.Type === 'Task' ? [name] : []),
    ...(state.ItemProcessor ? taskStates(state.ItemProcessor) : []),
    ...(state.Iterator ? taskStates(state.Iterator) : []),
    ...(state.Branches ?? []).flatMap((branch) => taskStates(branch)),
  ]);
}

export interface LocalExecutionOptions {
  readonly lake: LakeConnection;
  readonly deps: PipelineDeps;
  /** Scratch space for loader tasks. */
  readonly workDir: string;
  readonly duckdbMemoryLimit: string;
  /** Replaces handlers (tests make a stage fail this way). */
  readonly handlerOverrides?: Partial<Record<string, TaskHandler>>;
}

export interface LocalExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly executionId: string;
  /** States entered, in order, by their names in the definition. */
  readonly states: readonly string[];
  readonly output: Json;
  readonly error: { readonly name: string; readonly message: string; readonly state: string | null } | null;
  /** The Catch target reached on failure. */
  readonly caughtBy: string | null;
  /** ParseArgs' result, when it got that far. */
  readonly plan: PipelinePlan | null;
}

/** The entrypoint of a pipeline container (containers/<name>/entrypoint.ts). */
const entrypointOf = (container: string): string =>
  fileURLToPath(new URL(`../../containers/${container}/entrypoint.ts`, import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

const ecsRunTaskInput = z.object({
  Overrides: z.object({
    ContainerOverrides: z.array(
      z.object({ Name: z.string(), Environment: z.array(z.object({ Name: z.string(), Value: z.string() })) }),
    ),
  }),
});

/**
 * A pipeline container as a child process with the environment its ECS task would have: the
 * per-run overrides from the state's input, the task definition's settings for the local lake.
 */
function runContainerTask(container: 'loader' | 'priceModel', options: LocalExecutionOptions): TaskHandler {
  return (input) =>
    new Promise((resolve, reject) => {
      const overrides = ecsRunTaskInput.parse(input).Overrides.ContainerOverrides[0];
      const env = Object.fromEntries((overrides?.Environment ?? []).map((e) => [e.Name, e.Value]));
      const child = spawn(tsx, [entrypointOf(container)], {
        env: {
          ...process.env,
          ...env,
          // What the task definition sets in AWS, pointed at the local lake
          LAKE: options.lake.root,
          CATALOG: options.lake.catalogKind,
          CATALOG_DATABASE: options.lake.catalog.database,
          WORK_DIR: options.workDir,
          DUCKDB_MEMORY_LIMIT: options.duckdbMemoryLimit,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) => {
        const last = stdout.trim().split('\n').at(-1) ?? '';
        let outcome: Record<string, unknown> = {};
        try {
          outcome = JSON.parse(last) as Record<string, unknown>;
        } catch {
          outcome = { error: 'LoaderCrashed', message: stderr.trim().split('\n').slice(-5).join('\n') };
        }
        if (code === 0) {
          options.deps.log.info(
            container === 'loader'
              ? `loaded ${String(env.SOURCE)} ${String(env.RUN_DATE)}: read ${String(outcome.read)}, kept ${String(outcome.kept)}, rejected ${String(outcome.rejected)}`
              : `${container} ${String(env.RUN_DATE)}: published ${JSON.stringify(outcome.published)}`,
          );
          resolve({
            LastStatus: 'STOPPED',
            Containers: [{ Name: overrides?.Name ?? container, ExitCode: 0 }],
          });
          return;
        }
        // What ECS .sync reports for a container that exited non-zero, with the loader's reason
        const cause = {
          LastStatus: 'STOPPED',
          StoppedReason: 'Essential container in task exited',
          Containers: [
            {
              Name: overrides?.Name ?? container,
              ExitCode: code,
              Reason: `${String(outcome.error)}: ${String(outcome.message)}`,
            },
          ],
        };
        reject(new TaskError('States.TaskFailed', JSON.stringify(cause)));
      });
    });
}

const athenaInput = z.object({ QueryString: z.string() });
const unloadStatement =
  /^UNLOAD \(([\s\S]*)\) TO '([^']+)' WITH \(format = 'PARQUET', compression = 'ZSTD'\)$/;

/** Athena itself, for a lake in S3 (DuckDB here has no S3 access); the workgroup from ATHENA_WORKGROUP. */
function runQueryOnAthena(options: LocalExecutionOptions): TaskHandler {
  return async (input) => {
    const { QueryString } = athenaInput.parse(input);
    const engine = new AthenaQueryEngine(createAthenaClient(), {
      workgroup: process.env.ATHENA_WORKGROUP ?? 'primary',
      database: options.lake.catalog.database,
      outputLocation: options.lake.zones.athenaResults,
    });
    try {
      await engine.query(QueryString);
    } catch (error) {
      throw new TaskError('States.TaskFailed', `Athena query failed: ${(error as Error).message}`);
    }
    return { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
  };
}

/** Athena's UNLOAD, run by the local engine: the same SELECT, written as zstd Parquet. */
function runQueryLocally(options: LocalExecutionOptions): TaskHandler {
  if (options.lake.catalogKind === 'glue') return runQueryOnAthena(options);
  return async (input) => {
    const { QueryString } = athenaInput.parse(input);
    const unload = unloadStatement.exec(QueryString);
    if (!unload)
      throw new TaskError(
        'Athena.InvalidRequestException',
        `Only UNLOAD statements run locally: ${QueryString.slice(0, 200)}`,
      );
    const [, select, prefix] = unload as unknown as [string, string, string];
    await mkdir(prefix, { recursive: true });
    const engine = await LocalQueryEngine.open(options.lake.catalog);
    try {
      await engine.query(
        `COPY (${select}) TO ${sqlString(`${prefix}data.parquet`)} (FORMAT parquet, COMPRESSION zstd)`,
      );
    } catch (error) {
      throw new TaskError('States.TaskFailed', `Athena query failed: ${(error as Error).message}`);
    } finally {
      engine.close();
    }
    return { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
  };
}

/** Turns a thrown error into one whose name Step Functions would report for a Lambda. */
function lambda(task: (event: unknown) => unknown): TaskHandler {
  return async (input) => {
    try {
      return (await task(input)) as Json;
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      throw new TaskError(
        failure.name,
        JSON.stringify({ errorType: failure.name, errorMessage: failure.message }),
      );
    }
  };
}

/**
 * Runs the synthesized state machine definition with aws-local-stepfunctions, every Task
 * state mapped to the code that runs in AWS: the Lambda tasks, the loader container (as a
 * child process) and Athena (the local DuckDB engine). Refuses to run if a Task is not
 * mapped: an unmapped Task would call real AWS.
 */
export async function runLocalExecution(
  definition: StateMachineDefinition,
  input: Json,
  options: LocalExecutionOptions,
): Promise<LocalExecutionResult> {
  const { deps } = options;
  let plan: PipelinePlan | null = null;
  const handlers: Record<string, TaskHandler> = {
    [stateNames.parseArgs]: lambda((event) => {
      plan = parseArgsTask(event, deps);
      return plan;
    }),
    [stateNames.load]: runContainerTask('loader', options),
    [stateNames.runModelUseCase]: runContainerTask('priceModel', options),
    [stateNames.runSqlUseCase]: runQueryLocally(options),
    [stateNames.publishUseCase]: lambda((event) => publishUseCaseTask(event, deps)),
    [stateNames.summarize]: lambda((event) => summarizeTask(event, deps)),
    [stateNames.notifyFailure]: lambda((event) => notifyFailureTask(event, deps)),
  };
  for (const [name, handler] of Object.entries(options.handlerOverrides ?? {}))
    if (handler) handlers[name] = handler;
  const tasks = taskStates(definition);
  const unmapped = tasks.filter((name) => !(name in handlers));
  if (unmapped.length > 0) {
    throw new UnmappedTaskError(
      `No local handler for Task state(s) ${unmapped.join(', ')}: refusing to run, they would call real AWS. ` +
        'Map them in src/orchestrator/localStateMachine.ts.',
    );
  }
  const startTime = new Date().toISOString();
  const executionName = `local-${startTime.replace(/[-:.]/g, '')}`;
  const executionId = `arn:aws:states:local:000000000000:execution:listings-${deps.environment}:${executionName}`;
  const machine = new StateMachine(definition as never, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const execution = machine.run(input, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      retryIntervalOverrides: Object.fromEntries(tasks.map((name) => [name, 0])),
    },
    context: {
      Execution: { Id: executionId, Name: executionName, StartTime: startTime, Input: input },
      StateMachine: {
        Id: `arn:aws:states:local:000000000000:stateMachine:listings-${deps.environment}`,
        Name: `listings-${deps.environment}`,
      },
    },
  });
  const states: string[] = [];
  let caughtBy: string | null = null;
  let firstFailure: { name: string; message: string; state: string } | null = null;
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
      if (event.type === 'StateFailed' && firstFailure === null) {
        firstFailure = { name: event.Error, message: readableCause(event.Cause), state: event.state.name };
      }
      if (event.type === 'StateCaught') caughtBy = event.catch.catcher.Next;
    }
  })();
  try {
    const output = (await execution.result) as Json;
    await collecting;
    return { status: 'SUCCEEDED', executionId, states, output, error: null, caughtBy: null, plan };
  } catch (error) {
    await collecting.catch(() => {});
    return {
      status: 'FAILED',
      executionId,
      states,
      output: null,
      // The first failure is the cause; the execution's own error is the Fail state's.
      error: firstFailure ?? { ...executionError(error), state: null },
      caughtBy,
      plan,
    };
  }
}

/** The execution's error and cause, as `aws stepfunctions describe-execution` would show them. */
function executionError(error: unknown): { name: string; message: string } {
  const failure = error as { cause?: { name?: string; message?: string }; name?: string; message?: string };
  const inner = failure.cause ?? failure;
  return { name: inner.name ?? 'Error', message: inner.message ?? String(error) };
}
