import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { priceMacro } from '../../src/domain/cleaning/priceParsing.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import { sessionWithPriceMacros } from '../support/duckdb.ts';

const nbsp = '\u00a0';
const narrowNbsp = '\u202f';

/** [raw_price as the source wrote it, the price it means, or null when it must stay unparseable] */
const cases: ReadonlyArray<readonly [string, number | null]> = [
  // the two sample exports
  ['530 000€/mo.', 530000],
  ['1 573 000€/mo.', 1573000],
  ['530000.0€/mo', 530000],
  ['1573000.0€/mo', 1573000],
  ['Loyer: 3741€/mo', 3741],
  // Swiss apostrophes, dashes for "no cents"
  ["CHF 1'250'000", 1250000],
  ["CHF 1'250'000.–", 1250000],
  ["CHF 1'250'000.-", 1250000],
  ['1’250’000.–', 1250000],
  ['1’250’000.-', 1250000],
  ["Fr. 850'000.—", 850000],
  ["SFr. 2'150'000", 2150000],
  ["1'250'000 CHF", 1250000],
  [`CHF 1${nbsp}250${nbsp}000`, 1250000],
  [`1${narrowNbsp}250${narrowNbsp}000 €`, 1250000],
  [`Prix: 450${nbsp}000 €`, 450000],
  ['Prix: 450 000 €', 450000],
  ['Preis: CHF 990 000', 990000],
  ['Kaufpreis CHF 1’090’000.–', 1090000],
  // dots and commas where they are unambiguous
  ['€ 1.250.000', 1250000],
  ['1.250.000,50 €', 1250000.5],
  ['1,250,000.50 EUR', 1250000.5],
  ['€ 1.488.900,00', 1488900],
  ['1 250,50 €', 1250.5],
  ['3741.50€/mo', 3741.5],
  ['3741,5 €', 3741.5],
  ['EUR 780000', 780000],
  ['$ 650,000.00', 650000],
  ['£420,500.00', 420500],
  // millions written out
  ['1,5 Mio. CHF', 1500000],
  ['CHF 2.35 Mio.', 2350000],
  ['2 Millionen', 2000000],
  // "io" in other words is not a million
  ['450 000 CHF, rénovation', 450000],
  ['Option: 1 200 000 EUR', 1200000],
  // several numbers: the one next to a currency wins
  ["3.5 Zimmer, CHF 1'250'000", 1250000],
  ['5 pièces, 890 000 €', 890000],
  // plain numbers (also what a JSON number becomes as text)
  ['530000', 530000],
  ['1250.0', 1250],
  ['  742000  ', 742000],
  // must stay unparseable
  ['Preis auf Anfrage', null],
  ['Prix sur demande', null],
  ['on request', null],
  ['Auf Anfrage', null],
  ['', null],
  ['   ', null],
  ['-530 000 €', null],
  ['€ -530', null],
  ['CHF -1’250’000', null],
  ['− 450 000 €', null],
  ['0 €', null],
  ['CHF 0.–', null],
  ['1.250', null],
  ['1,250', null],
  ['£420,500', null],
  ['CHF 1.250', null],
  ["1'250.000", null],
  ['3 Zimmer 120 m2', null],
  ['12 3456', null],
  ['€', null],
  ['n/a', null],
];

describe('price parsing', () => {
  let session: DuckdbSession;
  beforeAll(async () => {
    session = await sessionWithPriceMacros();
  });
  afterAll(() => session.close());

  it.each(cases)('%j → %s', async (raw, expected) => {
    const [row] = await session.all(`SELECT ${priceMacro}(${sqlString(raw)}) AS price`);
    expect(row?.price ?? null).toBe(expected);
  });

  it('treats SQL NULL as unparseable', async () => {
    const [row] = await session.all(`SELECT ${priceMacro}(NULL) AS price`);
    expect(row?.price).toBeNull();
  });

  it('parses a whole column in one statement (the loader runs it vectorised)', async () => {
    const values = cases.map(([raw]) => `(${sqlString(raw)})`).join(', ');
    const rows = await session.all(`SELECT ${priceMacro}(raw) AS price FROM (VALUES ${values}) AS t(raw)`);
    expect(rows.map((r) => r.price ?? null)).toEqual(cases.map(([, expected]) => expected));
  });
});
