/** ReviewLoads: which days every source loaded, so which days' use cases run. */
import { reviewLoadsTask } from '../../src/lambdaTasks/reviewLoads.ts';
import { lazyLambdaPorts } from '../../src/runtime/lambdaRuntime.ts';

const ports = lazyLambdaPorts('reviewLoads');

export async function handler(event: unknown): Promise<unknown> {
  return reviewLoadsTask(event, ports());
}
