import { describe, expect, it } from 'vitest';
import {
  describePartitions,
  failureNotification,
  startExecutionCommand,
} from '../../src/domain/notifications/notifications.ts';

describe('notifications', () => {
  it('failure: the failed state, the readable cause of a container, partitions and the input to re-run', () => {
    const n = failureNotification({
      environment: 'dev',
      region: 'eu-central-2',
      executionId: 'arn:aws:states:eu-central-2:123456789012:execution:listings-dev:run-1',
      executionStartTime: '2024-01-15T05:00:00Z',
      stateMachineName: 'listings-dev',
      rerunCommand: (input) =>
        startExecutionCommand('arn:aws:states:eu-central-2:123456789012:execution:listings-dev:run-1', input),
      state: {
        plan: {
          runId: '20240115T050000Z-abcdef',
          dates: ['2024-01-15'],
          sources: ['pricehubble'],
          useCases: [],
          rerunInput: { date: '2024-01-15', sources: ['pricehubble'], useCases: [] },
        },
        failure: {
          LoadPartitions: {
            Error: 'States.TaskFailed',
            Cause: JSON.stringify({
              StoppedReason: 'Essential container in task exited',
              Containers: [{ Name: 'loader', ExitCode: 1 }],
            }),
          },
        },
      },
    });
    expect(n.subject).toBe('[dev] listings pipeline FAILED in LoadPartitions: States.TaskFailed');
    expect(n.attributes).toEqual({
      environment: 'dev',
      status: 'FAILED',
      error: 'States.TaskFailed',
      source: 'pricehubble',
    });
    expect(n.message).toContain('Cause: container loader exited 1: Essential container in task exited');
    expect(n.message).toContain('Partitions involved: pricehubble/2024-01-15');
    expect(n.message).toContain('{"date":"2024-01-15","sources":["pricehubble"],"useCases":[]}');
    expect(n.message).toContain(
      `  aws stepfunctions start-execution --state-machine-arn arn:aws:states:eu-central-2:123456789012:stateMachine:listings-dev --input '{"date":"2024-01-15","sources":["pricehubble"],"useCases":[]}'`,
    );
  });

  it('names a long backfill per source with its date range, not day by day', () => {
    const dates = Array.from({ length: 40 }, (_, i) =>
      new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const partitions = dates.flatMap((dt) => ['homegate', 'pricehubble'].map((source) => ({ source, dt })));
    expect(describePartitions(partitions)).toBe(
      'homegate 2024-01-01 to 2024-02-09 (40 days), pricehubble 2024-01-01 to 2024-02-09 (40 days)',
    );
    expect(describePartitions(partitions.slice(0, 2))).toBe('homegate/2024-01-01, pricehubble/2024-01-01');
  });

  it('quotes the re-run input for a shell whatever it holds', () => {
    const command = startExecutionCommand('arn:aws:states:r:1:execution:m:e', { date: "it's" });
    expect(command).toBe(
      `aws stepfunctions start-execution --state-machine-arn arn:aws:states:r:1:stateMachine:m --input '{"date":"it'\\''s"}'`,
    );
  });

  it('failure before a plan exists: the raw input is what to re-run, a Lambda error is unwrapped', () => {
    const n = failureNotification({
      environment: 'dev',
      region: 'eu-central-2',
      executionId: 'arn:exec',
      executionStartTime: '2024-01-15T05:00:00Z',
      stateMachineName: 'listings-dev',
      rerunCommand: (input) => `etl run --input '${JSON.stringify(input)}'`,
      state: {
        date: '2024-13-01',
        failure: {
          ParseArgs: {
            Error: 'InvalidRunArgumentsError',
            Cause: JSON.stringify({
              errorType: 'InvalidRunArgumentsError',
              errorMessage: 'date: not a real calendar date',
            }),
          },
        },
      },
    });
    expect(n.message).toContain('Cause: date: not a real calendar date');
    expect(n.message).toContain('Partitions involved: none planned');
    expect(n.message).toContain('{"date":"2024-13-01"}');
    expect(n.attributes).toEqual({ environment: 'dev', status: 'FAILED', error: 'InvalidRunArgumentsError' });
  });
});
