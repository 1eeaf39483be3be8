import { describe, expect, it } from 'vitest';
import { runNotification } from '../../src/domain/notifications/runNotification.ts';
import type { FailureReport } from '../../src/domain/run/failureReport.ts';
import {
  partitionOutcomeOf,
  redriveInputOf,
  runStatusOf,
  runStoppingFailures,
  useCaseDatesOf,
  useCaseOutcomesOf,
} from '../../src/domain/run/outcomes.ts';
import type { PartitionOutcome, RunOutcome } from '../../src/domain/run/runOutcome.ts';
import { logConsoleLink, taskStopOf } from '../../src/domain/run/taskStop.ts';

const runId = '20240115T050000Z-abcdef';
const manifest = { read: 10, kept: 9, rejected: 1, rejectedByReason: { missing_price: 1 }, durationMs: 1200 };

function report(
  item: FailureReport['item'],
  task: FailureReport['task'],
  stop: FailureReport['stop'] = null,
) {
  return {
    runId,
    item,
    task,
    executionId: 'arn:exec',
    stop,
    at: '2024-01-15T06:00:00Z',
  } satisfies FailureReport;
}

const dataQuality = (dt: string) =>
  report(
    { source: 'pricehubble', dt },
    {
      error: 'DataQualityError',
      category: 'data',
      message: `pricehubble ${dt}: 80.0% of 5 records were rejected\n  unsupported_property_type: 3 records, e.g. {"id":"s1"}`,
    },
  );

/** What `ecs:runTask.sync` puts in the Cause of a task whose container exited 1 (DescribeTasks' task). */
const ecsCause = JSON.stringify({
  Attachments: [],
  ClusterArn: 'arn:aws:ecs:eu-central-2:123456789012:cluster/listings-dev',
  Containers: [
    {
      ContainerArn: 'arn:aws:ecs:eu-central-2:123456789012:container/listings-dev/0f1e/9a8b',
      ExitCode: 1,
      LastStatus: 'STOPPED',
      Name: 'loader',
      TaskArn: 'arn:aws:ecs:eu-central-2:123456789012:task/listings-dev/0f1e2d3c4b5a',
    },
  ],
  LastStatus: 'STOPPED',
  StopCode: 'EssentialContainerExited',
  StoppedReason: 'Essential container in task exited',
  TaskArn: 'arn:aws:ecs:eu-central-2:123456789012:task/listings-dev/0f1e2d3c4b5a',
});

const logGroups = {
  region: 'eu-central-2',
  containers: { loader: '/ecs/listings-dev/loader' },
  lambdas: { RunSqlUseCase: '/aws/lambda/listings-dev-run-sql' },
};

describe('what became of a partition', () => {
  it('a manifest means loaded, whatever else the lake holds', () => {
    expect(
      partitionOutcomeOf(
        { source: 'pricehubble', dt: '2024-01-15', manifest, failure: dataQuality('2024-01-15') },
        'report',
      ),
    ).toEqual({ source: 'pricehubble', dt: '2024-01-15', outcome: 'loaded', ...manifest });
  });

  it.each([
    ['report', 'failed'],
    ['fail-run', 'failed'],
    ['skip', 'skipped'],
  ] as const)(
    'a failure report under policy %s: %s, with the error and the first line of its message',
    (policy, outcome) => {
      expect(
        partitionOutcomeOf(
          { source: 'pricehubble', dt: '2024-01-16', manifest: null, failure: dataQuality('2024-01-16') },
          policy,
        ),
      ).toEqual({
        source: 'pricehubble',
        dt: '2024-01-16',
        outcome,
        error: 'DataQualityError',
        message: 'pricehubble 2024-01-16: 80.0% of 5 records were rejected',
      });
    },
  );

  it('neither: the task never ran', () => {
    expect(
      partitionOutcomeOf(
        { source: 'pricehubble', dt: '2024-01-17', manifest: null, failure: null },
        'report',
      ),
    ).toEqual({ source: 'pricehubble', dt: '2024-01-17', outcome: 'not-run' });
  });
});

