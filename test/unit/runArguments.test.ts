import { describe, expect, it } from 'vitest';
import { maxDaysPerExecution } from '../../src/domain/run/executionBudget.ts';
import {
  dayIn,
  InvalidRunArgumentsError,
  type PlanContext,
  partitionsOf,
  planRun,
} from '../../src/domain/run/runArguments.ts';
import { runIdPattern } from '../../src/domain/run/runId.ts';

const context: PlanContext = {
  environment: 'dev',
  executionStartTime: '2024-01-16T09:30:00.000Z',
  timeZone: 'Europe/Zurich',
  knownSources: ['pricehubble', 'homegate'],
  knownUseCases: ['market_stats'],
};

describe('run arguments', () => {
  it('plans one day for every source and use case by default, on the execution day', () => {
    const plan = planRun({}, context);
    expect(plan.dates).toEqual(['2024-01-16']);
    expect(plan.sources).toEqual(['pricehubble', 'homegate']);
    expect(partitionsOf(plan)).toEqual([
      { source: 'pricehubble', dt: '2024-01-16' },
      { source: 'homegate', dt: '2024-01-16' },
    ]);
    expect(plan.useCases).toEqual(['market_stats']);
    expect(plan.runId).toMatch(runIdPattern);
    expect(plan.rerunInput).toEqual({
      date: '2024-01-16',
      sources: ['pricehubble', 'homegate'],
      useCases: ['market_stats'],
    });
  });

  it("takes the scheduled time's day in the schedule's time zone, not the (late) execution time", () => {
    // 05:30 UTC on the 15th is 06:30 in Zurich; a retry started on the 16th still loads the 15th
    const plan = planRun({ scheduledTime: '2024-01-15T05:30:00Z' }, context);
    expect(plan.dates).toEqual(['2024-01-15']);
    expect(dayIn('2024-01-15T23:30:00Z', 'Europe/Zurich')).toBe('2024-01-16');
  });

  it('plans a backfill range day by day, inclusive', () => {
    const plan = planRun(
      { from: '2024-02-27', to: '2024-03-01', sources: ['homegate'], useCases: [] },
      context,
    );
    expect(plan.dates).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
    expect(partitionsOf(plan)).toHaveLength(4);
    expect(plan.useCases).toEqual([]);
    expect(plan.rerunInput).toEqual({
      from: '2024-02-27',
      to: '2024-03-01',
      sources: ['homegate'],
      useCases: [],
    });
  });

  it.each([
    [{ date: '2024-02-30' }, /not a real calendar date/],
    [{ date: '15.01.2024' }, /expected YYYY-MM-DD/],
    [{ date: '2024-01-15', from: '2024-01-01', to: '2024-01-02' }, /either date or from\/to/],
    [{ from: '2024-01-01' }, /from and to go together/],
    [{ from: '2024-02-01', to: '2024-01-01' }, /from must not be after to/],
    [
      { from: '2023-01-01', to: '2024-12-31' },
      /731 days; one execution of 2 source\(s\) and 1 use case\(s\) loads at most 526/,
    ],
    [{ sources: ['../etc'] }, /sources/],
    [{ sources: ['immoscout'] }, /Unknown source\(s\) immoscout; known: pricehubble, homegate/],
    [{ useCases: ['drop_tables'] }, /Unknown use case\(s\) drop_tables/],
    [{ date: '2024-01-15', extra: true }, /Unrecognized key/],
    ['not an object', /Invalid run arguments/],
  ])('refuses %j', (input, message) => {
    expect(() => planRun(input, context)).toThrow(InvalidRunArgumentsError);
    expect(() => planRun(input, context)).toThrow(message);
  });

  it('keeps a given run id (re-driving a run)', () => {
    expect(planRun({ runId: '20240115T060000Z-abcdef' }, context).runId).toBe('20240115T060000Z-abcdef');
  });
});

describe('the execution budget', () => {
  it('bounds a backfill by the 25,000 events of an execution history, not by the state size', () => {
    // per day: 12 fixed + 8 per source + 10 per use case; 80% of 25,000 events
    expect(maxDaysPerExecution(1, 4)).toBe(Math.floor(20_000 / (12 + 8 + 40)));
    expect(maxDaysPerExecution(1, 4)).toBeGreaterThanOrEqual(333);
    expect(maxDaysPerExecution(10, 40)).toBe(Math.floor(20_000 / (12 + 80 + 400)));
    expect(maxDaysPerExecution(1000, 1000)).toBe(1);
  });

  it('plans the longest range its budget allows, and one day more is refused', () => {
    const max = maxDaysPerExecution(2, 1);
    const to = (days: number) => new Date(Date.UTC(2024, 0, days)).toISOString().slice(0, 10);
    expect(planRun({ from: '2024-01-01', to: to(max) }, context).dates).toHaveLength(max);
    expect(() => planRun({ from: '2024-01-01', to: to(max + 1) }, context)).toThrow(InvalidRunArgumentsError);
  });
});
