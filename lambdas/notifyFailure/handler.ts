/** NotifyFailure: the Catch target; tells people what failed and how to re-run. */
import { notifyFailureTask } from '../../src/lambdaTasks/notifyFailure.ts';
import { lazyLambdaPorts } from '../../src/runtime/lambdaRuntime.ts';

const ports = lazyLambdaPorts('notifyFailure');

export async function handler(event: unknown): Promise<unknown> {
  return notifyFailureTask(event, ports());
}
