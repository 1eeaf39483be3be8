/** RelayAlarm: an alarm of the stack went off; sends its message, with attributes, to the alert topic. */
import { relayAlarmTask } from '../../src/lambdaTasks/relayAlarm.ts';
import { lazyLambdaPorts } from '../../src/runtime/lambdaRuntime.ts';

const ports = lazyLambdaPorts('relayAlarm');

export async function handler(event: unknown): Promise<unknown> {
  return relayAlarmTask(event, ports());
}
