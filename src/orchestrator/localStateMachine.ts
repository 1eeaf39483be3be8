import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import { StateMachine } from 'aws-local-stepfunctions';
import { z } from 'zod';
import type { StateMachineDefinition } from '../../lib/resolvedDefinition.ts';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { readableCause } from '../domain/notifications/notifications.ts';
import type { RunPlan } from '../domain/run/runArguments.ts';
import { progressMessage, type TaskProgress, taskProgressSchema } from '../domain/run/taskProgress.ts';
import { invokesLambda, lambdaOfState } from '../domain/stateMachine/lambdaStates.ts';
import { modelUseCaseStateName, stateNames } from '../domain/stateMachine/stateNames.ts';
import type { LambdaName } from '../domain/taskEnvironments/lambdaEnvironments.ts';
import { lambdaSettings } from '../domain/taskEnvironments/lambdaSettings.ts';
import { useCases } from '../domain/useCases/registry.ts';
import type { UseCase } from '../domain/useCases/useCase.ts';
import { notifyFailureTask } from '../lambdaTasks/notifyFailure.ts';
import { parseArgsTask } from '../lambdaTasks/parseArgs.ts';
import { planShardsTask } from '../lambdaTasks/planShards.ts';
import { recordFailureTask } from '../lambdaTasks/recordFailure.ts';
import { reviewLoadsTask } from '../lambdaTasks/reviewLoads.ts';
import { runSqlUseCaseTask } from '../lambdaTasks/runSqlUseCase.ts';
import { summarizeTask } from '../lambdaTasks/summarize.ts';
import { cancellationReason } from '../ports/taskCancellation.ts';
import type { LakeConnection } from '../runtime/lakeConnection.ts';
import { type LocalPipelinePorts, localContainerEnvironment } from '../runtime/localRuntime.ts';
import { cancellablePorts } from './cancellablePorts.ts';
import { allStates, taskStates } from './definitionStates.ts';
import { containerBundle } from './esbuildBundles.ts';
import { isValidatedDefinition } from './localDefinition.ts';
import { engineDefinition, type LocalTaskHandler, RunningTasks } from './runningTasks.ts';

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

/**
 * The timeout, in seconds, of the Lambda each Lambda Task state of the definition invokes, by
 * state: what AWS waits for such a state (it has no timeout of its own unless TimeoutSeconds
 * says so). Throws if the runner does not know a Lambda state's Lambda.
 */
export function lambdaTaskTimeouts(
  definition: Pick<StateMachineDefinition, 'States'>,
  overrides: Partial<Record<LambdaName, number>> = {},
): Record<string, number> {
  const timeouts: Record<string, number> = {};
  for (const [name, state] of allStates(definition)) {
    if (state.Type !== 'Task' || !invokesLambda(state.Resource)) continue;
    const lambda = lambdaOfState[name];
    if (!lambda)
      throw new UnmappedTaskError(
        `Task state ${name} invokes a Lambda the local runner does not know: name it in ` +
          'src/domain/stateMachine/lambdaStates.ts, so that it times out as in AWS.',
      );
    timeouts[name] = overrides[lambda] ?? lambdaSettings[lambda].timeoutSeconds;
  }
  return timeouts;
}

export interface LocalExecutionOptions {
  readonly lake: LakeConnection;
  /** The Lambda tasks' ports (see src/runtime/localRuntime.ts). */
  readonly ports: LocalPipelinePorts;
  /** Scratch space for the container jobs. */
  readonly workDir: string;
  readonly duckdbMemoryLimit: string;
  /** Replaces handlers (tests make a stage fail this way). */
  readonly handlerOverrides?: Partial<Record<string, LocalTaskHandler>>;
  /** The use cases the definition was built with; default: the registry's. */
  readonly useCases?: readonly UseCase[];
  /** Where running tasks report progress (the CLI's live lines). */
  readonly onProgress?: (progress: TaskProgress) => void;
  /** How often containers report it (default: every second); tests ask for more often. */
  readonly progressIntervalSeconds?: number;
  /** Aborting it aborts the execution (StopExecution): its running tasks are cancelled. */
  readonly signal?: AbortSignal;
  /** Replaces Lambdas' timeouts, in seconds (tests time a Lambda task out in seconds, not minutes). */
  readonly lambdaTimeoutSeconds?: Partial<Record<LambdaName, number>>;
}

