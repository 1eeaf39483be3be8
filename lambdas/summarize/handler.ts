/** Summarize: reads the run's manifests, notifies success, returns the run report. */
import { awsPipelineDeps } from '../../src/pipeline/awsPipelineDeps.ts';
import { summarizeTask } from '../../src/pipeline/tasks.ts';

export async function handler(event: unknown): Promise<unknown> {
  return summarizeTask(event, awsPipelineDeps('summarize'));
}
