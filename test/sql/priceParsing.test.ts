import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { priceMacro } from '../../src/domain/cleaning/priceParsing.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import { sessionWithPriceMacros } from '../support/duckdb.ts';

const nbsp = '\u00a0';
const narrowNbsp = '\u202f';

/**
 * [raw_price as the source wrote it, the price it means (null: unparseable), the currency it is in]
 */
const cases: ReadonlyArray<readonly [string, number | null, string | null]> = [
  // the two sample exports
  ['530 000€/mo.', 530000, 'EUR'],
  ['1 573 000€/mo.', 1573000, 'EUR'],
  ['530000.0€/mo', 530000, 'EUR'],
  ['1573000.0€/mo', 1573000, 'EUR'],
  ['Loyer: 3741€/mo', 3741, 'EUR'],
  // Swiss apostrophes, dashes for "no cents"
  ["CHF 1'250'000", 1250000, 'CHF'],
  ["CHF 1'250'000.–", 1250000, 'CHF'],
  ["CHF 1'250'000.-", 1250000, 'CHF'],
  ['1’250’000.–', 1250000, 'unknown'],
  ['1’250’000.-', 1250000, 'unknown'],
  ["Fr. 850'000.—", 850000, 'CHF'],
  ["SFr. 2'150'000", 2150000, 'CHF'],
  ["1'250'000 CHF", 1250000, 'CHF'],
  [`CHF 1${nbsp}250${nbsp}000`, 1250000, 'CHF'],
  [`1${narrowNbsp}250${narrowNbsp}000 €`, 1250000, 'EUR'],
  [`Prix: 450${nbsp}000 €`, 450000, 'EUR'],
  ['Prix: 450 000 €', 450000, 'EUR'],
  ['Preis: CHF 990 000', 990000, 'CHF'],
  ['Kaufpreis CHF 1’090’000.–', 1090000, 'CHF'],
  // dots and commas where they are unambiguous
  ['€ 1.250.000', 1250000, 'EUR'],
  ['1.250.000,50 €', 1250000.5, 'EUR'],
  ['1,250,000.50 EUR', 1250000.5, 'EUR'],
  ['€ 1.488.900,00', 1488900, 'EUR'],
  ['1 250,50 €', 1250.5, 'EUR'],
  ['3741.50€/mo', 3741.5, 'EUR'],
  ['3741,5 €', 3741.5, 'EUR'],
  ['EUR 780000', 780000, 'EUR'],
  ['$ 650,000.00', 650000, 'USD'],
  ['£420,500.00', 420500, 'GBP'],
  // millions written out
  ['1,5 Mio. CHF', 1500000, 'CHF'],
  ['CHF 2.35 Mio.', 2350000, 'CHF'],
  ['2 Millionen', 2000000, 'unknown'],
  // "io" in other words is not a million
  ['450 000 CHF, rénovation', 450000, 'CHF'],
  ['Option: 1 200 000 EUR', 1200000, 'EUR'],
  // several numbers: the one next to a currency wins
  ["3.5 Zimmer, CHF 1'250'000", 1250000, 'CHF'],
  ['5 pièces, 890 000 €', 890000, 'EUR'],
  // plain numbers (also what a JSON number becomes as text)
  ['530000', 530000, 'unknown'],
  ['1250.0', 1250, 'unknown'],
  ['  742000  ', 742000, 'unknown'],
  // magnitudes right after the number
  ['450k', 450000, 'unknown'],
  ['450 K CHF', 450000, 'CHF'],
  ['CHF 450k', 450000, 'CHF'],
  ['1.2M', 1200000, 'unknown'],
  ['€ 1,2 M', 1200000, 'EUR'],
  ['1.2M€', 1200000, 'EUR'],
  ['CHF 1.35 Mio', 1350000, 'CHF'],
  ['2 Mrd', 2000000000, 'unknown'],
  ['1,1 Mia. CHF', 1100000000, 'CHF'],
  ['3 millions EUR', 3000000, 'EUR'],
  ['850 kCHF', 850000, 'CHF'],
  // not magnitudes: an area, a word that starts like one
  ['CHF 450 000 Mietzins', 450000, 'CHF'],
  ['CHF 120 m²', 120, 'CHF'],
  ['Kaufpreis 890000 Kat. A', 890000, 'unknown'],
  // must stay unparseable
  ['Preis auf Anfrage', null, null],
  ['Prix sur demande', null, null],
  ['on request', null, null],
  ['Auf Anfrage', null, null],
  ['', null, null],
  ['   ', null, null],
  ['-530 000 €', null, null],
  ['€ -530', null, null],
  ['CHF -1’250’000', null, null],
  ['− 450 000 €', null, null],
  ['0 €', null, null],
  ['CHF 0.–', null, null],
  ['1.250', null, null],
  ['1,250', null, null],
  ['£420,500', null, null],
  ['CHF 1.250', null, null],
  ["1'250.000", null, null],
  ['3 Zimmer 120 m2', null, null],
  ['12 3456', null, null],
  ['€', null, null],
  ['n/a', null, null],
];

