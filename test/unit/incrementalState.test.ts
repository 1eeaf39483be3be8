import { describe, expect, it } from 'vitest';
import { incrementalPosition } from '../../src/domain/useCases/incrementalState.ts';
import { renderUseCaseSql } from '../../src/domain/useCases/registry.ts';

describe('incrementalPosition', () => {
  it('goes on from the latest state before the run date; none is an empty state', () => {
    expect(incrementalPosition('2024-03-05', [], ['2024-03-05'])).toEqual({
      previousDate: undefined,
      staleLaterDays: [],
      skippedDays: [],
    });
    expect(incrementalPosition('2024-03-05', ['2024-03-01', '2024-03-04', '2024-03-05'], [])).toMatchObject({
      previousDate: '2024-03-04',
    });
  });

  it('names later states as stale and earlier days with listings but no state as skipped', () => {
    expect(
      incrementalPosition(
        '2024-03-05',
        ['2024-03-01', '2024-03-06', '2024-03-08'],
        ['2024-03-01', '2024-03-02', '2024-03-02', '2024-03-04', '2024-03-05', '2024-03-06'],
      ),
    ).toEqual({
      previousDate: '2024-03-01',
      staleLaterDays: ['2024-03-06', '2024-03-08'],
      skippedDays: ['2024-03-02', '2024-03-04'],
    });
  });
});

describe('renderUseCaseSql parameters of incremental use cases', () => {
  const sql =
    'SELECT :previous_date, x FROM (:delist_rules) AS r (source, n) WHERE n > :default_delist_after_days';

  it('renders the previous date, or NULL for an empty state, and the delisting rules per source', () => {
    expect(
      renderUseCaseSql(sql, {
        runDate: '2024-03-05',
        runId: 'r',
        previousDate: '2024-03-04',
        delistAfterDays: { pricehubble: 2, homegate: 5 },
      }),
    ).toBe(
      "SELECT '2024-03-04', x FROM (VALUES ('pricehubble', 2), ('homegate', 5)) AS r (source, n) WHERE n > 3",
    );
    expect(renderUseCaseSql(sql, { runDate: '2024-03-05', runId: 'r' })).toContain(
      "SELECT CAST(NULL AS VARCHAR), x FROM (VALUES ('pricehubble', 3))",
    );
  });

  it('refuses a previous date that is not before the run date', () => {
    expect(() =>
      renderUseCaseSql(sql, { runDate: '2024-03-05', runId: 'r', previousDate: '2024-03-05' }),
    ).toThrow(/Bad previous date/);
  });
});
