import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { plainPricePattern, pricedSql } from '../../src/domain/cleaning/priceParsing.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import { sqlTestSession } from '../support/duckdb.ts';

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
  // As the loader parses: the plain shortcut, and the full parser for the rest.
  const parse = async (raw: string | null): Promise<Parsed> => {
    const text = raw === null ? 'NULL::VARCHAR' : sqlString(raw);
    const [row] = await session.all(
      `SELECT price, currency, price_ambiguous AS ambiguous FROM (${pricedSql(`(SELECT ${text} AS t)`, 't')})`,
    );
    return row as unknown as Parsed;
  };
  beforeAll(async () => {
    session = await sqlTestSession();
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
      `SELECT price, price_ambiguous AS ambiguous FROM (${pricedSql(`(VALUES ${values}) AS t(raw)`, 'raw')})`,
    );
    expect(rows.map((r) => [r.price, r.ambiguous])).toEqual([
      ...cases.map(([, price]) => [price, false]),
      ...ambiguous.map(() => [null, true]),
    ]);
  });
});

/** Texts built from the pieces prices are written with, plain and not, from a fixed seed. */
function fuzzedPrices(count: number, seed: number): string[] {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const maybe = (text: string, odds = 0.5): string => (random() < odds ? text : '');
  const separators = [' ', "'", '’', nbsp, narrowNbsp, '.', ','];
  const number = (): string => {
    const digits = Array.from({ length: 1 + Math.floor(random() * 16) }, () =>
      pick('0123456789'.split('')),
    ).join('');
    let text = digits;
    if (random() < 0.6) {
      // grouped by three from the right, with one separator or a random one per group
      const separator = pick(separators);
      const groups: string[] = [];
      for (let end = digits.length; end > 0; end -= 3)
        groups.unshift(digits.slice(Math.max(0, end - 3), end));
      text = groups
        .map((g, i) => (i === 0 ? g : `${random() < 0.9 ? separator : pick(separators)}${g}`))
        .join('');
    }
    return text + maybe(`${pick(['.', ','])}${'5'.repeat(1 + Math.floor(random() * 4))}`, 0.4);
  };
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const currency = pick(['CHF', 'chf', '€', 'EUR', 'eur', 'Fr.', 'SFr.', '$', '£', '']);
    const before = random() < 0.5;
    texts.push(
      maybe(pick(['Prix: ', 'Loyer:', 'preis : ', 'Kaufpreis ', 'Heure: ', 'dès ']), 0.3) +
        maybe(pick(['-', '− ']), 0.05) +
        (before ? `${currency}${maybe(' ')}` : '') +
        number() +
        maybe(pick(['k', ' M', ' Mio.', ' m²']), 0.1) +
        maybe(pick([' - ', '–', ' bis ', ' to ']) + number(), 0.05) +
        (before ? '' : `${maybe(' ')}${currency}`) +
        maybe(pick(['/mo', '/mo.', '.-', '.–', '.—', ' - négociable', '/Monat']), 0.3),
    );
  }
  return texts;
}

describe('the plain shortcut', () => {
  let session: DuckdbSession;
  beforeAll(async () => {
    session = await sqlTestSession();
  });
  afterAll(() => session.close());

  /** Texts where the shortcut's answer differs from the full parser's, and how many were plain. */
  const compare = async (texts: readonly string[]): Promise<{ differ: unknown[]; plain: number }> => {
    const values = texts.map((text) => `(${sqlString(text)})`).join(', ');
    const relation = `(VALUES ${values}) AS t(raw)`;
    const differ = await session.all(`
      SELECT * FROM (
        SELECT raw, {'price': price, 'currency': currency, 'ambiguous': price_ambiguous} AS by_loader
        FROM (${pricedSql(relation, 'raw')})) AS loader
      FULL JOIN (
        SELECT raw, {'price': price, 'currency': currency, 'ambiguous': price_ambiguous} AS by_parser
        FROM (${pricedSql(relation, 'raw', { plainShortcut: false })})) AS parser USING (raw)
      WHERE by_parser IS DISTINCT FROM by_loader`);
    const [counted] = await session.all(
      `SELECT count(*) FILTER (regexp_full_match(raw, ${sqlString(plainPricePattern)})) AS plain FROM ${relation}`,
    );
    return { differ, plain: Number(counted?.plain) };
  };

  it('answers as the full parser does for every case above', async () => {
    const { differ, plain } = await compare([
      ...cases.map(([raw]) => raw),
      ...ambiguous,
      ...notRanges.map(([raw]) => raw),
    ]);
    expect(differ).toEqual([]);
    expect(plain).toBeGreaterThan(20);
  });

  it('answers as the full parser does for 20,000 fuzzed texts, most of them plain', async () => {
    const { differ, plain } = await compare(fuzzedPrices(20_000, 11));
    expect(differ).toEqual([]);
    expect(plain).toBeGreaterThan(5_000);
  });

  it.each([
    '530 000€/mo.',
    '530000.0€/mo',
    'Loyer: 3741€/mo',
    "CHF 1'250'000.–",
    '1’250’000.-',
    `Prix: 450${nbsp}000 €`,
    '€ 1.488.900,00',
    '1,250,000.50 EUR',
    '530000',
  ])('takes %j as plain (so the common spellings skip the full parser)', (raw) => {
    expect(new RegExp(`^(?:${plainPricePattern.replace('(?i)', '')})$`, 'iu').test(raw)).toBe(true);
  });

  it.each([
    '1.250',
    '1,250',
    'CHF -1’250’000',
    '450k',
    '1 234 567 890 123 456',
    'CHF 890 000 - 950 000',
    'Heure: 100',
  ])('leaves %j to the full parser', (raw) => {
    expect(new RegExp(`^(?:${plainPricePattern.replace('(?i)', '')})$`, 'iu').test(raw)).toBe(false);
  });
});
