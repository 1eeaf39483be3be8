import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { InternalError } from '../../domain/errors/pipelineError.ts';

/** An execution as DescribeExecution tells it, its input and output parsed where they are JSON. */
export interface ExecutionDescription {
  readonly executionArn: string;
  readonly name: string;
  readonly status: ExecutionStatus | 'UNKNOWN';
  readonly startDate: Date;
  readonly stopDate: Date | null;
  readonly input: unknown;
  readonly output: unknown;
  readonly error: string | null;
  readonly cause: string | null;
}

export interface ListedExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly status: ExecutionStatus | 'UNKNOWN';
  readonly startDate: Date;
  readonly stopDate: Date | null;
}

function parsedJson(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The Step Functions calls the command line makes on an environment's state machine. */
export class StepFunctionsExecutions {
  constructor(private readonly client: SFNClient) {}

  /** StartExecution; Step Functions names the execution. */
  async start(stateMachineArn: string, input: unknown): Promise<string> {
    const { executionArn } = await this.client.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
    );
    if (!executionArn) throw new InternalError('Step Functions StartExecution returned no executionArn.');
    return executionArn;
  }

  /** RedriveExecution: the failed execution goes on from its failed states, with its own input. */
  async redrive(executionArn: string): Promise<void> {
    await this.client.send(new RedriveExecutionCommand({ executionArn }));
  }

  async describe(executionArn: string): Promise<ExecutionDescription> {
    const found = await this.client.send(new DescribeExecutionCommand({ executionArn }));
    return {
      executionArn,
      name: found.name ?? (executionArn.split(':').at(-1) as string),
      status: found.status ?? 'UNKNOWN',
      startDate: found.startDate ?? new Date(0),
      stopDate: found.stopDate ?? null,
      input: parsedJson(found.input),
      output: parsedJson(found.output),
      error: found.error ?? null,
      cause: found.cause ?? null,
    };
  }

  /** The newest `limit` executions of the state machine, newest first. */
  async list(stateMachineArn: string, limit: number): Promise<ListedExecution[]> {
    const listed: ListedExecution[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListExecutionsCommand({
          stateMachineArn,
          maxResults: Math.min(limit - listed.length, 1000),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const execution of page.executions ?? []) {
        if (!execution.executionArn) continue;
        listed.push({
          executionArn: execution.executionArn,
          name: execution.name ?? (execution.executionArn.split(':').at(-1) as string),
          status: execution.status ?? 'UNKNOWN',
          startDate: execution.startDate ?? new Date(0),
          stopDate: execution.stopDate ?? null,
        });
      }
      nextToken = page.nextToken;
    } while (nextToken && listed.length < limit);
    return listed.slice(0, limit);
  }

  /**
   * The events after `afterEventId`, oldest first. Read newest first, page by page, until an
   * event already seen: a poll costs a page or two however long the history is.
   */
  async eventsAfter(executionArn: string, afterEventId: number): Promise<HistoryEvent[]> {
    const fresh: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          reverseOrder: true,
          maxResults: 500,
          includeExecutionData: true,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      const events = page.events ?? [];
      fresh.push(...events.filter((e) => (e.id ?? 0) > afterEventId));
      if (events.some((e) => (e.id ?? 0) <= afterEventId)) break;
      nextToken = page.nextToken;
    } while (nextToken);
    return fresh.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  }
}
