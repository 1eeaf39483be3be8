/** ParseArgs: validates the execution input and plans the run (partitions, use-case steps). */

import { parseArgsTask } from '../../src/lambdaTasks/tasks.ts';
import { awsPipelineDeps } from '../../src/runtime/lambdaRuntime.ts';

export async function handler(event: unknown): Promise<unknown> {
  return parseArgsTask(event, awsPipelineDeps('parseArgs'));
}
