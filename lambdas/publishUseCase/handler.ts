/** PublishUseCase: points the use case's result partition at what Athena just unloaded. */
import { awsPipelineDeps } from '../../src/pipeline/awsPipelineDeps.ts';
import { publishUseCaseTask } from '../../src/pipeline/tasks.ts';

export async function handler(event: unknown): Promise<unknown> {
  return publishUseCaseTask(event, awsPipelineDeps('publishUseCase'));
}
