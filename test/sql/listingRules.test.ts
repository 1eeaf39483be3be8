import { describe, expect, it } from 'vitest';
import { reasonCodes } from '../../src/domain/cleaning/reasonCodes.ts';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import { defineSource } from '../../src/domain/sources/sourceContract.ts';
import { duckdbType, listingsRejectedTable, listingsTable } from '../../src/domain/tables/tableSchema.ts';
import { jsonLines, offer, runContract } from '../support/contractRun.ts';

/**
 * Runs one record through the contract, as the second line of a JSON Lines object, and
 * returns the reasons it was rejected for ([] = kept).
 */
async function reasonsFor(record: Record<string, unknown> | string): Promise<string[]> {
  const line = typeof record === 'string' ? record : JSON.stringify(record);
  const { kept, rejected } = await runContract([`${JSON.stringify(offer({ id: 'first' }))}\n${line}\n`]);
  if (kept.length === 2) return [];
  expect(rejected).toHaveLength(1);
  expect(rejected[0]?.record_number).toBe(2);
  return [...((rejected[0]?.reasons as string[] | undefined) ?? [])].sort();
}

describe('listing contract', () => {
  it('keeps a valid offer with normalised, typed values', async () => {
    const { kept, rejected, outcome, keptTypes } = await runContract([
      jsonLines([offer({ id: 7, living_area: '84', property_type: ' House ', municipality: ' Solothurn ' })]),
    ]);
    expect(rejected).toEqual([]);
    expect(outcome).toMatchObject({ read: 1, kept: 1, rejected: 0 });
    expect(kept).toEqual([
      {
        id: '7',
        scraping_date: '2021-02-17',
        property_type: 'house',
        municipality: 'Solothurn',
        price: 530000,
        currency: 'EUR',
        living_area: 84,
        price_per_square_meter: 530000 / 84,
        source_object: 'object-0',
        record_number: 1,
        run_id: '20240115T060000Z-000000',
      },
    ]);
    // the written columns are the schema's columns, in order, with the schema's types
    expect(Object.keys(keptTypes)).toEqual(listingsTable.columns.map((c) => c.name));
    expect(Object.values(keptTypes)).toEqual(listingsTable.columns.map((c) => duckdbType(c.type)));
  });

  it('keeps where each row was read and the currency of its price, with magnitudes applied', async () => {
    const { kept } = await runContract([
      jsonLines([offer({ id: 'a', raw_price: '450 K CHF' })]),
      jsonLines([
        offer({ id: 'b', raw_price: 'Preis auf Anfrage' }),
        offer({ id: 'c', raw_price: '€ 1,2 M' }),
        offer({ id: 'd', raw_price: 480000 }),
      ]),
    ]);
    expect(kept.map((r) => [r.id, r.price, r.currency, r.source_object, r.record_number])).toEqual([
      ['a', 450000, 'CHF', 'object-0', 1],
      ['c', 1200000, 'EUR', 'object-1', 2],
      ['d', 480000, 'unknown', 'object-1', 3],
    ]);
  });

  it.each([
    ['not JSON', 'this is not json', ['malformed_record']],
    ['a JSON array', '[1, 2]', ['malformed_record']],
    ['a JSON scalar', '"offer"', ['malformed_record']],
    ['a truncated line', '{"id": "x", "raw_price": "530 0', ['malformed_record']],
    ['no id', offer({ id: undefined }), ['missing_field']],
    ['a null municipality', offer({ municipality: null }), ['missing_field']],
    ['a blank property type', offer({ property_type: '  ' }), ['missing_field']],
    ['price on request', offer({ raw_price: 'Preis auf Anfrage' }), ['unparseable_price']],
    ['a negative JSON price', offer({ raw_price: -530000 }), ['unparseable_price']],
    ['a price range', offer({ raw_price: 'CHF 890 000 - 950 000' }), ['ambiguous_price']],
    ['two prices joined by a word', offer({ raw_price: '450k bis 500k' }), ['ambiguous_price']],
    ['a studio', offer({ property_type: 'studio' }), ['unsupported_property_type']],
    ['a maisonnette', offer({ property_type: 'maisonnette' }), ['unsupported_property_type']],
    ['3.6 m²', offer({ living_area: 3.6, raw_price: '20 000 €' }), ['living_area_out_of_range']],
    ['589 m²', offer({ living_area: 589, raw_price: '3 000 000 €' }), ['living_area_out_of_range']],
    ['an area that is not a number', offer({ living_area: 'gross' }), ['living_area_out_of_range']],
    ['a date in another format', offer({ scraping_date: '17.02.2021' }), ['invalid_scraping_date']],
    ['an impossible date', offer({ scraping_date: '2021-02-30' }), ['invalid_scraping_date']],
    [
      'a timestamp instead of a date',
      offer({ scraping_date: '2021-02-17T10:00:00' }),
      ['invalid_scraping_date'],
    ],
    ['too cheap per m²', offer({ raw_price: '40 000 €', living_area: 100 }), ['price_per_sqm_out_of_range']],
    [
      'too expensive per m²',
      offer({ raw_price: '2 000 000 €', living_area: 100 }),
      ['price_per_sqm_out_of_range'],
    ],
    [
      'several problems at once',
      offer({
        raw_price: 'on request',
        property_type: 'studio',
        living_area: 5,
        scraping_date: '2021/02/17',
      }),
      ['invalid_scraping_date', 'living_area_out_of_range', 'unparseable_price', 'unsupported_property_type'],
    ],
  ] as const)('rejects %s with every failed rule', async (_, record, expected) => {
    expect(await reasonsFor(record as Record<string, unknown> | string)).toEqual([...expected].sort());
  });

  it.each([
    ['living_area 10 (the lower bound)', offer({ living_area: 10, raw_price: '50 000 €' })],
    ['living_area 500 (the upper bound)', offer({ living_area: 500, raw_price: '3 000 000 €' })],
    ['price per m² exactly 500', offer({ living_area: 100, raw_price: '50 000 €' })],
    ['price per m² exactly 15000', offer({ living_area: 100, raw_price: '1 500 000 €' })],
    ['extra fields', offer({ url: 'https://example.invalid/1', rooms: 3.5 })],
    ['a price as a JSON number', offer({ raw_price: 530000 })],
    ['an area written with a unit', offer({ living_area: '84 m²' })],
  ])('keeps %s', async (_, record) => {
    expect(await reasonsFor(record)).toEqual([]);
  });

  // White space is Unicode's (and U+FEFF), not only U+0020: DuckDB's trim() leaves a tab, a
  // line break, U+0085, U+2028/9 and U+FEFF where they are.
  const blanks = [
    '\t',
    '\n',
    '\r\n',
    '\u000b',
    '\f',
    '\u0085',
    '\u00a0',
    '\u2003',
    '\u2028',
    '\u3000',
    '\ufeff',
  ].map((blank) => [
    [...blank].map((c) => `U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}`).join(' '),
    blank,
  ]);

  it.each(blanks)('trims %s around every field and around the record', async (_, blank) => {
    const padded = (text: string): string => `${blank}${text}${blank}`;
    const record = offer({
      id: padded('w1'),
      raw_price: padded('530 000€/mo.'),
      living_area: padded('84'),
      property_type: padded('House'),
      municipality: padded('Solothurn'),
      scraping_date: padded('2021-02-17'),
    });
    const { kept, rejected } = await runContract([`${blank}${JSON.stringify(record)}${blank}\n`]);
    expect(rejected).toEqual([]);
    expect(kept).toMatchObject([
      {
        id: 'w1',
        price: 530000,
        living_area: 84,
        property_type: 'house',
        municipality: 'Solothurn',
        scraping_date: '2021-02-17',
      },
    ]);
  });

  it.each(blanks)('takes a field of nothing but %s as missing', async (_, blank) => {
    for (const field of [
      'id',
      'raw_price',
      'living_area',
      'property_type',
      'municipality',
      'scraping_date',
    ]) {
      expect(await reasonsFor(offer({ [field]: `${blank}${blank} ${blank}` })), field).toEqual([
        'missing_field',
      ]);
    }
  });

  it('keeps white space inside a value', async () => {
    const { kept } = await runContract([
      jsonLines([offer({ municipality: '\tLa\u00a0Chaux-de-Fonds\u3000' })]),
    ]);
    expect(kept.map((r) => r.municipality)).toEqual(['La\u00a0Chaux-de-Fonds']);
  });

  it('keeps one row per id: the latest scraping date wins, ties go to the record read last', async () => {
    const first = jsonLines([
      offer({ id: 'x', scraping_date: '2021-01-01', raw_price: '500 000 €' }),
      offer({ id: 'y', scraping_date: '2021-05-05', raw_price: '600 000 €' }),
      offer({ id: 'x', scraping_date: '2021-03-03', raw_price: '510 000 €' }),
    ]);
    const second = jsonLines([
      offer({ id: 'y', scraping_date: '2021-05-05', raw_price: '610 000 €' }),
      offer({ id: 'x', scraping_date: '2021-02-02', raw_price: '520 000 €' }),
      offer({ id: 'z', scraping_date: '2021-02-02', property_type: 'studio' }),
    ]);
    const { kept, rejected, outcome } = await runContract([first, second]);
    expect(kept.map((r) => [r.id, r.price])).toEqual([
      ['x', 510000],
      ['y', 610000],
    ]);
    expect(rejected.map((r) => [r.source_object, r.record_number, r.id, r.reasons])).toEqual([
      ['object-0', 1, 'x', ['duplicate_id']],
      ['object-0', 2, 'y', ['duplicate_id']],
      ['object-1', 2, 'x', ['duplicate_id']],
      ['object-1', 3, 'z', ['unsupported_property_type']],
    ]);
    expect(outcome).toMatchObject({ read: 6, kept: 2, rejected: 4 });
    expect(outcome.rejectedByReason).toEqual({ duplicate_id: 3, unsupported_property_type: 1 });
    // a loser keeps its own line's text, like any rejected record
    const lines = [...first.trim().split('\n'), ...second.trim().split('\n')];
    expect(rejected.map((r) => r.raw_record)).toEqual([lines[0], lines[1], lines[4], lines[5]]);
  });

  it('does not let an invalid record knock out a valid one with the same id', async () => {
    const { kept, rejected } = await runContract([
      jsonLines([
        offer({ id: 'x' }),
        offer({ id: 'x', scraping_date: '2023-01-01', property_type: 'studio' }),
      ]),
    ]);
    expect(kept.map((r) => r.id)).toEqual(['x']);
    expect(rejected.map((r) => r.reasons)).toEqual([['unsupported_property_type']]);
  });

  it('keeps the raw text, object and record number of every rejected record', async () => {
    const broken = '{"id": "q", "raw_price": "1 0';
    const { rejected } = await runContract([`\n${jsonLines([offer()])}\n${broken}`]);
    expect(rejected).toEqual([
      {
        id: null,
        reasons: ['malformed_record'],
        raw_record: broken,
        source_object: 'object-0',
        record_number: 4,
        run_id: '20240115T060000Z-000000',
      },
    ]);
    expect(Object.keys(rejected[0] ?? {})).toEqual(listingsRejectedTable.columns.map((c) => c.name));
  });

  it('applies a per-source minimum scraping date only when configured', async () => {
    const old = offer({ scraping_date: '2020-03-01' });
    expect((await runContract([jsonLines([old])])).kept).toHaveLength(1);
    const strict = defineSource({
      ...pricehubble,
      rules: { ...pricehubble.rules, minScrapingDate: '2020-03-05' },
    });
    const { rejected } = await runContract([jsonLines([old])], strict);
    expect(rejected.map((r) => r.reasons)).toEqual([['scraping_date_before_minimum']]);
  });

  it('reads fields under the names a source uses', async () => {
    const renamed = defineSource({
      ...pricehubble,
      name: 'homegate',
      fields: { ...pricehubble.fields, raw_price: 'preis', municipality: 'gemeinde' },
    });
    const { kept } = await runContract(
      [
        jsonLines([
          {
            ...offer({ raw_price: undefined, municipality: undefined }),
            preis: "CHF 1'000'000",
            gemeinde: 'Bern',
          },
        ]),
      ],
      renamed,
    );
    expect(kept.map((r) => [r.price, r.municipality])).toEqual([[1000000, 'Bern']]);
  });

  it('only ever emits known reason codes', async () => {
    const { rejected } = await runContract([
      `${jsonLines([
        offer({ raw_price: '', living_area: 2, property_type: 'loft', scraping_date: 'x' }),
        offer(),
        offer(),
      ])}garbage\n`,
    ]);
    for (const row of rejected)
      for (const reason of row.reasons as string[]) expect(reasonCodes).toContain(reason);
  });
});
