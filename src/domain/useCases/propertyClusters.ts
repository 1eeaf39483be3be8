import { InternalError } from '../errors/pipelineError.ts';
import {
  type DuplicateMatching,
  defaultDuplicateMatching,
  duplicateMatchingOf,
  type SourceContract,
} from '../sources/sourceContract.ts';
import { sqlString } from '../sql/sqlLiteral.ts';
import { sqlWhiteSpaceCharacters } from '../text/whiteSpace.ts';

/**
 * The placeholder a use-case SQL file writes where the clustering's common table expressions
 * go: `WITH :property_clusters, …`. They end in `property_clusters_of_day`: every listing of
 * the run date (source, id, municipality, property_type, currency, price, living_area,
 * price_per_square_meter, scraping_date, as in `listings`) with its property_cluster_id,
 * is_anchor, cluster_size and cluster_sources, so that a use case reads the day's listings once.
 */
export const propertyClustersPlaceholder = ':property_clusters';

/** A tolerance as a DOUBLE literal on both engines (a bare 0.03 is a DECIMAL on Trino). */
const sqlDouble = (value: number): string => {
  if (!Number.isFinite(value)) throw new InternalError(`Not a finite tolerance: ${value}`);
  return `CAST(${String(value)} AS DOUBLE)`;
};

/**
 * The clustering of the run date's offers into properties, as common table expressions. It is
 * one definition shared by every use case that needs it (`property_clusters` publishes it,
 * `market_stats_monthly` counts each property once with it), because the state machine runs a
 * day's use cases side by side, in no order: a use case cannot read another one's table of
 * the same day.
 *
 * The rule, in steps each a plain join or window (no recursion, which Athena and DuckDB do
 * not share and which a connected component would need):
 * 1. two offers *match* when they come from different sources and have the same municipality
 *    (lower-cased, white space removed), property type and currency, and their living areas
 *    and prices differ by at most the stricter of the two sources' relative tolerances, taken
 *    of the smaller value (so the relation is symmetric);
 * 2. an offer none of whose matches has a smaller key (`source:id`) is an *anchor*: it names a
 *    cluster, `property_cluster_id` = its key. Two anchors never match (the larger would have a
 *    smaller match);
 * 3. every other offer joins the anchor it matches most closely (the sum of the relative
 *    differences of area and price; then the smallest anchor key), and of the offers of one
 *    source that chose an anchor only the closest (then the smallest key) joins: a cluster
 *    holds at most one offer per source, since one portal's duplicates are de-duplication's;
 * 4. an offer that matches no anchor (the far end of a chain A~B~C with A !~ C), or lost its
 *    place to an offer of its own source, is a cluster of its own.
 * Every member of a cluster therefore matches its anchor; two members may differ by up to
 * twice the tolerance. The result depends only on the day's offers, not on their order.
 * Offers of a source no contract defines any more are matched with the default tolerances.
 * The text holds no SQL comment: the renderer removes comments before it puts this in.
 */