/** Ranges and two prices joined: rejected as ambiguous, never half-read. */
const ambiguous: readonly string[] = [
  'CHF 890 000 - 950 000',
  'CHF 890 000 – 950 000',
  "890'000 - 950'000 CHF",
  'CHF 890 000 – CHF 950 000',
  '1.2M-1.5M',
  '450k bis 500k',
  'de 450 000 à 480 000 €',
  '450 000 to 500 000 EUR',
];

/** A dash that is not a range: Swiss "no cents", a minus sign, a dash after a price. */
const notRanges: ReadonlyArray<readonly [string, number | null]> = [
  ["CHF 1'250'000.– 2 Zimmer", 1250000],
  ['€ -530', null],
  ['Prix: 450 000 € - négociable', 450000],
];

interface Parsed {
  price: number | null;
  currency: string | null;
  ambiguous: boolean | null;
}

describe('price parsing', () => {
  let session: DuckdbSession;
  const parse = async (raw: string | null): Promise<Parsed> => {
    const [row] = await session.all(
      `SELECT p.price, p.currency, p.ambiguous FROM (SELECT ${priceMacro}(${raw === null ? 'NULL' : sqlString(raw)}) AS p)`,
    );
    return row as unknown as Parsed;
  };
  beforeAll(async () => {
    session = await sessionWithPriceMacros();
  });
  afterAll(() => session.close());

  it.each(cases)('%j → %s %s', async (raw, price, currency) => {
    const parsed = await parse(raw);
    expect(parsed.price).toBe(price);
    if (price !== null) expect(parsed.currency).toBe(currency);
    expect(parsed.ambiguous).toBe(false);
  });

  it.each(ambiguous)('%j is ambiguous: no price, rejected for that', async (raw) => {
    expect(await parse(raw)).toEqual({ price: null, currency: 'unknown', ambiguous: true });
  });

  it.each(notRanges)('%j is no range → %s', async (raw, price) => {
    expect(await parse(raw)).toMatchObject({ price, ambiguous: false });
  });

  it('treats SQL NULL as unparseable, not ambiguous', async () => {
    expect(await parse(null)).toEqual({ price: null, currency: 'unknown', ambiguous: false });
  });

  it('parses a whole column in one statement (the loader runs it vectorised)', async () => {
    const all = [...cases.map(([raw]) => raw), ...ambiguous];
    const values = all.map((raw) => `(${sqlString(raw)})`).join(', ');
    const rows = await session.all(
      `SELECT p.price, p.ambiguous FROM (SELECT ${priceMacro}(raw) AS p FROM (VALUES ${values}) AS t(raw))`,
    );
    expect(rows.map((r) => [r.price, r.ambiguous])).toEqual([
      ...cases.map(([, price]) => [price, false]),
      ...ambiguous.map(() => [null, true]),
    ]);
  });
});