export interface LocalExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly executionId: string;
  /** States entered, in order, by their names in the definition. */
  readonly states: readonly string[];
  /** Time spent in each state (summed over Map iterations), in the order first entered. */
  readonly stateDurations: readonly StateDuration[];
  readonly output: Json;
  readonly error: { readonly name: string; readonly message: string; readonly state: string | null } | null;
  /** The Catch target reached on failure. */
  readonly caughtBy: string | null;
  /** ParseArgs' result, when it got that far. */
  readonly plan: RunPlan | null;
  /** The execution this one started for the rest of its range, if any. */
  readonly nextPart: NextPart | null;
}

export interface StateDuration {
  readonly state: string;
  /** Times entered: once, or once per Map iteration. */
  readonly entered: number;
  /** Milliseconds from entering to leaving, summed over every entry (iterations may overlap). */
  readonly durationMs: number;
}

/** Durations per state from an execution's enter and exit events. */
class StateClock {
  private readonly durations = new Map<string, { entered: number; durationMs: number; open: number[] }>();

  entered(state: string, at: number): void {
    const entry = this.durations.get(state) ?? { entered: 0, durationMs: 0, open: [] };
    entry.entered++;
    entry.open.push(at);
    this.durations.set(state, entry);
  }

  left(state: string, at: number): void {
    const entry = this.durations.get(state);
    const since = entry?.open.shift();
    if (entry && since !== undefined) entry.durationMs += at - since;
  }

  list(): StateDuration[] {
    return [...this.durations].map(([state, { entered, durationMs }]) => ({ state, entered, durationMs }));
  }
}

/** An execution a finished one started: the rest of a range longer than one execution holds. */
export interface NextPart {
  readonly executionArn: string;
  readonly input: Json;
}

/** StartExecution's parameters as the definition passes them (`Input` is the next part's run input). */
const startExecutionInput = z.object({
  StateMachineArn: z.string(),
  Input: z.custom<Json>((v) => v !== undefined),
});