export function propertyClusterCtes(sources: readonly SourceContract[]): string {
  if (sources.length === 0) throw new InternalError('No source contracts to take tolerances from');
  const row = (name: string, matching: DuplicateMatching): string =>
    `(${sqlString(name)}, ${sqlDouble(matching.livingAreaTolerance)}, ${sqlDouble(matching.priceTolerance)})`;
  const tolerances = sources.map((s) => row(s.name, duplicateMatchingOf(s))).join(',\n           ');
  const whiteSpace = sqlWhiteSpaceCharacters();
  // Bands of ln(value) one widest tolerance wide: two values that match (the larger at most
  // 1 + tolerance times the smaller) lie in the same band or in neighbouring ones, so the match
  // compares each offer with those of three bands of area by three of price, never with the
  // whole municipality (all pairs of 100k offers measured 34 s; 1.4M offers timed out). The
  // nine neighbouring bands are projected onto each offer (property_cluster_probes) before the
  // join, so that both bands are equality keys of it whatever order the engine joins in: with
  // the steps as relations of their own, DuckDB once crossed them with both sides and joined on
  // the place alone (45 s of CPU instead of 0.3 s on 145k offers).
  // Only offers of groups (place, type, currency) that more than one source offers in are
  // candidates, and only offers with a match go through anchors, choices and cluster sizes:
  // every other offer is a cluster of its own, of size 1, whatever the day's volume. On a day
  // of one source nothing is matched at all (2M offers: 1.1 s of CPU instead of 4.9–7.1 s).
  const widest = (pick: (m: DuplicateMatching) => number): string =>
    sqlDouble(Math.max(pick(defaultDuplicateMatching), ...sources.map((s) => pick(duplicateMatchingOf(s)))));
  const areaBandWidth = `ln(1 + ${widest((m) => m.livingAreaTolerance)})`;
  const priceBandWidth = `ln(1 + ${widest((m) => m.priceTolerance)})`;
  return `property_cluster_tolerances AS (
  SELECT source, living_area_tolerance, price_tolerance
  FROM (VALUES ${tolerances}) AS contract_tolerances (source, living_area_tolerance, price_tolerance)
),
property_cluster_offers AS (
  SELECT l.source,
         l.id,
         l.source || ':' || l.id AS offer_key,
         translate(lower(l.municipality), ${whiteSpace}, '') AS place,
         l.municipality,
         l.property_type,
         l.currency,
         l.price,
         l.living_area,
         l.price_per_square_meter,
         l.scraping_date
  FROM listings l
  WHERE l.dt = :run_date
),
property_cluster_shared_groups AS (
  SELECT place, property_type, currency
  FROM property_cluster_offers
  GROUP BY place, property_type, currency
  HAVING count(DISTINCT source) > 1
),
property_cluster_candidates AS (
  SELECT o.source,
         o.offer_key,
         o.place,
         o.property_type,
         o.currency,
         o.price,
         o.living_area,
         CAST(floor(ln(o.living_area) / ${areaBandWidth}) AS BIGINT) AS area_band,
         CAST(floor(ln(o.price) / ${priceBandWidth}) AS BIGINT) AS price_band,
         coalesce(t.living_area_tolerance, ${sqlDouble(defaultDuplicateMatching.livingAreaTolerance)}) AS living_area_tolerance,
         coalesce(t.price_tolerance, ${sqlDouble(defaultDuplicateMatching.priceTolerance)}) AS price_tolerance
  FROM property_cluster_offers o
  JOIN property_cluster_shared_groups g
    ON g.place = o.place AND g.property_type = o.property_type AND g.currency = o.currency
  LEFT JOIN property_cluster_tolerances t ON t.source = o.source
),
property_cluster_probes AS (
  SELECT c.source,
         c.offer_key,
         c.place,
         c.property_type,
         c.currency,
         c.price,
         c.living_area,
         c.living_area_tolerance,
         c.price_tolerance,
         c.area_band + band_steps.area_step AS probed_area_band,
         c.price_band + band_steps.price_step AS probed_price_band
  FROM property_cluster_candidates c
  CROSS JOIN (VALUES (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1))
    AS band_steps (area_step, price_step)
),
property_cluster_matches AS (
  SELECT a.offer_key,
         a.source,
         b.offer_key AS match_key,
         b.source AS match_source,
         abs(a.living_area - b.living_area) / least(a.living_area, b.living_area)
           + abs(a.price - b.price) / least(a.price, b.price) AS distance
  FROM property_cluster_probes a
  JOIN property_cluster_candidates b
    ON b.place = a.place AND b.property_type = a.property_type AND b.currency = a.currency
   AND b.area_band = a.probed_area_band AND b.price_band = a.probed_price_band
  WHERE b.source <> a.source
    AND abs(a.living_area - b.living_area)
        <= least(a.living_area_tolerance, b.living_area_tolerance) * least(a.living_area, b.living_area)
    AND abs(a.price - b.price) <= least(a.price_tolerance, b.price_tolerance) * least(a.price, b.price)
),
property_cluster_anchors AS (
  SELECT offer_key
  FROM property_cluster_matches
  GROUP BY offer_key
  HAVING min(match_key) > offer_key
),
property_cluster_choices AS (
  SELECT m.offer_key,
         m.source,
         m.match_key AS anchor_key,
         m.match_source AS anchor_source,
         m.distance,
         row_number() OVER (PARTITION BY m.offer_key ORDER BY m.distance, m.match_key) AS preference
  FROM property_cluster_matches m
  JOIN property_cluster_anchors a ON a.offer_key = m.match_key
),
property_cluster_members AS (
  SELECT offer_key,
         source,
         anchor_key,
         anchor_source,
         row_number() OVER (PARTITION BY anchor_key, source ORDER BY distance, offer_key) AS place_in_source
  FROM property_cluster_choices
  WHERE preference = 1
),
property_cluster_joined AS (
  SELECT offer_key, source, anchor_key, anchor_source
  FROM property_cluster_members
  WHERE place_in_source = 1
),
property_cluster_summaries AS (
  SELECT property_cluster_id,
         count(*) AS cluster_size,
         array_agg(source ORDER BY source) AS cluster_sources
  FROM (
    SELECT anchor_key AS property_cluster_id, source FROM property_cluster_joined
    UNION ALL
    SELECT DISTINCT anchor_key, anchor_source FROM property_cluster_joined
  ) AS cluster_members
  GROUP BY property_cluster_id
),
property_clusters_of_day AS (
  SELECT o.source,
         o.id,
         o.municipality,
         o.property_type,
         o.currency,
         o.price,
         o.living_area,
         o.price_per_square_meter,
         o.scraping_date,
         coalesce(j.anchor_key, o.offer_key) AS property_cluster_id,
         j.anchor_key IS NULL AS is_anchor,
         coalesce(s.cluster_size, 1) AS cluster_size,
         coalesce(s.cluster_sources, ARRAY[o.source]) AS cluster_sources
  FROM property_cluster_offers o
  LEFT JOIN property_cluster_joined j ON j.offer_key = o.offer_key
  LEFT JOIN property_cluster_summaries s ON s.property_cluster_id = coalesce(j.anchor_key, o.offer_key)
)`;
}
