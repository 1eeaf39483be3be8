import type { StateMachineDefinition } from '../../lib/resolvedDefinition.ts';
import type { EnvironmentName } from '../domain/deployment/pipelineStack.ts';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { cachedBySources } from './definitionCache.ts';

export class InvalidDefinitionError extends PipelineError {
  override readonly name = 'InvalidDefinitionError';
}

/** Definitions validated when synthesized: running one need not validate it again. */
const validated = new WeakSet<StateMachineDefinition>();

/** Whether `definition` came from localStateMachineDefinition, which validated it. */
export const isValidatedDefinition = (definition: StateMachineDefinition): boolean =>
  validated.has(definition);

/**
 * The state machine definition the CDK app synthesizes for an environment, tokens resolved
 * to placeholder ARNs and validated with asl-validator: the exact definition AWS runs.
 * Validated once, when synthesized (the cache holds only valid definitions); the validator
 * and the CDK app are imported only then.
 */
export async function localStateMachineDefinition(
  environment: EnvironmentName = 'dev',
): Promise<StateMachineDefinition> {
  const definition = await cachedBySources(environment, async () => {
    const { default: validator } = await import('asl-validator');
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
  validated.add(definition);
  return definition;
}
