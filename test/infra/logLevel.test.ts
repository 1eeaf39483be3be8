import { beforeAll, describe, expect, it } from 'vitest';
import { type EnvironmentName, environmentNames } from '../../lib/config/environments.ts';
import { type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  pipeline = synthesizePipeline();
});

type Resource = { Properties: Record<string, unknown> };

const expected: Readonly<Record<EnvironmentName, { variable: string; lambda: string }>> = {
  dev: { variable: 'debug', lambda: 'DEBUG' },
  preprod: { variable: 'info', lambda: 'INFO' },
  prod: { variable: 'info', lambda: 'INFO' },
};

/** The log level each task is deployed with, read from the synthesized templates. */
describe.each(environmentNames)('the log level in %s', (environment) => {
  const resources = (type: string): Resource[] =>
    Object.values(pipeline.template(environment).findResources(type)) as Resource[];

  it("every Lambda gets LOG_LEVEL and Lambda's own filter at the environment's level", () => {
    const functions = resources('AWS::Lambda::Function').filter(
      (fn) => (fn.Properties.Environment as { Variables?: object } | undefined)?.Variables,
    );
    expect(functions.length).toBeGreaterThanOrEqual(pipeline.stack(environment).functions.all.length);
    for (const fn of functions) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.LOG_LEVEL).toBe(expected[environment].variable);
      expect(fn.Properties.LoggingConfig).toMatchObject({
        LogFormat: 'JSON',
        ApplicationLogLevel: expected[environment].lambda,
      });
    }
  });

  it("every container gets LOG_LEVEL at the environment's level", () => {
    const containers = resources('AWS::ECS::TaskDefinition').flatMap(
      (task) => task.Properties.ContainerDefinitions as { Environment: { Name: string; Value: string }[] }[],
    );
    expect(containers.length).toBeGreaterThanOrEqual(2);
    for (const container of containers) {
      expect(container.Environment).toContainEqual({
        Name: 'LOG_LEVEL',
        Value: expected[environment].variable,
      });
    }
  });

  it('writes no debug line anywhere in prod', () => {
    if (environment !== 'prod') return;
    const template = JSON.stringify(pipeline.template(environment).toJSON());
    expect(template).not.toMatch(
      /"LOG_LEVEL","Value":"debug"|"LOG_LEVEL":"debug"|"ApplicationLogLevel":"DEBUG"/,
    );
  });
});