describe('the days of the use cases, the status and the re-drive', () => {
  const plan = {
    runId,
    dates: ['2024-01-15', '2024-01-16', '2024-01-17'],
    sources: ['homegate', 'pricehubble'],
    useCases: ['market_stats_monthly', 'price_model'],
    quality: null,
  };
  const loaded = (source: string, dt: string): PartitionOutcome => ({
    source,
    dt,
    outcome: 'loaded',
    ...manifest,
  });
  const partitions: PartitionOutcome[] = [
    loaded('homegate', '2024-01-15'),
    loaded('pricehubble', '2024-01-15'),
    loaded('homegate', '2024-01-16'),
    { source: 'pricehubble', dt: '2024-01-16', outcome: 'failed', error: 'NoRawDataError' },
    loaded('homegate', '2024-01-17'),
    { source: 'pricehubble', dt: '2024-01-17', outcome: 'skipped', error: 'NoRawDataError' },
  ];

  it('runs the use cases only of the days every source loaded', () => {
    expect(useCaseDatesOf(plan, partitions)).toEqual(['2024-01-15']);
  });

  it('stops the run only for a failed day of a source that says so', () => {
    expect(runStoppingFailures(partitions, () => 'report')).toEqual([]);
    expect(runStoppingFailures(partitions, (s) => (s === 'pricehubble' ? 'fail-run' : 'report'))).toEqual([
      partitions[3],
    ]);
  });

  it('files each use case of each day: ran, failed or skipped', () => {
    const failures = new Map([
      [
        'price_model/2024-01-15',
        report(
          { useCase: 'price_model', dt: '2024-01-15' },
          { error: 'NotEnoughDataError', category: 'data', message: 'too few offers' },
        ),
      ],
    ]);
    const useCases = useCaseOutcomesOf(plan, ['2024-01-15'], failures);
    expect(useCases.map((u) => `${u.useCase} ${u.dt} ${u.outcome}`)).toEqual([
      'market_stats_monthly 2024-01-15 ran',
      'price_model 2024-01-15 failed',
      'market_stats_monthly 2024-01-16 skipped',
      'price_model 2024-01-16 skipped',
      'market_stats_monthly 2024-01-17 skipped',
      'price_model 2024-01-17 skipped',
    ]);
    expect(runStatusOf(partitions, useCases)).toBe('FAILED');
  });

  it('a skipped day is the source’s choice, not a failure', () => {
    const quiet = partitions.filter((p) => p.outcome !== 'failed');
    expect(runStatusOf(quiet, [])).toBe('SUCCEEDED');
    expect(runStatusOf([...quiet, { source: 'x', dt: '2024-01-18', outcome: 'not-run' }], [])).toBe('FAILED');
  });

  it('re-drives the failed partitions with every use case of their days, under the same run id', () => {
    expect(redriveInputOf(plan, partitions, [])).toEqual({
      date: '2024-01-16',
      sources: ['pricehubble'],
      useCases: ['market_stats_monthly', 'price_model'],
      runId,
    });
  });

  it('re-drives only a failed use case when every partition loaded, and keeps the run’s quality override', () => {
    const quality = { maxRejectedShare: 1, reason: 'export fixed upstream' };
    const allLoaded = partitions.filter((p) => p.outcome === 'loaded');
    const useCases = [
      { useCase: 'price_model', dt: '2024-01-15', outcome: 'failed', error: 'NotEnoughDataError' },
      { useCase: 'price_model', dt: '2024-01-17', outcome: 'failed', error: 'NotEnoughDataError' },
    ] as const;
    expect(redriveInputOf({ ...plan, quality }, allLoaded, useCases)).toEqual({
      dates: ['2024-01-15', '2024-01-17'],
      sources: [],
      useCases: ['price_model'],
      runId,
      quality,
    });
    expect(redriveInputOf(plan, allLoaded, [])).toBeNull();
  });
});

describe('what the service says of a stopped task', () => {
  it('reads the exit code, reason and task of an ECS cause, and links the container’s log stream', () => {
    const stop = taskStopOf({ Error: 'States.TaskFailed', Cause: ecsCause }, { logGroups, runId });
    expect(stop).toEqual({
      stateError: 'States.TaskFailed',
      exitCode: 1,
      stoppedReason: 'Essential container in task exited',
      taskArn: 'arn:aws:ecs:eu-central-2:123456789012:task/listings-dev/0f1e2d3c4b5a',
      logs: {
        group: '/ecs/listings-dev/loader',
        // the awslogs driver's stream: <prefix>/<container>/<task id>
        stream: 'loader/loader/0f1e2d3c4b5a',
        link: logConsoleLink('eu-central-2', '/ecs/listings-dev/loader', 'loader/loader/0f1e2d3c4b5a'),
      },
    });
    expect(stop.logs?.link).toBe(
      'https://eu-central-2.console.aws.amazon.com/cloudwatch/home?region=eu-central-2#logsV2:log-groups/log-group/$252Fecs$252Flistings-dev$252Floader/log-events/loader$252Floader$252F0f1e2d3c4b5a',
    );
  });

  it('prefers a container’s own reason (out of memory) to the task’s', () => {
    const cause = JSON.parse(ecsCause) as { Containers: { ExitCode?: number; Reason?: string }[] };
    cause.Containers[0] = {
      ...cause.Containers[0],
      ExitCode: 137,
      Reason: 'OutOfMemoryError: Container killed',
    };
    const stop = taskStopOf(
      { Error: 'States.TaskFailed', Cause: JSON.stringify(cause) },
      { logGroups, runId },
    );
    expect(stop).toMatchObject({ exitCode: 137, stoppedReason: 'OutOfMemoryError: Container killed' });
  });

  it('unwraps a Lambda error and links its log group searched for the run id', () => {
    const stop = taskStopOf(
      {
        Error: 'SqlQueryFailedError',
        Cause: JSON.stringify({
          errorType: 'SqlQueryFailedError',
          errorMessage: 'Column "nope" cannot be resolved',
        }),
      },
      { logGroups, lambda: 'RunSqlUseCase', runId },
    );
    expect(stop).toMatchObject({
      stateError: 'SqlQueryFailedError',
      exitCode: null,
      stoppedReason: 'SqlQueryFailedError: Column "nope" cannot be resolved',
      logs: { group: '/aws/lambda/listings-dev-run-sql', stream: null },
    });
    expect(stop.logs?.link).toContain(`log-events$253FfilterPattern$253D$2522${runId}$2522`);
  });

  it('keeps a timeout’s plain cause, without logs it cannot know', () => {
    expect(
      taskStopOf({ Error: 'States.Timeout', Cause: 'Task timed out' }, { logGroups: null, runId }),
    ).toEqual({
      stateError: 'States.Timeout',
      exitCode: null,
      stoppedReason: 'Task timed out',
      taskArn: null,
      logs: null,
    });
  });
});

