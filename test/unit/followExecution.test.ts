/**
 * `etl follow` reads Step Functions histories shaped as the service writes them (moto only
 * serves a fixed one): states of Map iterations show their day and source, a task's failure
 * names its state and item, and a range's next part (StartNextPart's output) is followed.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { ExecutionProgress } from '../../src/adapters/aws/executionProgress.ts';
import { followExecution, outcomeLine, stepLine } from '../../src/cli/followCommand.ts';
import { planRedrive } from '../../src/cli/redriveCommand.ts';
import { etlCommandLine } from '../../src/cli/shellCommand.ts';
import type { RunOutcome } from '../../src/domain/run/runOutcome.ts';
import { stateNames } from '../../src/domain/stateMachine/stateNames.ts';

const first = 'arn:aws:states:eu-central-2:123456789012:execution:listings-dev:part-1';
const second = 'arn:aws:states:eu-central-2:123456789012:execution:listings-dev:part-2';

function history(executionArn: string, failLoad: boolean): HistoryEvent[] {
  const at = (s: number) => new Date(Date.UTC(2024, 0, 15, 6, 0, s));
  const events: HistoryEvent[] = [
    { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: at(0) },
    {
      id: 2,
      previousEventId: 1,
      type: 'TaskStateEntered',
      timestamp: at(1),
      stateEnteredEventDetails: { name: stateNames.parseArgs, input: '{}' },
    },
    {
      id: 3,
      previousEventId: 2,
      type: 'TaskStateExited',
      timestamp: at(2),
      stateExitedEventDetails: { name: stateNames.parseArgs, output: '{}' },
    },
    {
      id: 4,
      previousEventId: 3,
      type: 'MapStateEntered',
      timestamp: at(3),
      stateEnteredEventDetails: { name: stateNames.loadPartitions, input: '{}' },
    },
    { id: 5, previousEventId: 4, type: 'MapIterationStarted', timestamp: at(3) },
    {
      id: 6,
      previousEventId: 5,
      type: 'TaskStateEntered',
      timestamp: at(4),
      stateEnteredEventDetails: {
        name: stateNames.load,
        input: JSON.stringify({ source: 'pricehubble', dt: '2024-01-15', runId: 'r' }),
      },
    },
    { id: 7, previousEventId: 6, type: 'TaskScheduled', timestamp: at(4) },
  ];
  if (failLoad) {
    events.push(
      {
        id: 8,
        previousEventId: 7,
        type: 'TaskFailed',
        timestamp: at(9),
        taskFailedEventDetails: {
          resourceType: 'ecs',
          resource: 'runTask.sync',
          error: 'States.TaskFailed',
          cause: 'NoRawDataError: nothing under raw/',
        },
      },
      {
        id: 9,
        previousEventId: 8,
        type: 'ExecutionFailed',
        timestamp: at(10),
        executionFailedEventDetails: { error: 'PartitionsFailedError', cause: '1 partition failed' },
      },
    );
    return events;
  }
  events.push({
    id: 8,
    previousEventId: 7,
    type: 'TaskStateExited',
    timestamp: at(9),
    stateExitedEventDetails: { name: stateNames.load, output: '{}' },
  });
  if (executionArn === first) {
    events.push({
      id: 9,
      previousEventId: 8,
      type: 'TaskStateExited',
      timestamp: at(10),
      stateExitedEventDetails: {
        name: stateNames.startNextPart,
        output: JSON.stringify({ nextPart: { executionArn: second } }),
      },
    });
  }
  events.push({ id: 10, previousEventId: 9, type: 'ExecutionSucceeded', timestamp: at(12) });
  return events;
}

/** A Step Functions whose histories grow by one event per poll, as a running execution's do. */
function growingHistories(failSecond: boolean) {
  const polls = new Map<string, number>();
  return {
    async eventsAfter(executionArn: string, afterEventId: number): Promise<HistoryEvent[]> {
      const poll = (polls.get(executionArn) ?? 0) + 1;
      polls.set(executionArn, poll);
      const all = history(executionArn, failSecond && executionArn === second);
      return all.slice(0, poll).filter((e) => (e.id ?? 0) > afterEventId);
    },
  };
}

