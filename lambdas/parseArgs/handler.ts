/** ParseArgs: validates the execution input and plans the run (days, sources, use cases). */
import { parseArgsTask } from '../../src/lambdaTasks/parseArgs.ts';
import { lazyLambdaPorts } from '../../src/runtime/lambdaRuntime.ts';

const ports = lazyLambdaPorts('parseArgs');

export async function handler(event: unknown): Promise<unknown> {
  return parseArgsTask(event, ports());
}
