import { beforeAll, describe, expect, it } from 'vitest';
import { environmentNames } from '../../lib/config/environments.ts';
import {
  type AslState,
  resolveDefinition,
  type StateMachineDefinition,
} from '../../lib/resolvedDefinition.ts';
import { synthesizedDefinition } from '../../lib/synthesizedDefinition.ts';
import { invokesLambda } from '../../src/domain/stateMachine/lambdaStates.ts';
import { lambdaSettings } from '../../src/domain/taskEnvironments/lambdaSettings.ts';
import { lambdaTaskTimeouts } from '../../src/orchestrator/localStateMachine.ts';
import { lambdaTimeoutErrorName } from '../../src/orchestrator/runningTasks.ts';
import { type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

/**
 * In AWS a Lambda Task state without TimeoutSeconds waits for its Lambda, which Lambda stops at
 * the function's Timeout; the local runner gives the state that timeout from the same definition
 * (src/domain/taskEnvironments/lambdaSettings.ts). These hold the local timeouts against what
 * the stack deploys.
 */
let pipeline: SynthesizedPipeline;

beforeAll(() => {
  pipeline = synthesizePipeline();
});

/** Every Lambda Task state (Map bodies included), by name. */
function lambdaStates(machine: Pick<StateMachineDefinition, 'States'>): Record<string, AslState> {
  const found: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type === 'Task' && invokesLambda(state.Resource)) found[name] = state;
    for (const body of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])])
      if (body) Object.assign(found, lambdaStates(body));
  }
  return found;
}

/** The deployed Timeout (seconds) of the Lambda function a resolved Resource ARN names. */
function deployedTimeout(environment: (typeof environmentNames)[number], resource: unknown): number {
  const logicalId = String(resource).split(':function:')[1] ?? '';
  const function_ = pipeline.template(environment).toJSON().Resources[logicalId] as
    | { Type: string; Properties: { Timeout?: number } }
    | undefined;
  expect(function_?.Type, `${String(resource)} is a Lambda function of the stack`).toBe(
    'AWS::Lambda::Function',
  );
  // CloudFormation's default when the property is absent
  return function_?.Properties.Timeout ?? 3;
}

describe.each(environmentNames)('Lambda task timeouts of %s', (environment) => {
  let definition: StateMachineDefinition;
  let states: Record<string, AslState>;
  beforeAll(() => {
    definition = resolveDefinition(synthesizedDefinition(environment));
    states = lambdaStates(definition);
  });

  it("each Lambda Task state's local timeout is its deployed Lambda's Timeout", () => {
    const local = lambdaTaskTimeouts(definition);
    expect(Object.keys(local).sort()).toEqual(Object.keys(states).sort());
    expect(Object.keys(states).length).toBeGreaterThanOrEqual(5);
    const deployed = Object.fromEntries(
      Object.entries(states).map(([name, state]) => [name, deployedTimeout(environment, state.Resource)]),
    );
    expect(local).toEqual(deployed);
  });

  it('every Lambda of the stack is deployed with the size and timeout of its one definition', () => {
    const stack = pipeline.stack(environment);
    const template = pipeline.template(environment).toJSON();
    const functions = stack.functions;
    for (const [name, settings] of Object.entries(lambdaSettings)) {
      const handler = functions[name as keyof typeof lambdaSettings];
      const logicalId = stack.getLogicalId(handler.function.node.defaultChild as never);
      expect(template.Resources[logicalId].Properties, name).toMatchObject({
        MemorySize: settings.memorySize,
        Timeout: settings.timeoutSeconds,
      });
    }
  });

  it("no Lambda Task state's TimeoutSeconds is shorter than its Lambda's timeout (the Lambda would run on and could publish late)", () => {
    const shorter = Object.entries(states)
      .filter(
        ([, state]) =>
          state.TimeoutSeconds !== undefined &&
          Number(state.TimeoutSeconds) < deployedTimeout(environment, state.Resource),
      )
      .map(([name, state]) => `${name}: ${String(state.TimeoutSeconds)} s`);
    expect(shorter).toEqual([]);
    expect(Object.values(states).some((state) => state.TimeoutSecondsPath !== undefined)).toBe(false);
  });

  it('a Lambda timeout is retried by no Lambda state, whichever name AWS gives it (so the local name changes only the message)', () => {
    // The Step Functions guide names Lambda.Unknown; Lambda itself reports Sandbox.Timedout.
    const timeoutNames = new Set([
      lambdaTimeoutErrorName,
      'Sandbox.Timedout',
      'States.TaskFailed',
      'States.ALL',
    ]);
    const retried = Object.entries(states).flatMap(([name, state]) =>
      (state.Retry ?? []).flatMap((retry) =>
        retry.ErrorEquals.filter((error) => timeoutNames.has(error)).map((error) => `${name}: ${error}`),
      ),
    );
    expect(retried).toEqual([]);
  });
});
