import { describe, expect, it } from 'vitest';
import {
  dataQualityProblem,
  type RejectionCounts,
  rejectedShare,
} from '../../src/domain/quality/dataQualityGate.ts';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import { defineSource } from '../../src/domain/sources/sourceContract.ts';

/** Counts as the loader hands them over; every number below is worked out by hand. */
function counts(
  read: number,
  rejectedForRules: number,
  rejectedByReason: Record<string, number>,
): RejectionCounts {
  return { read, rejectedForRules, rejectedByReason, examplesByReason: {} };
}

/** pricehubble with another limit: the gate's only setting. */
const withLimit = (maxRejectedShare: number) =>
  defineSource({ ...pricehubble, name: 'gate_test', quality: { maxRejectedShare } });

describe('data-quality gate', () => {
  it('counts records, not reasons: 45 bad records with two reasons each among 100 are 45%', () => {
    // 45 records each failing unparseable_price and unsupported_property_type: 90 reasons, 45 records.
    const day = counts(100, 45, { unparseable_price: 45, unsupported_property_type: 45 });

    expect(rejectedShare(day)).toBe(0.45);
    // pricehubble allows 50%: 45% passes (summing the reasons said 90% and failed the day).
    expect(dataQualityProblem(pricehubble, '2024-01-15', day)).toBeUndefined();
  });

  it('leaves duplicates out', () => {
    // 100 read: 30 lost de-duplication (duplicate_id only), 10 failed a rule.
    const day = counts(100, 10, { duplicate_id: 30, missing_field: 10 });
    expect(rejectedShare(day)).toBe(0.1);
  });

  it('says 0 for a day without records', () => {
    expect(rejectedShare(counts(0, 0, {}))).toBe(0);
  });

  it('passes a share equal to the limit and fails one just above it', () => {
    const source = withLimit(0.25);
    // 50 of 200 is exactly 0.25 (a binary fraction: no rounding either side).
    expect(dataQualityProblem(source, '2024-01-15', counts(200, 50, { missing_field: 50 }))).toBeUndefined();
    // 51 of 200 is 0.255: one record more than the limit allows.
    const problem = dataQualityProblem(source, '2024-01-15', counts(200, 51, { missing_field: 51 }));
    expect(problem).toContain('gate_test 2024-01-15: 25.5% of 200 records were rejected');
    expect(problem).toContain('(51 failed at least one rule; duplicates are not counted)');
    expect(problem).toContain('above the limit of 25.0%');
  });

  it('fails 45 records with two reasons each among 100 when the limit is 44%, naming the records once', () => {
    const day = counts(100, 45, { unparseable_price: 45, unsupported_property_type: 45, duplicate_id: 3 });
    const problem = dataQualityProblem(withLimit(0.44), '2024-01-15', day);
    expect(problem).toContain('45.0% of 100 records were rejected (45 failed at least one rule');
    // the top reasons are still per reason, and duplicates are not among them
    expect(problem).toContain('  - unparseable_price: 45 records');
    expect(problem).toContain('  - unsupported_property_type: 45 records');
    expect(problem).not.toContain('duplicate_id');
  });
});
