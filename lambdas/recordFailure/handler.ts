/** RecordFailure: files a failed load or use case of one day (error, ECS's or Lambda's word, log link). */
import { recordFailureTask } from '../../src/lambdaTasks/recordFailure.ts';
import { lazyLambdaPorts } from '../../src/runtime/lambdaRuntime.ts';

const ports = lazyLambdaPorts('recordFailure');

export async function handler(event: unknown): Promise<unknown> {
  return recordFailureTask(event, ports());
}
