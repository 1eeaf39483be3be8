import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/localQueryEngine.ts';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import {
  type DuplicateMatching,
  defaultDuplicateMatching,
  defineSource,
  duplicateMatchingOf,
  type SourceContract,
  sourceContractSchema,
} from '../../src/domain/sources/sourceContract.ts';
import { propertyClusterCtes } from '../../src/domain/useCases/propertyClusters.ts';
import {
  marketStatsMonthly,
  propertyClusters,
  renderUseCaseSql,
} from '../../src/domain/useCases/registry.ts';
import { seededRandom } from '../../src/generator/messyOffers.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { readUseCaseSql } from '../../src/runtime/useCaseSqlFiles.ts';
import { type ListingRow, publishListings, runUseCase } from '../support/listingsLake.ts';

let root: string;
let lake: LakeConnection;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'clusters-'));
  lake = connectLake(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const dt = '2024-01-15';

const source = (name: string, duplicateMatching?: DuplicateMatching): SourceContract =>
  defineSource({ ...pricehubble, name, ...(duplicateMatching ? { duplicateMatching } : {}) });

/** Three sources with the default tolerances: living area 3 %, price 2 %. */
const alpha = source('alpha');
const beta = source('beta');
const gamma = source('gamma');
const defaults = [alpha, beta, gamma];

/** An offer of 100 m² for 1,000,000 CHF in Bern unless said otherwise. */
const offer = (id: string, overrides: Partial<ListingRow> = {}): ListingRow => ({
  id,
  scraping_date: '2024-01-10',
  property_type: 'apartment',
  municipality: 'Bern',
  price: 1_000_000,
  living_area: 100,
  ...overrides,
});

/** The clusters of the day as [source, id, cluster id, size, sources], sorted. */
async function clusters(contracts: readonly SourceContract[] = defaults) {
  const { rows } = await runUseCase(lake, propertyClusters, dt, contracts);
  return rows
    .map((r) => [r.source, r.id, r.property_cluster_id, r.cluster_size, r.cluster_sources])
    .sort((a, b) => {
      const [x, y] = [`${a[0]}:${a[1]}`, `${b[0]}:${b[1]}`];
      return x < y ? -1 : x > y ? 1 : 0;
    });
}

describe('property_clusters', () => {
  it('clusters offers of different sources within tolerance, and nothing else', async () => {
    await publishListings(lake, 'alpha', dt, [
      // exact duplicate
      offer('exact', { municipality: 'Bern' }),
      // within both tolerances: area 2.5 % ≤ 3 %, price 1.8 % ≤ 2 %
      offer('close', { municipality: 'Thun', living_area: 100, price: 500_000 }),
      // area 3.1 m² apart on 100 m²: just outside 3 %
      offer('area-miss', { municipality: 'Biel', living_area: 100 }),
      // price 20,100 apart on 1,000,000: just outside 2 %
      offer('price-miss', { municipality: 'Chur' }),
      // the same place spelt with other case and white space
      offer('spelling', { municipality: 'Le Locle', living_area: 120, price: 600_000 }),
      offer('type', { municipality: 'Sion', property_type: 'house' }),
      offer('currency', { municipality: 'Aarau' }),
      // two identical offers of one source: de-duplication's business, never a cluster
      offer('twin-1', { municipality: 'Zug' }),
      offer('twin-2', { municipality: 'Zug' }),
    ]);
    await publishListings(lake, 'beta', dt, [
      offer('exact', { municipality: 'Bern' }),
      offer('close', { municipality: 'Thun', living_area: 102.5, price: 509_000 }),
      offer('area-miss', { municipality: 'Biel', living_area: 103.1 }),
      offer('price-miss', { municipality: 'Chur', price: 1_020_100 }),
      offer('spelling', { municipality: 'LE\u00a0 locle', living_area: 120, price: 600_000 }),
      offer('type', { municipality: 'Sion', property_type: 'apartment' }),
      offer('currency', { municipality: 'Aarau', currency: 'EUR' }),
    ]);
    expect(await clusters()).toEqual([
      ['alpha', 'area-miss', 'alpha:area-miss', 1, ['alpha']],
      ['alpha', 'close', 'alpha:close', 2, ['alpha', 'beta']],
      ['alpha', 'currency', 'alpha:currency', 1, ['alpha']],
      ['alpha', 'exact', 'alpha:exact', 2, ['alpha', 'beta']],
      ['alpha', 'price-miss', 'alpha:price-miss', 1, ['alpha']],
      ['alpha', 'spelling', 'alpha:spelling', 2, ['alpha', 'beta']],
      ['alpha', 'twin-1', 'alpha:twin-1', 1, ['alpha']],
      ['alpha', 'twin-2', 'alpha:twin-2', 1, ['alpha']],
      ['alpha', 'type', 'alpha:type', 1, ['alpha']],
      ['beta', 'area-miss', 'beta:area-miss', 1, ['beta']],
      ['beta', 'close', 'alpha:close', 2, ['alpha', 'beta']],
      ['beta', 'currency', 'beta:currency', 1, ['beta']],
      ['beta', 'exact', 'alpha:exact', 2, ['alpha', 'beta']],
      ['beta', 'price-miss', 'beta:price-miss', 1, ['beta']],
      ['beta', 'spelling', 'alpha:spelling', 2, ['alpha', 'beta']],
      ['beta', 'type', 'beta:type', 1, ['beta']],
    ]);
  });

  it('keeps every offer with its own columns, and only the run date’s', async () => {
    await publishListings(lake, 'alpha', dt, [offer('a', { municipality: 'Bern' })]);
    await publishListings(lake, 'beta', dt, [offer('b', { municipality: 'bern', currency: 'EUR' })]);
    // the same offer on another day is not a duplicate of today's
    await publishListings(lake, 'beta', '2024-01-14', [offer('old')]);
    const { rows } = await runUseCase(lake, propertyClusters, dt, defaults);
    expect(rows.sort((a, b) => String(a.source).localeCompare(String(b.source)))).toEqual([
      {
        source: 'alpha',
        id: 'a',
        municipality: 'Bern',
        property_type: 'apartment',
        currency: 'CHF',
        price: 1_000_000,
        living_area: 100,
        property_cluster_id: 'alpha:a',
        cluster_size: 1,
        cluster_sources: ['alpha'],
        run_id: 'run-1',
      },
      {
        source: 'beta',
        id: 'b',
        municipality: 'bern',
        property_type: 'apartment',
        currency: 'EUR',
        price: 1_000_000,
        living_area: 100,
        property_cluster_id: 'beta:b',
        cluster_size: 1,
        cluster_sources: ['beta'],
        run_id: 'run-1',
      },
    ]);
  });

  it('clusters three sources under the smallest key, one offer per source', async () => {
    await publishListings(lake, 'alpha', dt, [offer('1')]);
    await publishListings(lake, 'beta', dt, [
      // 1 % from alpha:1 in area
      offer('1', { living_area: 101 }),
      // matches alpha:1 as well (2 %), but beta:1 is closer: beta already has its offer there
      offer('2', { living_area: 102 }),
    ]);
    await publishListings(lake, 'gamma', dt, [offer('1', { price: 1_010_000 })]);
    expect(await clusters()).toEqual([
      ['alpha', '1', 'alpha:1', 3, ['alpha', 'beta', 'gamma']],
      ['beta', '1', 'alpha:1', 3, ['alpha', 'beta', 'gamma']],
      ['beta', '2', 'beta:2', 1, ['beta']],
      ['gamma', '1', 'alpha:1', 3, ['alpha', 'beta', 'gamma']],
    ]);
  });

  it('cuts a chain A~B~C (A !~ C): an offer joins only a cluster whose anchor it matches', async () => {
    // Lugano: alpha:c 100 m² ~ beta:c 102.5 m² ~ gamma:c 105 m²; 100 and 105 are 5 % apart.
    // alpha:c is the anchor (no smaller match); beta:c joins it; gamma:c's one match, beta:c,
    // is no anchor, so gamma:c stays alone.
    // Locarno: alpha:d 100 m² ~ gamma:d 102.5 m² ~ beta:d 105 m². beta:d's one match, gamma:d,
    // has a larger key, so beta:d is an anchor too; gamma:d matches both anchors and joins the
    // closer one: 2.5 / 102.5 = 2.44 % from beta:d against 2.5 / 100 = 2.5 % from alpha:d.
    await publishListings(lake, 'alpha', dt, [
      offer('c', { municipality: 'Lugano', living_area: 100 }),
      offer('d', { municipality: 'Locarno', living_area: 100 }),
    ]);
    await publishListings(lake, 'beta', dt, [
      offer('c', { municipality: 'Lugano', living_area: 102.5 }),
      offer('d', { municipality: 'Locarno', living_area: 105 }),
    ]);
    await publishListings(lake, 'gamma', dt, [
      offer('c', { municipality: 'Lugano', living_area: 105 }),
      offer('d', { municipality: 'Locarno', living_area: 102.5 }),
    ]);
    expect(await clusters()).toEqual([
      ['alpha', 'c', 'alpha:c', 2, ['alpha', 'beta']],
      ['alpha', 'd', 'alpha:d', 1, ['alpha']],
      ['beta', 'c', 'alpha:c', 2, ['alpha', 'beta']],
      ['beta', 'd', 'beta:d', 2, ['beta', 'gamma']],
      ['gamma', 'c', 'gamma:c', 1, ['gamma']],
      ['gamma', 'd', 'beta:d', 2, ['beta', 'gamma']],
    ]);
  });

  it('compares two sources with the stricter of their tolerances, taken from the contracts', async () => {
    const looseA = source('loose_a', { livingAreaTolerance: 0.1, priceTolerance: 0.1 });
    const looseB = source('loose_b', { livingAreaTolerance: 0.1, priceTolerance: 0.1 });
    const strict = source('strict', { livingAreaTolerance: 0.01, priceTolerance: 0.01 });
    // Bern: the loose pair is 5 % apart in area and 4 % in price, within their 10 %;
    // strict:x has loose_a:x's price and is 5 % off in area: outside strict's 1 %, inside 10 %.
    // Thun: the same area, prices 5 % apart: outside strict's 1 %, inside loose_a's 10 %.
    await publishListings(lake, 'loose_a', dt, [
      offer('x', { living_area: 100, price: 1_000_000 }),
      offer('y', { municipality: 'Thun', living_area: 100, price: 1_000_000 }),
    ]);
    await publishListings(lake, 'loose_b', dt, [offer('x', { living_area: 105, price: 1_040_000 })]);
    await publishListings(lake, 'strict', dt, [
      offer('x', { living_area: 95, price: 1_000_000 }),
      offer('y', { municipality: 'Thun', living_area: 100, price: 1_050_000 }),
    ]);
    expect(await clusters([looseA, looseB, strict])).toEqual([
      ['loose_a', 'x', 'loose_a:x', 2, ['loose_a', 'loose_b']],
      ['loose_a', 'y', 'loose_a:y', 1, ['loose_a']],
      ['loose_b', 'x', 'loose_a:x', 2, ['loose_a', 'loose_b']],
      ['strict', 'x', 'strict:x', 1, ['strict']],
      ['strict', 'y', 'strict:y', 1, ['strict']],
    ]);
    // sources without a contract get the defaults (3 %, 2 %): none of them match then
    expect((await clusters(defaults)).map((r) => r[3])).toEqual([1, 1, 1, 1, 1]);
  });

  it('renders the contracts’ tolerances into the SQL, and the defaults for unknown sources', () => {
    const sql = renderUseCaseSql(readUseCaseSql(propertyClusters), {
      runDate: dt,
      runId: 'run-1',
      sourceContracts: [source('only', { livingAreaTolerance: 0.07, priceTolerance: 0.015 })],
    });
    expect(sql).toContain("('only', CAST(0.07 AS DOUBLE), CAST(0.015 AS DOUBLE))");
    expect(sql).toContain(
      `coalesce(t.living_area_tolerance, CAST(${defaultDuplicateMatching.livingAreaTolerance} AS DOUBLE))`,
    );
    expect(sql).not.toContain(':property_clusters');
    expect(sql).not.toContain('--');
  });
});

describe('the clustering is one definition', () => {
  it('property_clusters and market_stats_monthly render the same common table expressions', () => {
    const parameters = { runDate: dt, runId: 'run-1', sourceContracts: defaults };
    const clustering = renderUseCaseSql(propertyClusterCtes(defaults), parameters);
    for (const useCase of [propertyClusters, marketStatsMonthly]) {
      expect(renderUseCaseSql(readUseCaseSql(useCase), parameters)).toContain(clustering);
    }
    // neither reads the other's table: a day's use cases run side by side, in no order
    expect(marketStatsMonthly.reads).toEqual(['listings']);
  });
});

describe('duplicateMatching in a source contract', () => {
  it('is optional, with the defaults defined once', () => {
    expect(duplicateMatchingOf(pricehubble)).toEqual(defaultDuplicateMatching);
    expect(duplicateMatchingOf(source('own', { livingAreaTolerance: 0, priceTolerance: 0.5 }))).toEqual({
      livingAreaTolerance: 0,
      priceTolerance: 0.5,
    });
  });

  it.each([
    ['a negative tolerance', { livingAreaTolerance: -0.01, priceTolerance: 0.02 }],
    ['a tolerance above one half', { livingAreaTolerance: 0.03, priceTolerance: 0.6 }],
    ['a missing tolerance', { livingAreaTolerance: 0.03 }],
    ['an unknown key', { livingAreaTolerance: 0.03, priceTolerance: 0.02, roomsTolerance: 1 }],
  ])('refuses %s', (_, duplicateMatching) => {
    expect(sourceContractSchema.safeParse({ ...pricehubble, duplicateMatching }).success).toBe(false);
  });
});

describe('market_stats_monthly counts a property offered on several sources once', () => {
  it('keeps the anchor of each cluster, and sums the cluster sizes as offers_across_sources', async () => {
    // alpha:m1 (10,000/m²) and beta:m1 (10,100/m², 1 % apart) are one property; alpha:m2
    // (5,000/m²) and beta:m3 (6,000/m², 20 % apart) are two.
    await publishListings(lake, 'alpha', dt, [
      offer('m1', { price: 1_000_000 }),
      offer('m2', { price: 500_000 }),
    ]);
    await publishListings(lake, 'beta', dt, [
      offer('m1', { price: 1_010_000 }),
      offer('m3', { price: 600_000 }),
    ]);
    const { rows } = await runUseCase(lake, marketStatsMonthly, dt, defaults);
    // the anchors' 5000, 6000, 10000: mean 7000; median 6000; p10 at rank 0.2 → 5200;
    // p90 at rank 1.8 → 6000 + 0.8 × 4000 = 9200
    expect(rows).toEqual([
      {
        municipality: 'Bern',
        property_type: 'apartment',
        currency: 'CHF',
        month: '2024-01',
        listings: 3,
        offers_across_sources: 4,
        mean_price_per_square_meter: 7000,
        median_price_per_square_meter: 6000,
        p10_price_per_square_meter: 5200,
        p90_price_per_square_meter: 9200,
        run_id: 'run-1',
      },
    ]);
  });
});

interface ReferenceOffer {
  readonly source: string;
  readonly id: string;
  readonly municipality: string;
  readonly property_type: string;
  readonly currency: string;
  readonly price: number;
  readonly living_area: number;
}

/**
 * The clustering rule of src/domain/useCases/propertyClusters.ts, computed directly over all
 * pairs: the SQL's blocking, candidate groups and skipping of unmatched offers must not change
 * a single cluster.
 */
function referenceClusters(offers: readonly ReferenceOffer[], contracts: readonly SourceContract[]) {
  const tolerance = (source: string) => {
    const contract = contracts.find((c) => c.name === source);
    return contract ? duplicateMatchingOf(contract) : defaultDuplicateMatching;
  };
  const key = (o: ReferenceOffer) => `${o.source}:${o.id}`;
  const place = (o: ReferenceOffer) => o.municipality.toLowerCase().replace(/\s/g, '');
  const within = (x: number, y: number, t: number) => Math.abs(x - y) <= t * Math.min(x, y);
  const distance = (a: ReferenceOffer, b: ReferenceOffer) =>
    Math.abs(a.living_area - b.living_area) / Math.min(a.living_area, b.living_area) +
    Math.abs(a.price - b.price) / Math.min(a.price, b.price);
  const matches = new Map<string, ReferenceOffer[]>(
    offers.map((a) => [
      key(a),
      offers.filter((b) => {
        const [ta, tb] = [tolerance(a.source), tolerance(b.source)];
        return (
          a.source !== b.source &&
          place(a) === place(b) &&
          a.property_type === b.property_type &&
          a.currency === b.currency &&
          within(a.living_area, b.living_area, Math.min(ta.livingAreaTolerance, tb.livingAreaTolerance)) &&
          within(a.price, b.price, Math.min(ta.priceTolerance, tb.priceTolerance))
        );
      }),
    ]),
  );
  const closest = (a: { d: number; k: string }, b: { d: number; k: string }) =>
    a.d - b.d || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);
  const isAnchor = (o: ReferenceOffer) => (matches.get(key(o)) ?? []).every((m) => key(m) > key(o));
  // each non-anchor's closest anchor, then per anchor and source the closest such offer
  const choice = new Map<string, { anchor: string; d: number }>();
  for (const o of offers.filter((o) => !isAnchor(o))) {
    const [best] = (matches.get(key(o)) ?? [])
      .filter(isAnchor)
      .map((m) => ({ d: distance(o, m), k: key(m) }))
      .sort(closest);
    if (best) choice.set(key(o), { anchor: best.k, d: best.d });
  }
  const clusterOf = new Map<string, string>(offers.map((o) => [key(o), key(o)]));
  const seats = new Map<string, { d: number; k: string }>();
  for (const o of offers) {
    const chosen = choice.get(key(o));
    if (!chosen) continue;
    const seat = `${chosen.anchor}|${o.source}`;
    const held = seats.get(seat);
    if (!held || closest({ d: chosen.d, k: key(o) }, held) < 0) seats.set(seat, { d: chosen.d, k: key(o) });
  }
  for (const [seat, { k }] of seats) clusterOf.set(k, seat.split('|')[0] as string);
  return offers
    .map((o) => {
      const cluster = clusterOf.get(key(o)) as string;
      const members = offers.filter((m) => clusterOf.get(key(m)) === cluster);
      return [o.source, o.id, cluster, members.length, members.map((m) => m.source).sort()];
    })
    .sort((a, b) => {
      const [x, y] = [`${a[0]}:${a[1]}`, `${b[0]}:${b[1]}`];
      return x < y ? -1 : x > y ? 1 : 0;
    });
}

