/** Summarize: reads the run's manifests, notifies success, returns the run report. */

import { summarizeTask } from '../../src/lambdaTasks/tasks.ts';
import { awsPipelineDeps } from '../../src/runtime/lambdaRuntime.ts';

export async function handler(event: unknown): Promise<unknown> {
  return summarizeTask(event, awsPipelineDeps('summarize'));
}
