import { type CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import {
  type EnvironmentName,
  type StackOutput,
  stackNameOf,
  stackOutputNames,
} from '../../domain/deployment/pipelineStack.ts';
import { PipelineError } from '../../domain/errors/pipelineError.ts';
import { type LakeZones, zonesOfBuckets } from '../../domain/lake/lakeLayout.ts';

/** `--env E` names an environment whose stack is not in this account and region. */
export class EnvironmentNotDeployedError extends PipelineError {
  override readonly name = 'EnvironmentNotDeployedError';
}

/** The environment's stack is there but lacks an output the command needs (an older or half deploy). */
export class StackOutputMissingError extends PipelineError {
  override readonly name = 'StackOutputMissingError';
}

/** What the command line needs of a deployed environment, from its stack's outputs. */
export interface DeployedEnvironment {
  readonly name: EnvironmentName;
  readonly stackName: string;
  readonly region: string;
  readonly stateMachineArn: string;
  readonly glueDatabase: string;
  readonly athenaWorkgroup: string;
  readonly zones: LakeZones;
}

const deployHint = (environment: EnvironmentName): string =>
  `deploy the stack first: npx cdk deploy ${stackNameOf(environment)} (docs/deploy.md)`;

/**
 * Finds a deployed environment by its stack (DescribeStacks), in the region and account of the
 * standard AWS environment the client was made from.
 */
export async function resolveEnvironment(
  cloudFormation: CloudFormationClient,
  environment: EnvironmentName,
): Promise<DeployedEnvironment> {
  const stackName = stackNameOf(environment);
  const region = await regionOf(cloudFormation);
  let stack: Stack | undefined;
  try {
    stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    // CloudFormation answers a missing stack with a ValidationError "Stack with id … does not exist".
    if (error instanceof Error && /does not exist/.test(error.message)) stack = undefined;
    else throw error;
  }
  if (!stack || stack.StackStatus === 'DELETE_COMPLETE') {
    throw new EnvironmentNotDeployedError(
      `The ${environment} environment has no stack ${stackName} in ${region}: ${deployHint(environment)}; ` +
        "or is AWS_REGION (or the profile's region) right, and are these the credentials of its account?",
    );
  }
  const outputs = new Map((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const output = (name: StackOutput): string => {
    const value = outputs.get(stackOutputNames[name]);
    if (!value) {
      throw new StackOutputMissingError(
        `The stack ${stackName} in ${region} has no output ${stackOutputNames[name]} ` +
          `(status ${stack?.StackStatus ?? 'unknown'}): ${deployHint(environment)} with this version of the code.`,
      );
    }
    return value;
  };
  return {
    name: environment,
    stackName,
    region,
    stateMachineArn: output('stateMachineArn'),
    glueDatabase: output('glueDatabase'),
    athenaWorkgroup: output('athenaWorkgroup'),
    zones: zonesOfBuckets({
      raw: output('rawBucket'),
      curated: output('curatedBucket'),
      results: output('resultsBucket'),
      athenaResults: output('athenaResultsBucket'),
    }),
  };
}

async function regionOf(client: CloudFormationClient): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    throw new EnvironmentNotDeployedError(
      "No AWS region is set: set AWS_REGION (or a profile with a region, AWS_PROFILE) to the environment's region.",
    );
  }
}
