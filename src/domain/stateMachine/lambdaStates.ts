import type { LambdaName } from '../taskEnvironments/lambdaEnvironments.ts';
import { stateNames } from './stateNames.ts';

/**
 * The Lambda each Lambda Task state of the state machine invokes: the local runner gives the
 * state that Lambda's timeout, as AWS does (test/infra/lambdaTimeouts.test.ts holds it against
 * the synthesized definition).
 */
export const lambdaOfState: Readonly<Record<string, LambdaName>> = {
  [stateNames.parseArgs]: 'parseArgs',
  [stateNames.planShards]: 'planShards',
  [stateNames.recordLoadFailure]: 'recordFailure',
  [stateNames.reviewLoads]: 'reviewLoads',
  [stateNames.runSqlUseCase]: 'runSqlUseCase',
  [stateNames.recordUseCaseFailure]: 'recordFailure',
  [stateNames.summarize]: 'summarize',
  [stateNames.notifyFailure]: 'notifyFailure',
};

/** Whether a Task state's Resource invokes a Lambda (its ARN, or the lambda:invoke integration). */
export const invokesLambda = (resource: unknown): boolean =>
  typeof resource === 'string' &&
  (/^arn:[^:]+:lambda:/.test(resource) || /^arn:[^:]+:states:::lambda:invoke/.test(resource));
