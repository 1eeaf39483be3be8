import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parser from 'node-sql-parser/build/trino.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { duckdbType } from '../../src/domain/tables/tableSchema.ts';
import {
  currentListings,
  listingHistory,
  marketStatsMonthly,
  priceOutliers,
  renderUseCaseSelect,
  sqlUseCases,
} from '../../src/domain/useCases/registry.ts';
import { seededRandom } from '../../src/generator/messyOffers.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { readUseCaseSql } from '../../src/runtime/useCaseSqlFiles.ts';
import { listing, publishListings, publishUseCase, runUseCase } from '../support/listingsLake.ts';

let root: string;
let lake: LakeConnection;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'usecases-'));
  lake = connectLake(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const byKeys = (keys: string[]) => (a: Record<string, unknown>, b: Record<string, unknown>) =>
  keys
    .map((k) => String(a[k]))
    .join('|')
    .localeCompare(keys.map((k) => String(b[k])).join('|'));

describe('every SQL use case', () => {
  it.each(sqlUseCases.map((u) => [u.name, u] as const))(
    '%s parses as Trino (Athena engine v3) SQL',
    (_, useCase) => {
      const sql = renderUseCaseSelect(useCase, readUseCaseSql, {
        runDate: '2024-01-15',
        runId: 'run-1',
        previousDate: '2024-01-14',
      });
      expect(() => new parser.Parser().astify(sql, { database: 'trino' })).not.toThrow();
    },
  );

  it.each(sqlUseCases.map((u) => [u.name, u] as const))(
    '%s returns exactly its table’s columns and types on DuckDB',
    async (_, useCase) => {
      await publishListings(lake, 'pricehubble', '2024-01-15', [listing('a', 'Bern', 5000)]);
      const { types } = await runUseCase(lake, useCase, '2024-01-15');
      expect(Object.entries(types)).toEqual(useCase.table.columns.map((c) => [c.name, duckdbType(c.type)]));
    },
  );
});

describe('market_stats_monthly', () => {
  it('never mixes currencies: each is a group of its own', async () => {
    await publishListings(lake, 'pricehubble', '2024-01-15', [
      listing('a', 'Bern', 1000),
      listing('b', 'Bern', 3000),
      listing('c', 'Bern', 9000, { currency: 'EUR' }),
      listing('d', 'Bern', 8000, { currency: 'unknown' }),
    ]);
    const { rows } = await runUseCase(lake, marketStatsMonthly, '2024-01-15');
    expect(
      rows
        .map((r) => [r.currency, r.listings, r.median_price_per_square_meter])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['CHF', 2, 2000],
      ['EUR', 1, 9000],
      ['unknown', 1, 8000],
    ]);
  });

  it('computes count, mean and exact percentiles per municipality, type and month', async () => {
    await publishListings(lake, 'pricehubble', '2024-01-15', [
      listing('a', 'Bern', 1000),
      listing('b', 'Bern', 4000),
      listing('c', 'Bern', 2000),
      listing('d', 'Bern', 3000),
      listing('e', 'Bern', 5000, { property_type: 'house' }),
      listing('f', 'Bern', 7000, { scraping_date: '2024-02-01' }),
    ]);
    // another day must not count
    await publishListings(lake, 'pricehubble', '2024-01-14', [listing('z', 'Bern', 99000)]);
    const { rows } = await runUseCase(lake, marketStatsMonthly, '2024-01-15');
    // 1000, 2000, 3000, 4000: median at rank 1.5 → 2500; p10 at rank 0.3 → 1300; p90 at 2.7 → 3700
    expect(rows.sort(byKeys(['property_type', 'month']))).toEqual([
      {
        municipality: 'Bern',
        property_type: 'apartment',
        currency: 'CHF',
        month: '2024-01',
        listings: 4,
        offers_across_sources: 4,
        mean_price_per_square_meter: 2500,
        median_price_per_square_meter: 2500,
        p10_price_per_square_meter: 1300,
        p90_price_per_square_meter: 3700,
        run_id: 'run-1',
      },
      {
        municipality: 'Bern',
        property_type: 'apartment',
        currency: 'CHF',
        month: '2024-02',
        listings: 1,
        offers_across_sources: 1,
        mean_price_per_square_meter: 7000,
        median_price_per_square_meter: 7000,
        p10_price_per_square_meter: 7000,
        p90_price_per_square_meter: 7000,
        run_id: 'run-1',
      },
      {
        municipality: 'Bern',
        property_type: 'house',
        currency: 'CHF',
        month: '2024-01',
        listings: 1,
        offers_across_sources: 1,
        mean_price_per_square_meter: 5000,
        median_price_per_square_meter: 5000,
        p10_price_per_square_meter: 5000,
        p90_price_per_square_meter: 5000,
        run_id: 'run-1',
      },
    ]);
  });
});

