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
  executionId: 'arn:aws:states:eu-central-2:123456789012:execution:listings-dev:first',
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
    [{ dates: ['2024-01-02', '2024-01-02'] }, /dates must not repeat a day/],
    [{ dates: ['2024-01-02'], date: '2024-01-02' }, /dates lists every day itself/],
    [{ dates: [] }, /dates/],
    [{ quality: { maxRejectedShare: 1.5, reason: 'a bad export' } }, /quality.maxRejectedShare/],
    [{ quality: { maxRejectedShare: 0.9, reason: ' ' } }, /say why the limit is changed/],
    [{ redriveOf: 'run-1' }, /an execution ARN/],
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
  it('bounds an execution by the 25,000 events of its history, not by the state size', () => {
    // per day: 12 fixed + 412 per source (its day in up to 32 shards and 16 merge parts) + 15 per
    // use case (a failed item's Record*Failure counted); 80% of 25,000 events
    expect(maxDaysPerExecution(1, 4)).toBe(Math.floor(20_000 / (12 + 412 + 60)));
    // a backfill of a year runs in about ten executions
    expect(maxDaysPerExecution(1, 6)).toBeGreaterThanOrEqual(36);
    expect(maxDaysPerExecution(10, 40)).toBe(Math.floor(20_000 / (12 + 4120 + 600)));
    expect(maxDaysPerExecution(1000, 1000)).toBe(1);
  });

  it('plans the longest range its budget allows; the rest is the next part, under the same run id', () => {
    const max = maxDaysPerExecution(2, 1);
    const day = (n: number) => new Date(Date.UTC(2024, 0, n)).toISOString().slice(0, 10);
    const whole = planRun({ from: '2024-01-01', to: day(max) }, context);
    expect(whole.dates).toHaveLength(max);
    expect(whole.next).toBeNull();

    const longer = planRun(
      { from: '2024-01-01', to: day(max + 1), quality: { maxRejectedShare: 0.9, reason: 'known bad week' } },
      context,
    );
    expect(longer.dates).toHaveLength(max);
    expect(longer.rerunInput).toMatchObject({ from: '2024-01-01', to: day(max) });
    expect(longer.next).toEqual({
      date: day(max + 1),
      sources: ['pricehubble', 'homegate'],
      useCases: ['market_stats'],
      quality: { maxRejectedShare: 0.9, reason: 'known bad week' },
      runId: longer.runId,
      continues: context.executionId,
    });
  });

  it('runs a year as parts that together cover every day once, each within the budget', () => {
    const parts: string[][] = [];
    let input: unknown = { from: '2023-01-01', to: '2023-12-31', sources: ['pricehubble'] };
    let runId: string | undefined;
    for (let part = 0; input && part < 10; part++) {
      const plan = planRun(input, { ...context, executionId: `${context.executionId}-${part}` });
      runId ??= plan.runId;
      expect(plan.runId).toBe(runId);
      expect(plan.dates.length).toBeLessThanOrEqual(maxDaysPerExecution(1, 1));
      parts.push([...plan.dates]);
      input = plan.next;
    }
    expect(parts.length).toBe(Math.ceil(365 / maxDaysPerExecution(1, 1)));
    const days = parts.flat();
    expect(days).toHaveLength(365);
    expect(new Set(days).size).toBe(365);
    expect(days[0]).toBe('2023-01-01');
    expect(days.at(-1)).toBe('2023-12-31');
  });

  it('takes an explicit list of days (a re-drive), sorted, and names them back the shortest way', () => {
    const plan = planRun({ dates: ['2024-01-09', '2024-01-03'] }, context);
    expect(plan.dates).toEqual(['2024-01-03', '2024-01-09']);
    expect(plan.rerunInput).toMatchObject({ dates: ['2024-01-03', '2024-01-09'] });
    expect(planRun({ dates: ['2024-01-04', '2024-01-03'] }, context).rerunInput).toMatchObject({
      from: '2024-01-03',
      to: '2024-01-04',
    });
    expect(planRun({ dates: ['2024-01-04'] }, context).rerunInput).toMatchObject({ date: '2024-01-04' });
  });

  it('lets a lower budget split even a short range (what the local parts test uses)', () => {
    const plan = planRun({ from: '2024-01-01', to: '2024-01-05' }, { ...context, maxDaysPerExecution: 2 });
    expect(plan.dates).toEqual(['2024-01-01', '2024-01-02']);
    expect(plan.next).toMatchObject({ from: '2024-01-03', to: '2024-01-05' });
  });
});
