import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveDefinition, type StateMachineDefinition } from '../../lib/resolvedDefinition.ts';
import { synthesizedDefinition } from '../../lib/synthesizedDefinition.ts';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { OutboxNotifier } from '../../src/adapters/local/outboxNotifier.ts';
import { stateNames } from '../../src/domain/stateMachine/stateNames.ts';
import { useCases } from '../../src/domain/useCases/registry.ts';
import { taskStates } from '../../src/orchestrator/definitionStates.ts';
import { localTaskHandlers } from '../../src/orchestrator/localStateMachine.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { localPipelinePorts } from '../../src/runtime/localRuntime.ts';
import { secondModelUseCase } from './support/exampleUseCases.ts';
import { logicalIdOf, type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

/**
 * A second model use case is a job, an entrypoint and a registry entry: everything else — its
 * Fargate task, its branch of the state machine, its grants, its cdk-nag acknowledgements and
 * its local handler — follows from the registry entry.
 */
const withSecondModel = [...useCases, secondModelUseCase];

let pipeline: SynthesizedPipeline;
let definition: StateMachineDefinition;
beforeAll(() => {
  pipeline = synthesizePipeline({ environments: ['dev'], useCases: withSecondModel, asTheCliDoes: true });
  definition = resolveDefinition(synthesizedDefinition('dev', { useCases: withSecondModel }));
});

describe('a second model use case, registered', () => {
  it('gets its own Fargate task, built from its container folder', () => {
    const stack = pipeline.stack('dev');
    const task = stack.modelTask('rent_model');
    expect(task).not.toBe(stack.modelTask('price_model'));
    const resource = pipeline.template('dev').findResources('AWS::ECS::TaskDefinition')[
      logicalIdOf(stack, task.taskDefinition)
    ];
    const [container] = (resource?.Properties.ContainerDefinitions ?? []) as {
      Name: string;
      Environment: unknown[];
    }[];
    expect(container?.Name).toBe('rentModel');
    expect(task.environment.WORK_DIR).toBe('/tmp/rentModel');
  });

  it('gets its own branch in the synthesized definition, running its own task', () => {
    const inner =
      definition.States[stateNames.runUseCases]?.ItemProcessor?.States[stateNames.runUseCasesOfDay]
        ?.ItemProcessor?.States;
    expect(inner?.[stateNames.chooseUseCase]?.Choices).toContainEqual({
      Variable: '$.useCase',
      StringEquals: 'rent_model',
      Next: 'RunRentModel',
    });
    const state = inner?.RunRentModel as unknown as {
      Resource: string;
      Parameters: { TaskDefinition: string };
    };
    expect(state.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    expect(state.Parameters.TaskDefinition).toContain('RentModelTaskDefinition');
  });

  it('passes cdk-nag with its task acknowledged like the others', () => {
    const report = new AwsSolutionsChecks().validateScope(pipeline.app);
    expect(
      report.violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
      ),
    ).toEqual([]);
  });

  it('has a local handler, so the local runner accepts the definition', () => {
    const lake = connectLake('/tmp/never-written-lake');
    const options = {
      lake,
      ports: localPipelinePorts(lake, {
        environment: 'test',
        timeZone: 'Europe/Zurich',
        notifier: new OutboxNotifier(lake.blobs, lake.root, silentLogger),
        rerunCommand: () => 'etl run',
        redriveCommand: () => 'etl redrive',
        log: silentLogger,
      }),
      workDir: '/tmp/never-written-work',
      duckdbMemoryLimit: '512MB',
    };
    expect(taskStates(definition)).toContain('RunRentModel');
    expect(() => localTaskHandlers(definition, options)).toThrow(/RunRentModel/);
    const handlers = localTaskHandlers(definition, { ...options, useCases: withSecondModel });
    expect(Object.keys(handlers)).toEqual(expect.arrayContaining(taskStates(definition)));
  });
});
