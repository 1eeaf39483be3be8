/** PlanShards: cuts a source's day into shards of bounded size. */
import { planShardsTask } from '../../src/lambdaTasks/planShards.ts';
import { lazyLambdaPorts } from '../../src/runtime/lambdaRuntime.ts';

const ports = lazyLambdaPorts('planShards');

export async function handler(event: unknown): Promise<unknown> {
  return planShardsTask(event, ports());
}