describe('following an execution', () => {
  it('shows Map items and follows the next part until the range ends', async () => {
    const lines: string[] = [];
    const outcome = await followExecution(growingHistories(false), first, {
      pollMs: 0,
      print: (step) => lines.push(stepLine(step)),
    });
    expect(outcome).toMatchObject({
      status: 'SUCCEEDED',
      executions: [first, second],
      durationMs: 12_000,
      next: null,
    });
    expect(lines).toContain('06:00:04 Load [2024-01-15 pricehubble] entered');
    expect(lines).toContain('06:00:09 Load [2024-01-15 pricehubble] succeeded');
    expect(lines.filter((l) => l.endsWith('execution SUCCEEDED'))).toHaveLength(2);
    expect(outcomeLine(outcome)).toBe('Run SUCCEEDED (2 parts) in 12.0 s.');
  });

  it("names a failed task's state and item, and ends with the re-drive command", async () => {
    const lines: string[] = [];
    const outcome = await followExecution(growingHistories(true), first, {
      pollMs: 0,
      print: (s) => lines.push(stepLine(s)),
    });
    expect(outcome.status).toBe('FAILED');
    expect(lines).toContain(
      '06:00:09 Load [2024-01-15 pricehubble] FAILED: States.TaskFailed: NoRawDataError: nothing under raw/',
    );
    expect(outcomeLine(outcome)).toMatch(
      new RegExp(
        `^Run FAILED \\(2 parts\\) after .* s: PartitionsFailedError: 1 partition failed\\. Fix the cause, then: ${etlCommandLine} redrive ${second} --env dev$`,
      ),
    );
  });

  it('after RedriveExecution, the end before the re-drive does not count', async () => {
    const at = (s: number) => new Date(Date.UTC(2024, 0, 15, 6, 0, s));
    const before: HistoryEvent[] = [
      { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: at(0) },
      {
        id: 2,
        previousEventId: 1,
        type: 'ExecutionFailed',
        timestamp: at(5),
        executionFailedEventDetails: { error: 'States.Timeout' },
      },
    ];
    const after: HistoryEvent[] = [
      ...before,
      { id: 3, previousEventId: 2, type: 'ExecutionRedriven', timestamp: at(60) },
      { id: 4, previousEventId: 3, type: 'ExecutionSucceeded', timestamp: at(70) },
    ];
    // The first poll may come before Step Functions has written the re-drive.
    let polls = 0;
    const executions = {
      eventsAfter: async (_arn: string, afterId: number) =>
        (polls++ === 0 ? before : after).filter((e) => (e.id ?? 0) > afterId),
    };
    const lines: string[] = [];
    const outcome = await followExecution(executions, first, {
      pollMs: 0,
      redriven: true,
      print: (s) => lines.push(stepLine(s)),
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(lines).toEqual([
      '06:00:05 execution FAILED: States.Timeout',
      '06:01:00 execution re-driven: it goes on from its failed states',
      '06:01:10 execution SUCCEEDED',
    ]);
  });

  it('reads each event once, whatever a poll returns again', () => {
    const progress = new ExecutionProgress();
    const events = history(first, false);
    expect(progress.read(events.slice(0, 4)).length).toBe(3);
    expect(progress.read(events.slice(0, 6)).map((s) => s.kind)).toEqual(['entered']);
    expect(progress.lastEventId).toBe(6);
  });
});

describe('planning a re-drive', () => {
  const arn = first;
  const report = (redriveInput: RunOutcome['redriveInput']): RunOutcome => ({
    runId: 'r1',
    environment: 'dev',
    executionId: arn,
    status: redriveInput ? 'FAILED' : 'SUCCEEDED',
    startedAt: '2024-01-15T06:00:00Z',
    finishedAt: '2024-01-15T06:01:00Z',
    input: { from: '2024-01-14', to: '2024-01-15' },
    partitions: [],
    useCases: [],
    totals: { read: 0, kept: 0, rejected: 0 },
    redriveInput,
  });

  it('starts only what failed, same run id, with its lineage', () => {
    expect(planRedrive(arn, 'FAILED', report({ dates: ['2024-01-15'] }), 'the lake')).toMatchObject({
      kind: 'start',
      input: { dates: ['2024-01-15'], runId: 'r1', redriveOf: arn },
    });
  });
  it('says so when nothing failed', () => {
    expect(planRedrive(arn, 'SUCCEEDED', report(null), 'the lake').kind).toBe('nothing-failed');
  });
  it.each(['FAILED', 'ABORTED', 'TIMED_OUT'])(
    're-drives the execution itself when it stopped (%s) before Summarize',
    (status) => {
      expect(planRedrive(arn, status, null, 'the lake').kind).toBe('redrive-execution');
    },
  );
  it('refuses a running execution', () => {
    expect(() => planRedrive(arn, 'RUNNING', null, 'the lake')).toThrow(/still RUNNING.*etl follow/);
  });
});