describe('the run’s one message', () => {
  const outcome = (partitions: PartitionOutcome[]): RunOutcome => ({
    runId,
    environment: 'prod',
    executionId: 'arn:aws:states:eu-central-2:123456789012:execution:listings-prod:run-1',
    status: runStatusOf(partitions, []),
    startedAt: '2024-01-15T05:00:00Z',
    finishedAt: '2024-01-15T05:10:00Z',
    input: { date: '2024-01-15' },
    partitions,
    useCases: [],
    totals: { read: 10, kept: 9, rejected: 1 },
    redriveInput: null,
  });
  const context = { region: 'eu-central-2', redriveCommand: 'etl redrive arn:run-1 --env prod' };

  it('a failed day: the subject and the `error` attribute name the task’s error; reasons, task, logs and the re-drive follow', () => {
    const stop = taskStopOf({ Error: 'States.TaskFailed', Cause: ecsCause }, { logGroups, runId });
    const failure = { ...dataQuality('2024-01-16'), stop };
    const n = runNotification(
      outcome([
        { source: 'pricehubble', dt: '2024-01-15', outcome: 'loaded', ...manifest },
        { source: 'pricehubble', dt: '2024-01-16', outcome: 'failed', error: 'DataQualityError' },
      ]),
      [failure],
      context,
    );
    expect(n.subject).toBe(`[prod] listings run ${runId}: 1 of 2 failed: DataQualityError`);
    expect(n.attributes).toEqual({
      environment: 'prod',
      status: 'FAILED',
      error: 'DataQualityError',
      source: 'pricehubble',
    });
    expect(n.message).toContain('1 of 2 partitions loaded, 1 failed');
    expect(n.message).toContain('pricehubble 2024-01-16: DataQualityError (data)');
    expect(n.message).toContain('unsupported_property_type: 3 records, e.g. {"id":"s1"}');
    expect(n.message).toContain('Task: exit code 1, Essential container in task exited');
    expect(n.message).toContain(`Logs: ${stop.logs?.link}`);
    expect(n.message).toContain('  etl redrive arn:run-1 --env prod');
  });

  it('a task killed before it could report: the message says so and still links the logs', () => {
    const stop = taskStopOf({ Error: 'States.TaskFailed', Cause: ecsCause }, { logGroups, runId });
    const failure = { ...report({ source: 'pricehubble', dt: '2024-01-16' }, null), stop };
    const n = runNotification(
      outcome([{ source: 'pricehubble', dt: '2024-01-16', outcome: 'failed', error: 'States.TaskFailed' }]),
      [failure],
      context,
    );
    expect(n.attributes.error).toBe('States.TaskFailed');
    expect(n.message).toContain('killed or ran out of memory');
    expect(n.message).toContain('Logs: https://');
  });

  it('a year of days: per source in the message, every failure still named', () => {
    const days = Array.from({ length: 365 }, (_, i) =>
      new Date(Date.UTC(2023, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const partitions = days.map(
      (dt, i): PartitionOutcome =>
        i === 40
          ? { source: 'pricehubble', dt, outcome: 'failed', error: 'NoRawDataError' }
          : { source: 'pricehubble', dt, outcome: 'loaded', ...manifest },
    );
    const n = runNotification(outcome(partitions), [], context);
    expect(n.message).toContain('pricehubble 2023-01-01 to 2023-12-31: 364 of 365 days loaded');
    expect(n.message).toContain('pricehubble 2023-02-10: NoRawDataError');
    expect(n.message.split('\n').length).toBeLessThan(30);
  });

  it('success: one message with the counts and no error attribute', () => {
    const n = runNotification(
      outcome([{ source: 'pricehubble', dt: '2024-01-15', outcome: 'loaded', ...manifest }]),
      [],
      context,
    );
    expect(n.subject).toBe(`[prod] listings run ${runId} succeeded: 1 partition(s) loaded`);
    expect(n.attributes).toEqual({ environment: 'prod', status: 'SUCCEEDED', source: 'pricehubble' });
    expect(n.message).toContain(
      'pricehubble 2024-01-15: read 10, kept 9, rejected 1 (missing_price 1), 1.2 s',
    );
  });
});
