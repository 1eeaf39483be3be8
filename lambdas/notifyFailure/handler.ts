/** NotifyFailure: the Catch target; tells people what failed and how to re-run. */
import { awsPipelineDeps } from '../../src/pipeline/awsPipelineDeps.ts';
import { notifyFailureTask } from '../../src/pipeline/tasks.ts';

export async function handler(event: unknown): Promise<unknown> {
  return notifyFailureTask(event, awsPipelineDeps('notifyFailure'));
}
