/** NotifyFailure: the Catch target; tells people what failed and how to re-run. */

import { notifyFailureTask } from '../../src/lambdaTasks/tasks.ts';
import { awsPipelineDeps } from '../../src/runtime/lambdaRuntime.ts';

export async function handler(event: unknown): Promise<unknown> {
  return notifyFailureTask(event, awsPipelineDeps('notifyFailure'));
}
