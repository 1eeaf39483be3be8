/**
 * The command line finds a deployed environment by its stack's name and outputs
 * (src/domain/deployment/pipelineStack.ts): the stacks the app synthesizes must carry exactly
 * those names, or `etl … --env` would look for what is not there.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  environmentNames,
  stackNameOf,
  stackOutputNames,
} from '../../src/domain/deployment/pipelineStack.ts';
import { type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

describe('the stack as the command line finds it', () => {
  let pipeline: SynthesizedPipeline;
  beforeAll(() => {
    pipeline = synthesizePipeline();
  });

  it.each(environmentNames)('%s is deployed under the stack name the CLI resolves', (environment) => {
    expect(pipeline.stack(environment).stackName).toBe(stackNameOf(environment));
  });

  it.each(environmentNames)('%s declares exactly the outputs the CLI reads', (environment) => {
    const outputs = Object.keys(pipeline.template(environment).toJSON().Outputs ?? {});
    expect(outputs.sort()).toEqual(Object.values(stackOutputNames).sort());
  });
});
