import { CfnResource, Token } from 'aws-cdk-lib';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { InternalError } from '../src/domain/errors/pipelineError.ts';
import type { UseCase } from '../src/domain/useCases/useCase.ts';
import type { EnvironmentName } from './config/environments.ts';
import { createListingsApp } from './listingsApp.ts';

/**
 * The state machine definition exactly as CloudFormation receives it, for the local
 * orchestrator and the tests: the same definition runs in AWS and on a laptop.
 */
export interface SynthesizedDefinition {
  readonly environment: EnvironmentName;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /**
   * The template's `DefinitionString`: usually `{ "Fn::Join": ["", [...]] }` whose parts are
   * strings and `Ref` / `Fn::GetAtt` tokens of the stack's resources.
   */
  readonly definitionString: unknown;
  /** CloudFormation type of every resource in the stack, by logical id (to resolve tokens). */
  readonly resourceTypes: Readonly<Record<string, string>>;
}

export interface SynthesizedDefinitionOptions {
  /**
   * Deploy-time settings (LISTINGS_<ENV>_ACCOUNT, ...). Default: none, so the placeholder
   * account: the definition is the same whoever builds it.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The use cases to deploy; default: the registry's. */
  readonly useCases?: readonly UseCase[];
}

/**
 * Builds one environment's stack in-process and returns its state machine's definition.
 * Fast (about a second after imports): no Lambda bundling, no asset staging, no cdk-nag, no
 * synthesis to disk; the definition is resolved from the construct tree, the same way the
 * template's `DefinitionString` is.
 */
export function synthesizedDefinition(
  environment: EnvironmentName = 'dev',
  options: SynthesizedDefinitionOptions = {},
): SynthesizedDefinition {
  const { stacks } = createListingsApp({
    environments: [environment],
    env: options.env ?? {},
    nag: false,
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true },
    ...(options.useCases ? { useCases: options.useCases } : {}),
  });
  const stack = stacks.get(environment);
  if (!stack) throw new InternalError(`No stack for ${environment}`);
  const cfnStateMachine = stack.pipeline.stateMachine.node.defaultChild;
  if (!(cfnStateMachine instanceof CfnStateMachine))
    throw new InternalError('The state machine has no CfnStateMachine');
  const resourceTypes: Record<string, string> = {};
  for (const construct of stack.node.findAll()) {
    if (CfnResource.isCfnResource(construct))
      resourceTypes[stack.getLogicalId(construct)] = construct.cfnResourceType;
  }
  return {
    environment,
    stackName: stack.stackName,
    account: stack.account,
    region: stack.region,
    // A token unless partition literals are on (cdk.json); the local runner needs a string.
    partition: Token.isUnresolved(stack.partition) ? 'aws' : stack.partition,
    definitionString: stack.resolve(cfnStateMachine.definitionString),
    resourceTypes,
  };
}