/** A local execution's ARN, shaped like Step Functions' (what `etl redrive` and the reports name). */
export function localExecutionArn(environment: string, startedAt: Date): string {
  const name = `local-${startedAt.toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
  return `arn:aws:states:local:000000000000:execution:listings-${environment}:${name}`;
}

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
function runContainerTask(container: string, options: LocalExecutionOptions): LocalTaskHandler {
  return async (input, { signal }) => {
    const overrides = ecsRunTaskInput.parse(input).Overrides.ContainerOverrides[0];
    const env = Object.fromEntries((overrides?.Environment ?? []).map((e) => [e.Name, e.Value]));
    const bundle = await containerBundle(container);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bundle], {
        env: {
          ...process.env,
          ...localContainerEnvironment(options.lake, {
            environment: options.ports.environment,
            workDir: options.workDir,
            duckdbMemoryLimit: options.duckdbMemoryLimit,
          }),
          ...(options.progressIntervalSeconds
            ? { PROGRESS_INTERVAL_SECONDS: String(options.progressIntervalSeconds) }
            : {}),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stop = stopWhenCancelled(child, signal, (reason) =>
        options.ports.log.warn(`${container} stopped: ${reason}`, { pid: child.pid ?? null }),
      );
      const task = taskLabel(container, env);
      let stdout = '';
      let stderr = '';
      let unread = 0; // offset in stderr (the log) of the first line not looked at yet
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      // The container's log, line by line: progress for the display, and its warnings (a
      // lease taken over, scratch left by killed runs, a day above its warn level) for the
      // person at the terminal, as CloudWatch would show them in AWS.
      const readLines = (upTo: number) => {
        for (const line of stderr.slice(unread, upTo).split('\n')) {
          const progress = options.onProgress ? progressOfLogLine(line, task) : undefined;
          if (progress) options.onProgress?.(progress);
          const warning = warningOfLogLine(line);
          if (warning) options.ports.log.warn(`[${task}] ${warning.message}`, warning.fields);
        }
        unread = upTo + 1;
      };
      child.stderr.on('data', (d) => {
        stderr += d;
        const end = stderr.lastIndexOf('\n');
        if (end >= unread) readLines(end);
      });
      child.on('error', reject);
      const taskArn = `arn:aws:ecs:local:000000000000:task/listings-local/${randomUUID().replace(/-/g, '')}`;
      child.on('close', (code, exitSignal) => {
        stop();
        if (unread < stderr.length) readLines(stderr.length);
        const last = stdout.trim().split('\n').at(-1) ?? '';
        let outcome: Record<string, unknown> = {};
        try {
          outcome = JSON.parse(last) as Record<string, unknown>;
        } catch {
          outcome = {};
        }
        const { peakRssBytes } = outcome;
        options.onProgress?.({
          task,
          stage: 'done',
          elapsedMs: 0,
          ...(typeof peakRssBytes === 'number' ? { peakRssBytes } : {}),
        });
        if (code === 0) {
          options.ports.log.info(doneMessage(container, env, outcome));
          resolve({
            TaskArn: taskArn,
            LastStatus: 'STOPPED',
            StopCode: 'EssentialContainerExited',
            StoppedReason: 'Essential container in task exited',
            Containers: [
              { Name: overrides?.Name ?? container, TaskArn: taskArn, LastStatus: 'STOPPED', ExitCode: 0 },
            ],
          });
          return;
        }
        // Its last words, for the person at the terminal (in AWS: the task's log stream).
        options.ports.log.warn(`${container} exited ${code ?? exitSignal}`, {
          ...(typeof outcome.error === 'string' ? { error: outcome.error } : {}),
          stderr: stderr.trim().split('\n').slice(-5).join('\n'),
        });
        // What ECS .sync gives Step Functions for a container that exited non-zero: the stopped
        // task's description, with the exit code and no word of why (the container's own
        // error is in its failure report in the lake, as in AWS). A kill shows as 128 + signal.
        const cause = {
          TaskArn: taskArn,
          LastStatus: 'STOPPED',
          StopCode: 'EssentialContainerExited',
          StoppedReason: 'Essential container in task exited',
          Containers: [
            {
              Name: overrides?.Name ?? container,
              TaskArn: taskArn,
              LastStatus: 'STOPPED',
              ExitCode: code ?? 128 + (exitSignal ? (osConstants.signals[exitSignal] ?? 0) : 0),
            },
          ],
        };
        reject(new TaskError('States.TaskFailed', JSON.stringify(cause)));
      });
    });
  };
}

/** What a person sees a container task called: the source and day (and shard) or the use case and day. */
function taskLabel(container: string, env: Readonly<Record<string, string>>): string {
  if (container !== 'loader') return `${container} ${env.RUN_DATE}`;
  const step = env.LOAD_STEP ?? 'day';
  return `${env.SOURCE} ${env.RUN_DATE}${step === 'day' ? '' : ` ${step}`}`;
}

/** The line a finished container task leaves for the person at the terminal. */
function doneMessage(
  container: string,
  env: Readonly<Record<string, string>>,
  outcome: Record<string, unknown>,
): string {
  if (container !== 'loader')
    return `${container} ${String(env.RUN_DATE)}: published ${JSON.stringify(outcome.published)}`;
  if (env.LOAD_STEP?.startsWith('shard-')) {
    const objects = Number(outcome.objects);
    return `checked ${taskLabel(container, env)}: ${String(outcome.records)} records of ${objects} object${objects === 1 ? '' : 's'}`;
  }
  const counts = `read ${String(outcome.read)}, kept ${String(outcome.kept)}, rejected ${String(outcome.rejected)}`;
  if (env.LOAD_STEP?.startsWith('merge-')) return `merged ${taskLabel(container, env)}: ${counts}`;
  return `loaded ${taskLabel(container, env)}: ${counts}`;
}

/**
 * What ECS does to a task whose .sync state timed out or whose execution stopped (StopTask):
 * SIGTERM, then SIGKILL if the container has not exited 30 s later. Returns the clean-up for
 * when the process has exited.
 */
function stopWhenCancelled(
  child: ChildProcess,
  signal: AbortSignal,
  onStop: (reason: string) => void,
): () => void {
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    onStop(cancellationReason(signal));
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), ecsStopTimeoutMs);
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  return () => {
    signal.removeEventListener('abort', stop);
    clearTimeout(killTimer);
  };
}

/** ECS's default stop timeout: how long a stopped container has between SIGTERM and SIGKILL. */
const ecsStopTimeoutMs = 30_000;

/** A container's `progress` log line (jobs/progressTicker.ts) as a task's progress; undefined for other lines. */
function progressOfLogLine(line: string, task: string): TaskProgress | undefined {
  if (!line.includes(`"${progressMessage}"`)) return undefined;
  try {
    const fields = JSON.parse(line) as Record<string, unknown>;
    if (fields.message !== progressMessage) return undefined;
    const parsed = taskProgressSchema.safeParse({ ...fields, task });
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Fields every container log line carries, which the person at the terminal already knows. */
const contextFields = new Set([
  'level',
  'message',
  'time',
  'runId',
  'component',
  'environment',
  'source',
  'dt',
]);

/** A container's warning log line as a message and its own fields; undefined for other lines. */
function warningOfLogLine(line: string): { message: string; fields: Record<string, unknown> } | undefined {
  if (!line.includes('"warn"')) return undefined;
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed.level !== 'warn' || typeof parsed.message !== 'string') return undefined;
    return {
      message: parsed.message,
      fields: Object.fromEntries(Object.entries(parsed).filter(([key]) => !contextFields.has(key))),
    };
  } catch {
    return undefined;
  }
}

/**
 * A Lambda task run in-process with the ports of a local run; a thrown error becomes one whose
 * name Step Functions would report for a Lambda. In AWS a Lambda the state no longer waits for
 * runs on until its own timeout, its result discarded; here its ports carry the cancellation:
 * its query is stopped and any partition switch it attempts after it is refused
 * (TaskCancelledError), so a late publish cannot race a re-run.
 */
function lambdaOf(ports: LocalPipelinePorts) {
  return (task: (event: unknown, ports: LocalPipelinePorts) => unknown): LocalTaskHandler =>
    async (input, { signal }) => {
      try {
        return (await task(input, cancellablePorts(ports, signal))) as Json;
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
 * The handler of every Task state of the definition: the Lambda tasks' code with local ports,
 * the containers as child processes (one per model use case, from the use cases the definition
 * was built with). Throws UnmappedTaskError if a Task has none: it would call real AWS.
 */
export function localTaskHandlers(
  definition: Pick<StateMachineDefinition, 'States'>,
  options: LocalExecutionOptions,
  onPlan: (plan: RunPlan) => void = () => {},
  onNextPart: (part: NextPart) => void = () => {},
): Record<string, LocalTaskHandler> {
  const { ports } = options;
  const lambda = lambdaOf(ports);
  const handlers: Record<string, LocalTaskHandler> = {
    [stateNames.parseArgs]: lambda((event, taskPorts) => {
      const plan = parseArgsTask(event, taskPorts);
      onPlan(plan);
      return plan;
    }),
    [stateNames.planShards]: lambda((event, taskPorts) => planShardsTask(event, taskPorts)),
    [stateNames.load]: runContainerTask('loader', options),
    [stateNames.checkShard]: runContainerTask('loader', options),
    [stateNames.mergeShard]: runContainerTask('loader', options),
    [stateNames.publishShards]: runContainerTask('loader', options),
    [stateNames.recordLoadFailure]: lambda((event, taskPorts) => recordFailureTask(event, taskPorts)),
    [stateNames.reviewLoads]: lambda((event, taskPorts) => reviewLoadsTask(event, taskPorts)),
    [stateNames.runSqlUseCase]: lambda((event, taskPorts) => runSqlUseCaseTask(event, taskPorts)),
    [stateNames.recordUseCaseFailure]: lambda((event, taskPorts) => recordFailureTask(event, taskPorts)),
    [stateNames.summarize]: lambda((event, taskPorts) => summarizeTask(event, taskPorts)),
    [stateNames.startNextPart]: async (input) => {
      // StartExecution (no .sync) answers at once with the new execution's ARN; the next part
      // runs when this one has ended (see runLocalExecutions), as it would beside it in AWS.
      const executionArn = localExecutionArn(ports.environment, new Date());
      onNextPart({ executionArn, input: startExecutionInput.parse(input).Input });
      return { ExecutionArn: executionArn, StartDate: new Date().toISOString() };
    },
    [stateNames.notifyFailure]: lambda((event, taskPorts) => notifyFailureTask(event, taskPorts)),
    ...Object.fromEntries(
      (options.useCases ?? useCases)
        .filter((useCase) => useCase.kind === 'model')
        .map((useCase) => [modelUseCaseStateName(useCase), runContainerTask(useCase.container, options)]),
    ),
  };
  for (const [name, handler] of Object.entries(options.handlerOverrides ?? {}))
    if (handler) handlers[name] = handler;
  const unmapped = taskStates(definition).filter((name) => !(name in handlers));
  if (unmapped.length > 0) {
    throw new UnmappedTaskError(
      `No local handler for Task state(s) ${unmapped.join(', ')}: refusing to run, they would call real AWS. ` +
        'Map them in src/orchestrator/localStateMachine.ts.',
    );
  }
  return handlers;
}

/**
 * Runs the synthesized state machine definition with aws-local-stepfunctions, every Task
 * state mapped to the code that runs in AWS (see {@link localTaskHandlers}). Refuses to run if
 * a Task is not mapped: an unmapped Task would call real AWS.
 */
export async function runLocalExecution(
  definition: StateMachineDefinition,
  input: Json,
  options: LocalExecutionOptions,
  executionArn: string = localExecutionArn(options.ports.environment, new Date()),
): Promise<LocalExecutionResult> {
  const { ports } = options;
  let plan: RunPlan | null = null;
  let nextPart: NextPart | null = null;
  const handlers = localTaskHandlers(
    definition,
    options,
    (planned) => {
      plan = planned;
    },
    (part) => {
      nextPart = part;
    },
  );
  // Each task with its own cancellation, aborted when AWS would give up on it: its state's
  // TimeoutSeconds, its Lambda's timeout, its Map failing, the execution ending.
  const lambdaTimeouts = lambdaTaskTimeouts(definition, options.lambdaTimeoutSeconds);
  const running = new RunningTasks(definition, lambdaTimeouts, (state, reason, error) => {
    const failure = error as { name?: string; message?: string } | undefined;
    ports.log.warn(`${state} ended after its cancellation; its result was discarded`, {
      reason,
      ...(failure ? { error: failure.name ?? 'Error', cause: readableCause(failure.message ?? '') } : {}),
    });
  });
  const engineHandlers = Object.fromEntries(
    Object.entries(handlers).map(([state, handler]) => [state, running.track(state, handler)]),
  );
  const startTime = new Date().toISOString();
  const executionId = executionArn;
  const executionName = executionArn.split(':').at(-1) as string;
  // The engine's 60 s default for a Task without TimeoutSeconds lifted: AWS has none.
  const machine = new StateMachine(engineDefinition(definition) as never, {
    // A synthesized definition was validated when it was cached; validating costs ~0.25 s a run.
    validationOptions: isValidatedDefinition(definition)
      ? { noValidate: true }
      : { checkArn: true, checkPaths: true },
  });
  const execution = machine.run(input, {
    overrides: {
      taskResourceLocalHandlers: engineHandlers,
      retryIntervalOverrides: Object.fromEntries(taskStates(definition).map((name) => [name, 0])),
    },
    context: {
      Execution: { Id: executionId, Name: executionName, StartTime: startTime, Input: input },
      StateMachine: {
        Id: `arn:aws:states:local:000000000000:stateMachine:listings-${ports.environment}`,
        Name: `listings-${ports.environment}`,
      },
    },
  });
  // StopExecution: the engine rejects the result with ExecutionAbortedError.
  const stopExecution = () => execution.abort();
  if (options.signal?.aborted) stopExecution();
  else options.signal?.addEventListener('abort', stopExecution, { once: true });
  const states: string[] = [];
  const clock = new StateClock();
  const useCaseStates = new Set<string>([
    stateNames.runSqlUseCase,
    ...(options.useCases ?? useCases).filter((u) => u.kind === 'model').map(modelUseCaseStateName),
  ]);
  const useCasesDone = { done: 0, startedAt: 0 };
  let caughtBy: string | null = null;
  let firstFailure: { name: string; message: string; state: string } | null = null;
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') {
        states.push(event.state.name);
        clock.entered(event.state.name, event.timestamp);
        if (useCaseStates.has(event.state.name) && useCasesDone.startedAt === 0)
          useCasesDone.startedAt = event.timestamp;
      }
      // A failed Map (or Parallel) aborts its other iterations: their running tasks are
      // abandoned, as AWS stops the iterations of a Map state that failed.
      if (event.type === 'StateFailed' && (event.state.type === 'Map' || event.state.type === 'Parallel')) {
        const inside = running.tasksInside(event.state.name);
        if (inside) running.cancel(`${event.state.name} failed (${event.Error})`, inside);
      }
      if (event.type === 'StateExited' || event.type === 'StateFailed') {
        clock.left(event.state.name, event.timestamp);
        const planned = plan as RunPlan | null;
        if (useCaseStates.has(event.state.name) && planned) {
          options.onProgress?.({
            task: 'use cases',
            stage: 'use cases',
            done: ++useCasesDone.done,
            total: planned.dates.length * planned.useCases.length,
            elapsedMs: event.timestamp - useCasesDone.startedAt,
          });
        }
      }
      // A failed day's task is caught in its iteration (RecordLoadFailure, RecordUseCaseFailure):
      // not the execution's failure. A step of the whole run failing is.
      if (event.type === 'StateFailed' && firstFailure === null && runSteps.has(event.state.name)) {
        firstFailure = { name: event.Error, message: readableCause(event.Cause), state: event.state.name };
      }
      if (event.type === 'StateCaught' && runSteps.has(event.state.name)) caughtBy = event.catch.catcher.Next;
    }
  })();
  // Whatever the outcome, no task of the execution outlives it: cancel what still runs, wait
  // for it to stop.
  const endTasks = async () => {
    options.signal?.removeEventListener('abort', stopExecution);
    running.cancel('the execution ended');
    const left = await running.settle();
    if (left.length > 0) {
      ports.log.warn('tasks of the execution did not stop after their cancellation', {
        executionId,
        states: left,
      });
    }
  };
  try {
    const output = (await execution.result) as Json;
    await collecting;
    await endTasks();
    options.onProgress?.({ task: 'use cases', stage: 'done', elapsedMs: 0 });
    return {
      status: 'SUCCEEDED',
      executionId,
      states,
      stateDurations: clock.list(),
      output,
      error: null,
      caughtBy: null,
      plan,
      nextPart,
    };
  } catch (error) {
    await collecting.catch(() => {});
    await endTasks();
    options.onProgress?.({ task: 'use cases', stage: 'done', elapsedMs: 0 });
    return {
      status: 'FAILED',
      executionId,
      states,
      stateDurations: clock.list(),
      output: null,
      // The first failure is the cause; the execution's own error is the Fail state's.
      error: firstFailure ?? { ...executionError(error), state: null },
      caughtBy,
      plan,
      nextPart,
    };
  }
}

/** The steps of the whole run, whose failure NotifyFailure reports (a day's task failure is caught per day). */
const runSteps = new Set<string>([
  stateNames.parseArgs,
  stateNames.loadPartitions,
  stateNames.reviewLoads,
  stateNames.runUseCases,
  stateNames.summarize,
  stateNames.startNextPart,
]);

/** The execution's error and cause, as `aws stepfunctions describe-execution` would show them. */
function executionError(error: unknown): { name: string; message: string } {
  const failure = error as { cause?: { name?: string; message?: string }; name?: string; message?: string };
  const inner = failure.cause ?? failure;
  return { name: inner.name ?? 'Error', message: inner.message ?? String(error) };
}
