-- Price outliers of the run date: offers whose price per m² is far from the median of their
-- municipality's offers in the same currency, by the modified z-score of Iglewicz and Hoaglin, 0.6745 * (x - median) / MAD, where
-- MAD is the median absolute deviation. |score| > 3.5 is an outlier. Municipalities with
-- fewer than 5 offers, or a MAD of 0, are not scored. Medians are exact (linear
-- interpolation between ranks) so that Athena and DuckDB agree: the one or two ranks a median
-- lies between are computed once per municipality in integer arithmetic, and only the rows at
-- those ranks are joined back.
WITH offers AS (
  SELECT source, id, municipality, property_type,
         -- rows written before listings had a currency count as unknown
         coalesce(currency, 'unknown') AS currency,
         price_per_square_meter AS ppsqm
  FROM listings
  WHERE dt = :run_date
),
municipalities AS (
  SELECT municipality,
         currency,
         count(*) AS offers,
         CAST(((count(*) - 1) - (count(*) - 1) % 2) / 2 AS BIGINT) + 1 AS lower_rank,
         (count(*) - 1) % 2 AS odd_gap
  FROM offers
  GROUP BY municipality, currency
),
ranked AS (
  SELECT municipality, currency, ppsqm,
         row_number() OVER (PARTITION BY municipality, currency ORDER BY ppsqm) AS position
  FROM offers
),
medians AS (
  SELECT m.municipality,
         m.currency,
         m.offers,
         min(r.ppsqm) + 0.5 * (max(r.ppsqm) - min(r.ppsqm)) AS median
  FROM municipalities m
  JOIN ranked r
    ON r.municipality = m.municipality AND r.currency = m.currency
   AND (r.position = m.lower_rank OR r.position = m.lower_rank + m.odd_gap)
  GROUP BY m.municipality, m.currency, m.offers
),
deviations AS (
  SELECT o.source, o.id, o.municipality, o.property_type, o.currency, o.ppsqm, m.median, m.offers,
         abs(o.ppsqm - m.median) AS deviation
  FROM offers o
  JOIN medians m ON o.municipality = m.municipality AND o.currency = m.currency
),
ranked_deviations AS (
  SELECT municipality, currency, deviation,
         row_number() OVER (PARTITION BY municipality, currency ORDER BY deviation) AS position
  FROM deviations
),
spreads AS (
  SELECT m.municipality,
         m.currency,
         min(d.deviation) + 0.5 * (max(d.deviation) - min(d.deviation)) AS mad
  FROM municipalities m
  JOIN ranked_deviations d
    ON d.municipality = m.municipality AND d.currency = m.currency
   AND (d.position = m.lower_rank OR d.position = m.lower_rank + m.odd_gap)
  GROUP BY m.municipality, m.currency
),
scored AS (
  SELECT d.source, d.id, d.municipality, d.property_type, d.currency, d.ppsqm, d.median, d.offers, s.mad,
         0.6745 * (d.ppsqm - d.median) / s.mad AS robust_score
  FROM deviations d
  JOIN spreads s ON d.municipality = s.municipality AND d.currency = s.currency
  WHERE d.offers >= 5 AND s.mad > 0
)
SELECT source,
       id,
       municipality,
       property_type,
       currency,
       ppsqm AS price_per_square_meter,
       median AS municipality_median_price_per_square_meter,
       mad AS municipality_mad_price_per_square_meter,
       robust_score,
       CAST(offers AS BIGINT) AS municipality_listings,
       :run_id AS run_id
FROM scored
WHERE abs(robust_score) > 3.5
