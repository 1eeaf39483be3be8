import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { type EnvironmentName, environmentNames } from '../../../lib/config/environments.ts';
import { createListingsApp } from '../../../lib/listingsApp.ts';
import type { ListingsPipelineStack } from '../../../lib/listingsPipelineStack.ts';
import type { UseCase } from '../../../src/domain/useCases/useCase.ts';

export interface SynthesizedPipeline {
  readonly app: App;
  readonly assembly: CloudAssembly;
  readonly stacks: ReadonlyMap<EnvironmentName, ListingsPipelineStack>;
  readonly templates: ReadonlyMap<EnvironmentName, Template>;
  stack(environment: EnvironmentName): ListingsPipelineStack;
  template(environment: EnvironmentName): Template;
}

export interface SynthesizeOptions {
  readonly environments?: readonly EnvironmentName[];
  /** Bundle the Lambdas with esbuild (slower); off by default: the templates do not depend on it. */
  readonly bundle?: boolean;
  /** cdk-nag and CDK's CloudFormation validation, as `cdk synth` runs them (slower); off by default. */
  readonly asTheCliDoes?: boolean;
  /** The use cases to deploy (default: the registry's). */
  readonly useCases?: readonly UseCase[];
}

/**
 * Synthesizes the app once (call it in `beforeAll`): every template of the file comes from the
 * same assembly. No deploy-time settings from the environment: placeholders, as on any machine.
 */
export function synthesizePipeline(options: SynthesizeOptions = {}): SynthesizedPipeline {
  const { app, stacks } = createListingsApp({
    environments: options.environments ?? environmentNames,
    env: {},
    nag: options.asTheCliDoes ?? false,
    templateValidation: options.asTheCliDoes ?? false,
    ...(options.useCases ? { useCases: options.useCases } : {}),
    ...(options.bundle ? {} : { context: { 'aws:cdk:bundling-stacks': [] } }),
  });
  const assembly = app.synth();
  const templates = new Map<EnvironmentName, Template>();
  for (const [environment, stack] of stacks) {
    templates.set(environment, Template.fromJSON(assembly.getStackByName(stack.stackName).template));
  }
  const pick = <T>(map: ReadonlyMap<EnvironmentName, T>, environment: EnvironmentName): T => {
    const value = map.get(environment);
    if (value === undefined) throw new Error(`${environment} was not synthesized`);
    return value;
  };
  return {
    app,
    assembly,
    stacks,
    templates,
    stack: (environment) => pick(stacks, environment),
    template: (environment) => pick(templates, environment),
  };
}

/** The logical id of a construct's CloudFormation resource (what `Ref`/`Fn::GetAtt` name). */
export function logicalIdOf(
  stack: ListingsPipelineStack,
  construct: { node: { defaultChild?: unknown } },
): string {
  const child = construct.node.defaultChild;
  if (!child || typeof child !== 'object') throw new Error('construct has no CloudFormation resource');
  return stack.getLogicalId(child as Parameters<ListingsPipelineStack['getLogicalId']>[0]);
}
