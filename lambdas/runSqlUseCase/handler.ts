/** RunSqlUseCase: renders a SQL use case for its run date, runs it on Athena and publishes it. */
import { runSqlUseCaseTask } from '../../src/lambdaTasks/runSqlUseCase.ts';
import { lazyLambdaPorts } from '../../src/runtime/lambdaRuntime.ts';

const ports = lazyLambdaPorts('runSqlUseCase');

export async function handler(event: unknown): Promise<unknown> {
  return runSqlUseCaseTask(event, ports());
}
