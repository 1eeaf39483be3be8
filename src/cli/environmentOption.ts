import { Option } from 'commander';
import { createCloudFormationClient, createSfnClient } from '../adapters/aws/awsClients.ts';
import { type DeployedEnvironment, resolveEnvironment } from '../adapters/aws/environmentStack.ts';
import { StepFunctionsExecutions } from '../adapters/aws/stepFunctionsExecutions.ts';
import { type EnvironmentName, environmentNames } from '../domain/deployment/pipelineStack.ts';
import { connectGlueLake, type LakeConnection } from '../runtime/lakeConnection.ts';

/**
 * `--env E`: a deployed environment, found through its stack in the standard AWS environment.
 * Required unless `otherwise` says what the command does without it.
 */
export function environmentOption(otherwise?: string): Option {
  const option = new Option(
    '--env <environment>',
    'a deployed environment, its stack found in the AWS region and account of your credentials' +
      (otherwise === undefined ? ' (required)' : ` (default: none: ${otherwise})`),
  ).choices(environmentNames);
  return otherwise === undefined ? option.makeOptionMandatory() : option;
}

/** A deployed environment and the clients a command uses on it. */
export interface OpenedEnvironment {
  readonly environment: DeployedEnvironment;
  readonly executions: StepFunctionsExecutions;
  /** Its buckets (the run reports are under the manifests zone) and its Glue catalog. */
  readonly lake: LakeConnection;
}

export async function openEnvironment(name: EnvironmentName): Promise<OpenedEnvironment> {
  const cloudFormation = createCloudFormationClient();
  const environment = await resolveEnvironment(cloudFormation, name).finally(() => cloudFormation.destroy());
  const aws = { region: environment.region };
  return {
    environment,
    executions: new StepFunctionsExecutions(createSfnClient(aws)),
    lake: connectGlueLake(environment.zones, environment.glueDatabase, aws),
  };
}