describe('current_listings', () => {
  it('keeps the latest version of each offer across days and sources, with first and last seen', async () => {
    await publishListings(lake, 'pricehubble', '2024-01-14', [
      listing('a', 'Bern', 5000, { scraping_date: '2024-01-13' }),
      listing('b', 'Thun', 6000, { scraping_date: '2024-01-13' }),
    ]);
    // the state it goes on from: listing_history of the day before
    await publishUseCase(lake, listingHistory, '2024-01-14');
    await publishListings(lake, 'pricehubble', '2024-01-15', [
      listing('a', 'Bern', 5500, { scraping_date: '2024-01-15' }),
    ]);
    await publishListings(lake, 'homegate', '2024-01-15', [
      listing('a', 'Biel', 4000, { scraping_date: '2024-01-15' }),
    ]);
    // a later day is not "current" for a run of the 15th
    await publishListings(lake, 'pricehubble', '2024-01-16', [listing('b', 'Thun', 9999)]);
    const { rows } = await runUseCase(lake, currentListings, '2024-01-15');
    expect(
      rows
        .sort(byKeys(['source', 'id']))
        .map((r) => [
          r.source,
          r.id,
          r.price_per_square_meter,
          r.scraping_date,
          r.price_since,
          r.first_seen,
          r.last_seen,
          r.times_seen,
          r.active,
          r.delisted_on,
          r.days_on_market,
          r.price_changes,
        ]),
    ).toEqual([
      ['homegate', 'a', 4000, '2024-01-15', '2024-01-15', '2024-01-15', '2024-01-15', 1, true, null, 1, 0],
      ['pricehubble', 'a', 5500, '2024-01-15', '2024-01-15', '2024-01-14', '2024-01-15', 2, true, null, 2, 1],
      // missed one run of its source: still active (delisted after 3)
      ['pricehubble', 'b', 6000, '2024-01-13', '2024-01-14', '2024-01-14', '2024-01-14', 1, true, null, 1, 0],
    ]);
  });

  it('reads only the run date’s listings and the state of the day before, never older listings', async () => {
    await publishListings(lake, 'pricehubble', '2024-01-14', [listing('old', 'Bern', 5000)]);
    // no listing_history before the 15th: an empty state, so the 14th's offer is unknown
    await publishListings(lake, 'pricehubble', '2024-01-15', [listing('a', 'Bern', 5000)]);
    const { rows } = await runUseCase(lake, currentListings, '2024-01-15');
    expect(rows.map((r) => r.id)).toEqual(['a']);
  });
});

describe('price_outliers', () => {
  it('compares an offer only with offers in its currency', async () => {
    // five EUR offers far below five CHF ones: together the EUR ones would look odd, apart none is
    await publishListings(lake, 'pricehubble', '2024-01-15', [
      ...[5000, 5050, 5100, 5150, 5200].map((p, i) => listing(`chf-${i}`, 'Bern', p)),
      ...[1000, 1010, 1020, 1030, 1040].map((p, i) => listing(`eur-${i}`, 'Bern', p, { currency: 'EUR' })),
      listing('eur-odd', 'Bern', 9000, { currency: 'EUR' }),
    ]);
    const { rows } = await runUseCase(lake, priceOutliers, '2024-01-15');
    // EUR: 1000 1010 1020 1030 1040 9000 → median 1025, |deviations| 5 5 15 15 25 7975 → MAD 15
    expect(
      rows.map((r) => [
        r.id,
        r.currency,
        r.municipality_median_price_per_square_meter,
        r.municipality_listings,
      ]),
    ).toEqual([['eur-odd', 'EUR', 1025, 6]]);
  });

  it('scores offers by the modified z-score on the municipality’s MAD', async () => {
    await publishListings(lake, 'pricehubble', '2024-01-15', [
      listing('a', 'Bern', 4900),
      listing('b', 'Bern', 4950),
      listing('c', 'Bern', 5000),
      listing('d', 'Bern', 5050),
      listing('e', 'Bern', 5100),
      listing('f', 'Bern', 20000),
      // too few offers in Thun to judge, however odd
      listing('g', 'Thun', 1000),
      listing('h', 'Thun', 90000),
    ]);
    const { rows } = await runUseCase(lake, priceOutliers, '2024-01-15');
    // sorted: 4900 4950 5000 5050 5100 20000 → median 5025; |deviations| sorted 25 25 75 75 125 14975 → MAD 75
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      source: 'pricehubble',
      id: 'f',
      municipality: 'Bern',
      price_per_square_meter: 20000,
      municipality_median_price_per_square_meter: 5025,
      municipality_mad_price_per_square_meter: 75,
      municipality_listings: 6,
    });
    expect(rows[0]?.robust_score).toBeCloseTo((0.6745 * (20000 - 5025)) / 75, 9);
  });
});

