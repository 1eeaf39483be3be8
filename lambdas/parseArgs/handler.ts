/** ParseArgs: validates the execution input and plans the run (partitions, use-case steps). */
import { awsPipelineDeps } from '../../src/pipeline/awsPipelineDeps.ts';
import { parseArgsTask } from '../../src/pipeline/tasks.ts';

export async function handler(event: unknown): Promise<unknown> {
  return parseArgsTask(event, awsPipelineDeps('parseArgs'));
}
