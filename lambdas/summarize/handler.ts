/** Summarize: reads the run's manifests, notifies success, returns the run report. */
import { summarizeTask } from '../../src/lambdaTasks/summarize.ts';
import { lazyLambdaPorts } from '../../src/runtime/lambdaRuntime.ts';

const ports = lazyLambdaPorts('summarize');

export async function handler(event: unknown): Promise<unknown> {
  return summarizeTask(event, ports());
}
