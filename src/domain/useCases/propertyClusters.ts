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
 * go: `WITH :property_clusters, …`. They end in `property_clusters_of_day` (source, id,
 * property_cluster_id, is_anchor, cluster_size, cluster_sources) over the run date's listings.
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
  // whole municipality (all pairs of 100k offers measured 34 s; 1.4M offers timed out). And
  // only groups (place, type, currency) that more than one source offers in are joined at all:
  // a join on them would enumerate same-source pairs only to drop them.
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
         l.property_type,
         l.currency,
         l.price,
         l.living_area,
         CAST(floor(ln(l.living_area) / ${areaBandWidth}) AS BIGINT) AS area_band,
         CAST(floor(ln(l.price) / ${priceBandWidth}) AS BIGINT) AS price_band,
         coalesce(t.living_area_tolerance, ${sqlDouble(defaultDuplicateMatching.livingAreaTolerance)}) AS living_area_tolerance,
         coalesce(t.price_tolerance, ${sqlDouble(defaultDuplicateMatching.priceTolerance)}) AS price_tolerance
  FROM listings l
  LEFT JOIN property_cluster_tolerances t ON t.source = l.source
  WHERE l.dt = :run_date
),
property_cluster_shared_groups AS (
  SELECT place, property_type, currency
  FROM property_cluster_offers
  GROUP BY place, property_type, currency
  HAVING count(DISTINCT source) > 1
),
property_cluster_matches AS (
  SELECT a.offer_key,
         a.source,
         b.offer_key AS match_key,
         abs(a.living_area - b.living_area) / least(a.living_area, b.living_area)
           + abs(a.price - b.price) / least(a.price, b.price) AS distance
  FROM property_cluster_offers a
  JOIN property_cluster_shared_groups g
    ON g.place = a.place AND g.property_type = a.property_type AND g.currency = a.currency
  CROSS JOIN (VALUES (-1), (0), (1)) AS area_steps (area_step)
  CROSS JOIN (VALUES (-1), (0), (1)) AS price_steps (price_step)
  JOIN property_cluster_offers b
    ON b.place = a.place AND b.property_type = a.property_type AND b.currency = a.currency
   AND b.area_band = a.area_band + area_steps.area_step AND b.price_band = a.price_band + price_steps.price_step
  WHERE b.source <> a.source
    AND abs(a.living_area - b.living_area)
        <= least(a.living_area_tolerance, b.living_area_tolerance) * least(a.living_area, b.living_area)
    AND abs(a.price - b.price) <= least(a.price_tolerance, b.price_tolerance) * least(a.price, b.price)
),
property_cluster_anchors AS (
  SELECT o.offer_key
  FROM property_cluster_offers o
  LEFT JOIN (
    SELECT offer_key, min(match_key) AS smallest_match FROM property_cluster_matches GROUP BY offer_key
  ) s ON s.offer_key = o.offer_key
  WHERE s.smallest_match IS NULL OR s.smallest_match > o.offer_key
),
property_cluster_choices AS (
  SELECT m.offer_key,
         m.source,
         m.match_key AS anchor_key,
         m.distance,
         row_number() OVER (PARTITION BY m.offer_key ORDER BY m.distance, m.match_key) AS preference
  FROM property_cluster_matches m
  JOIN property_cluster_anchors a ON a.offer_key = m.match_key
),
property_cluster_members AS (
  SELECT offer_key,
         anchor_key,
         row_number() OVER (PARTITION BY anchor_key, source ORDER BY distance, offer_key) AS place_in_source
  FROM property_cluster_choices
  WHERE preference = 1
),
property_cluster_assignments AS (
  SELECT o.source, o.id, o.offer_key, coalesce(m.anchor_key, o.offer_key) AS property_cluster_id
  FROM property_cluster_offers o
  LEFT JOIN property_cluster_members m ON m.offer_key = o.offer_key AND m.place_in_source = 1
),
property_cluster_summaries AS (
  SELECT property_cluster_id,
         count(*) AS cluster_size,
         array_agg(source ORDER BY source) AS cluster_sources
  FROM property_cluster_assignments
  GROUP BY property_cluster_id
),
property_clusters_of_day AS (
  SELECT a.source,
         a.id,
         a.property_cluster_id,
         a.property_cluster_id = a.offer_key AS is_anchor,
         s.cluster_size,
         s.cluster_sources
  FROM property_cluster_assignments a
  JOIN property_cluster_summaries s ON s.property_cluster_id = a.property_cluster_id
)`;
}