/** The p-th percentile with linear interpolation between ranks (numpy's default), computed here. */
function percentile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lower = Math.floor(h + 1e-9);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const at = (rank: number) => sorted[rank] ?? Number.NaN;
  return at(lower) + (h - lower) * (at(upper) - at(lower));
}

const ascending = (a: number, b: number) => a - b;

/** Groups of every size from 1 to 23 offers, with ties, in seeded random order. */
function randomGroups(seed: number) {
  const random = seededRandom(seed);
  return Array.from({ length: 23 }, (_, index) => ({
    municipality: `M${index + 1}`,
    values: Array.from({ length: index + 1 }, () =>
      random() < 0.2 ? 5000 : Math.round(1000 + random() * 9000 + (random() < 0.1 ? 40_000 : 0)),
    ),
  }));
}

describe('percentiles of the SQL use cases, against an independent computation', () => {
  const groups = randomGroups(7);
  const offers = groups.flatMap((g) =>
    g.values.map((v, i) => listing(`${g.municipality}-${i}`, g.municipality, v)),
  );

  it('market_stats_monthly: p10, median and p90 of every group size from 1 to 23', async () => {
    await publishListings(lake, 'pricehubble', '2024-01-15', offers);
    const { rows } = await runUseCase(lake, marketStatsMonthly, '2024-01-15');
    expect(rows).toHaveLength(groups.length);
    for (const group of groups) {
      const sorted = [...group.values].sort(ascending);
      const row = rows.find((r) => r.municipality === group.municipality);
      expect(row?.listings).toBe(sorted.length);
      expect(row?.p10_price_per_square_meter).toBeCloseTo(percentile(sorted, 0.1), 6);
      expect(row?.median_price_per_square_meter).toBeCloseTo(percentile(sorted, 0.5), 6);
      expect(row?.p90_price_per_square_meter).toBeCloseTo(percentile(sorted, 0.9), 6);
    }
  });

  it('price_outliers: medians, MADs and the offers beyond 3.5 of every group size from 5 to 23', async () => {
    await publishListings(lake, 'pricehubble', '2024-01-15', offers);
    const { rows } = await runUseCase(lake, priceOutliers, '2024-01-15');
    const expected = groups.flatMap((group) => {
      const sorted = [...group.values].sort(ascending);
      const median = percentile(sorted, 0.5);
      const mad = percentile(sorted.map((v) => Math.abs(v - median)).sort(ascending), 0.5);
      if (sorted.length < 5 || mad === 0) return [];
      return group.values
        .map((v, i) => ({
          id: `${group.municipality}-${i}`,
          median,
          mad,
          score: (0.6745 * (v - median)) / mad,
        }))
        .filter((o) => Math.abs(o.score) > 3.5);
    });
    expect(expected.length).toBeGreaterThan(3);
    expect(rows.map((r) => r.id).sort()).toEqual(expected.map((o) => o.id).sort());
    for (const outlier of expected) {
      const row = rows.find((r) => r.id === outlier.id);
      expect(row?.municipality_median_price_per_square_meter).toBeCloseTo(outlier.median, 6);
      expect(row?.municipality_mad_price_per_square_meter).toBeCloseTo(outlier.mad, 6);
      expect(row?.robust_score).toBeCloseTo(outlier.score, 6);
    }
  });
});
