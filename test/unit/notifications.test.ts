import { describe, expect, it } from 'vitest';
import { failureNotification, successNotification } from '../../src/domain/notifications/notifications.ts';

describe('notifications', () => {
  it('success: counts per partition and reason, use cases, durations, console link, filter attributes', () => {
    const n = successNotification(
      {
        runId: '20240115T060000Z-abcdef',
        environment: 'prod',
        executionId: 'arn:aws:states:eu-central-2:1:execution:listings-prod:x',
        partitions: [
          {
            source: 'pricehubble',
            dt: '2024-01-15',
            read: 200,
            kept: 92,
            rejected: 108,
            rejectedByReason: { duplicate_id: 90, living_area_out_of_range: 18 },
            durationMs: 1500,
          },
        ],
        useCases: ['market_stats_monthly', 'price_model'],
        totals: { read: 200, kept: 92, rejected: 108 },
      },
      'eu-central-2',
    );
    expect(n.subject).toBe('[prod] listings run 20240115T060000Z-abcdef succeeded');
    expect(n.attributes).toEqual({ environment: 'prod', status: 'SUCCEEDED', source: 'pricehubble' });
    expect(n.message).toContain(
      'pricehubble 2024-01-15: read 200, kept 92, rejected 108 (duplicate_id 90, living_area_out_of_range 18), 1.5 s',
    );
    expect(n.message).toContain('Use cases: market_stats_monthly, price_model');
    expect(n.message).toContain(
      'https://eu-central-2.console.aws.amazon.com/states/home?region=eu-central-2#/v2/executions/details/arn:aws:states:eu-central-2:1:execution:listings-prod:x',
    );
  });

  it('failure: the failed state, the readable cause of a container, partitions and the input to re-run', () => {
    const n = failureNotification({
      environment: 'dev',
      region: 'eu-central-2',
      executionId: 'arn:exec',
      executionStartTime: '2024-01-15T05:00:00Z',
      stateMachineName: 'listings-dev',
      state: {
        plan: {
          partitions: [{ source: 'pricehubble', dt: '2024-01-15' }],
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
    expect(n.attributes).toEqual({ environment: 'dev', status: 'FAILED', source: 'pricehubble' });
    expect(n.message).toContain('Cause: container loader exited 1: Essential container in task exited');
    expect(n.message).toContain('Partitions involved: pricehubble/2024-01-15');
    expect(n.message).toContain('{"date":"2024-01-15","sources":["pricehubble"],"useCases":[]}');
  });

  it('failure before a plan exists: the raw input is what to re-run, a Lambda error is unwrapped', () => {
    const n = failureNotification({
      environment: 'dev',
      region: 'eu-central-2',
      executionId: 'arn:exec',
      executionStartTime: '2024-01-15T05:00:00Z',
      stateMachineName: 'listings-dev',
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
    expect(n.attributes).toEqual({ environment: 'dev', status: 'FAILED' });
  });
});