describe('property_clusters against an independent computation of the rule', () => {
  it('gives every offer of crowded groups the cluster the rule over all pairs gives', async () => {
    // Three sources (one with its own, looser, tolerances) offering from a few areas and prices
    // with jitter inside and outside the tolerances, in a few spellings of three places, two
    // types and two currencies: chains, ties, losers within a source and unmatched offers in
    // shared groups all occur. A source alone in a group (delta in Sion) is never a candidate.
    const random = seededRandom(11);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const contracts = [alpha, beta, source('delta', { livingAreaTolerance: 0.05, priceTolerance: 0.04 })];
    const offers: ReferenceOffer[] = ['alpha', 'beta', 'delta'].flatMap((name) =>
      Array.from({ length: 120 }, (_, i) => ({
        source: name,
        id: String(i),
        municipality:
          name === 'delta' && i % 10 === 0 ? 'Sion' : pick(['Bern', 'BERN', 'Thun', 'Le Locle', 'le locle']),
        property_type: pick(['apartment', 'house']),
        currency: random() < 0.9 ? 'CHF' : 'EUR',
        living_area: pick([60, 80, 100]) * (1 + Math.round((random() - 0.5) * 8) / 100),
        price: pick([500_000, 800_000]) * (1 + Math.round((random() - 0.5) * 6) / 100),
      })),
    );
    for (const name of ['alpha', 'beta', 'delta']) {
      await publishListings(
        lake,
        name,
        dt,
        offers.filter((o) => o.source === name).map((o) => offer(o.id, o)),
      );
    }
    const expected = referenceClusters(offers, contracts);
    expect(new Set(expected.map((r) => r[3]))).toEqual(new Set([1, 2, 3]));
    expect(await clusters(contracts)).toEqual(expected);
  });

  it('joins offers on both bands as equality keys, not on the place alone', async () => {
    // With the band steps as relations of their own DuckDB once joined on place, type and
    // currency only and filtered the bands after: all pairs of a place, 150x the CPU.
    await publishListings(lake, 'alpha', dt, [offer('1'), offer('2', { living_area: 80 })]);
    await publishListings(lake, 'beta', dt, [offer('1'), offer('2', { price: 700_000 })]);
    const engine = await LocalQueryEngine.open(lake.catalog, lake.root);
    try {
      const sql = renderUseCaseSql(
        `WITH ${propertyClusterCtes(defaults)} SELECT * FROM property_cluster_matches`,
        {
          runDate: dt,
          runId: 'run-1',
        },
      );
      const { rows } = await engine.query(`EXPLAIN (FORMAT json) ${sql}`);
      const joins: string[][] = [];
      const walk = (node: {
        name?: string;
        extra_info?: { Conditions?: string | string[] };
        children?: [];
      }) => {
        const conditions = node.extra_info?.Conditions;
        if (node.name?.includes('JOIN') && conditions !== undefined) joins.push([conditions].flat());
        for (const child of node.children ?? []) walk(child);
      };
      for (const plan of JSON.parse(String(rows[0]?.explain_value))) walk(plan);
      expect(joins).toContainEqual(
        expect.arrayContaining([
          'place = place',
          'probed_area_band = area_band',
          'probed_price_band = price_band',
        ]),
      );
    } finally {
      engine.close();
    }
  });
});
