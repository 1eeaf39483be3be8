/**
 * What a deployed environment is known by outside the CDK app: its name, its CloudFormation
 * stack's name, and the names of the stack's outputs. The stack (lib/) declares them from here
 * and the command line (`etl … --env`) looks them up by the same names.
 */

export const environmentNames = ['dev', 'preprod', 'prod'] as const;
export type EnvironmentName = (typeof environmentNames)[number];

/** The stack name of an environment: what `cdk deploy` takes. */
export function stackNameOf(environment: EnvironmentName): string {
  return `Listings-${environment}`;
}

/** The stack's outputs, by what they are; the values are the CloudFormation output keys. */
export const stackOutputNames = {
  stateMachineArn: 'StateMachineArn',
  rawBucket: 'RawBucketName',
  curatedBucket: 'CuratedBucketName',
  resultsBucket: 'ResultsBucketName',
  athenaResultsBucket: 'AthenaResultsBucketName',
  glueDatabase: 'GlueDatabaseName',
  athenaWorkgroup: 'AthenaWorkgroupName',
  analystPolicyArn: 'AnalystPolicyArn',
  alertTopicArn: 'AlertTopicArn',
  operationsTopicArn: 'OperationsTopicArn',
} as const;

export type StackOutput = keyof typeof stackOutputNames;

/** The state machine's name in an environment (its executions' ARNs carry it). */
export function stateMachineNameOf(environment: EnvironmentName): string {
  return `listings-${environment}`;
}

/** The environment an execution ARN belongs to, when its state machine is one of the pipeline's. */
export function environmentOfExecution(executionArn: string): EnvironmentName | null {
  const stateMachine = executionArn.split(':')[6];
  return environmentNames.find((e) => stateMachineNameOf(e) === stateMachine) ?? null;
}
