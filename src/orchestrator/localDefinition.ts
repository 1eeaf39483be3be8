import validator from 'asl-validator';
import type { StateMachineDefinition } from '../../lib/resolvedDefinition.ts';
import type { EnvironmentName } from '../domain/deployment/pipelineStack.ts';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { cachedBySources } from './definitionCache.ts';

export class InvalidDefinitionError extends PipelineError {
  override readonly name = 'InvalidDefinitionError';
}

/**
 * The state machine definition the CDK app synthesizes for an environment, tokens resolved
 * to placeholder ARNs and validated with asl-validator: the exact definition AWS runs.
 */
export async function localStateMachineDefinition(
  environment: EnvironmentName = 'dev',
): Promise<StateMachineDefinition> {
  return cachedBySources(environment, async () => {
    const { synthesizedDefinition } = await import('../../lib/synthesizedDefinition.ts');
    const { resolveDefinition } = await import('../../lib/resolvedDefinition.ts');
    const definition = resolveDefinition(synthesizedDefinition(environment));
    const result = validator(structuredClone(definition) as never, { checkPaths: true, checkArn: true });
    if (!result.isValid) {
      throw new InvalidDefinitionError(
        `The synthesized state machine is not valid ASL: ${result.errorsText('; ')}`,
      );
    }
    return definition;
  });
}
