-- Market statistics per municipality, property type, currency and month of scraping, for the offers
-- of the run date: count, mean, and exact 10th/50th/90th percentiles of price per m².
-- Percentiles interpolate linearly between ranks (as numpy and DuckDB's quantile_cont do),
-- computed with window functions so that Athena and DuckDB give the same numbers.
-- The ranks a percentile lies between are computed once per group in integer arithmetic
-- (the percentile in tenths), and only the rows at those ranks are joined back: no row pays
-- for the DECIMAL arithmetic that `(offers - 1) * 0.1` would be.
-- A property offered on several sources counts once: only the anchor of each cluster of
-- :property_clusters (the property_clusters use case's clustering, rendered in place) is an
-- offer here, in the group of its own municipality spelling, type, currency and month; its
-- cluster's size is summed as offers_across_sources. The clustering is computed again here,
-- not read from the property_clusters table: the state machine runs a day's use cases side by
-- side, so that table may not be published yet for the day.
WITH :property_clusters,
offers AS (
  SELECT municipality,
         property_type,
         -- rows written before listings had a currency count as unknown, not as no group
         coalesce(currency, 'unknown') AS currency,
         substr(CAST(scraping_date AS VARCHAR), 1, 7) AS month,
         price_per_square_meter AS ppsqm,
         cluster_size
  FROM property_clusters_of_day
  WHERE is_anchor
),
-- Each group gets a number once; the ranking and the joins after it go by that number, not by
-- four strings (which cost about a third more CPU on 1.4M offers).
groups AS (
  SELECT municipality, property_type, currency, month, offers, mean_ppsqm, offers_across_sources,
         row_number() OVER (ORDER BY municipality, property_type, currency, month) AS group_number
  FROM (
    SELECT municipality, property_type, currency, month, count(*) AS offers, avg(ppsqm) AS mean_ppsqm,
           sum(cluster_size) AS offers_across_sources
    FROM offers
    GROUP BY municipality, property_type, currency, month
  ) AS counted
),
ranked AS (
  SELECT g.group_number, o.ppsqm,
         row_number() OVER (PARTITION BY g.group_number ORDER BY o.ppsqm) AS position
  FROM offers o
  JOIN groups g
    ON g.municipality = o.municipality AND g.property_type = o.property_type
   AND g.currency = o.currency AND g.month = o.month
),
-- (offers - 1) * tenths = 10 * whole + remainder: the percentile lies at rank whole + 1,
-- remainder / 10 of the way to the next rank
bounds AS (
  SELECT group_number, tenths,
         CAST(((offers - 1) * tenths - ((offers - 1) * tenths) % 10) / 10 AS BIGINT) + 1 AS lower_rank,
         ((offers - 1) * tenths) % 10 AS remainder
  FROM groups
  CROSS JOIN (VALUES (1), (5), (9)) AS wanted_percentiles (tenths)
),
wanted AS (
  SELECT group_number, tenths, lower_rank AS position FROM bounds
  UNION ALL
  SELECT group_number, tenths, lower_rank + 1 FROM bounds WHERE remainder > 0
),
at_ranks AS (
  SELECT w.group_number, w.tenths,
         min(r.ppsqm) AS lower_value,
         max(r.ppsqm) AS upper_value
  FROM wanted w
  JOIN ranked r ON r.group_number = w.group_number AND r.position = w.position
  GROUP BY w.group_number, w.tenths
),
percentiles AS (
  SELECT a.group_number, a.tenths,
         a.lower_value + (CAST(b.remainder AS DOUBLE) / 10) * (a.upper_value - a.lower_value) AS value
  FROM at_ranks a
  JOIN bounds b ON b.group_number = a.group_number AND b.tenths = a.tenths
)
SELECT g.municipality,
       g.property_type,
       g.currency,
       g.month,
       CAST(g.offers AS BIGINT) AS listings,
       CAST(g.offers_across_sources AS BIGINT) AS offers_across_sources,
       g.mean_ppsqm AS mean_price_per_square_meter,
       max(CASE WHEN p.tenths = 5 THEN p.value END) AS median_price_per_square_meter,
       max(CASE WHEN p.tenths = 1 THEN p.value END) AS p10_price_per_square_meter,
       max(CASE WHEN p.tenths = 9 THEN p.value END) AS p90_price_per_square_meter,
       :run_id AS run_id
FROM groups g
JOIN percentiles p ON p.group_number = g.group_number
GROUP BY g.municipality, g.property_type, g.currency, g.month, g.offers, g.offers_across_sources, g.mean_ppsqm
