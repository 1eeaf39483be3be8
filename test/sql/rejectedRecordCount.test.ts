import { describe, expect, it } from 'vitest';
import { judgeQuality, refusalOf, rejectedShare } from '../../src/domain/quality/dataQualityGate.ts';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import { defineSource } from '../../src/domain/sources/sourceContract.ts';
import { jsonLines, offer, runContract } from '../support/contractRun.ts';

/**
 * A hand-made day of 100 records: 45 that fail two rules each (a studio "on request": unsupported
 * property type and unparseable price), 52 valid offers with their own ids, and 3 older copies of
 * three of them that lose de-duplication. By hand: 48 rejected rows, 93 reasons, 45 records
 * rejected for a rule, 45 / 100 = 45%.
 */
function day(): string {
  const bad = Array.from({ length: 45 }, (_, i) =>
    offer({ id: `bad-${i}`, property_type: 'studio', raw_price: 'Preis auf Anfrage' }),
  );
  const good = Array.from({ length: 52 }, (_, i) => offer({ id: `good-${i}`, scraping_date: '2021-02-17' }));
  const olderCopies = Array.from({ length: 3 }, (_, i) =>
    offer({ id: `good-${i}`, scraping_date: '2021-02-01' }),
  );
  return jsonLines([...bad, ...good, ...olderCopies]);
}

describe('records rejected for a rule, as the engine counts them for the gate', () => {
  it('counts 45 records with two reasons each among 100 once each: 45%', async () => {
    const { outcome } = await runContract([day()]);

    expect(outcome).toMatchObject({ read: 100, kept: 52, rejected: 48, rejectedForRules: 45 });
    expect(outcome.rejectedByReason).toEqual({
      unparseable_price: 45,
      unsupported_property_type: 45,
      duplicate_id: 3,
    });
    expect(rejectedShare(outcome)).toBe(0.45);
  });

  it('publishes that day at a limit of 45% and refuses it at 44%', async () => {
    const { outcome } = await runContract([day()]);
    const limit = (maxRejectedShare: number) =>
      defineSource({ ...pricehubble, name: 'gate_test', quality: { maxRejectedShare } });

    expect(judgeQuality(limit(0.45), outcome, null).status).toBe('passed');
    const refused = judgeQuality(limit(0.44), outcome, null);
    if (refused.status !== 'refused') throw new Error(`expected a refusal, got ${refused.status}`);
    expect(refusalOf(limit(0.44), '2024-01-15', outcome, refused).message).toContain(
      '45.0% of 100 records were rejected (45 failed at least one rule',
    );
  });
});
