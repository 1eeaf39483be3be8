/** PublishUseCase: points the use case's result partition at what Athena just unloaded. */

import { publishUseCaseTask } from '../../src/lambdaTasks/tasks.ts';
import { awsPipelineDeps } from '../../src/runtime/lambdaRuntime.ts';

export async function handler(event: unknown): Promise<unknown> {
  return publishUseCaseTask(event, awsPipelineDeps('publishUseCase'));
}
