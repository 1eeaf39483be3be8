-- Price outliers of the run date: offers whose price per m² is far from the median of their
-- municipality's offers in the same currency, by the modified z-score of Iglewicz and Hoaglin, 0.6745 * (x - median) / MAD, where
-- MAD is the median absolute deviation. |score| > 3.5 is an outlier. Municipalities with
-- fewer than 5 offers, or a MAD of 0, are not scored. Medians are exact (linear
-- interpolation between ranks) so that Athena and DuckDB agree: the one or two ranks a median
-- lies between are computed once per municipality in integer arithmetic, and only the rows at
-- those ranks are joined back. Each (municipality, currency) gets a number once, and the
-- ranking and the joins after it go by that number: partitioning and joining 1.4M offers on
-- two strings cost about twice as much.
WITH listed AS (
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
         offers,
         lower_rank,
         odd_gap,
         row_number() OVER (ORDER BY municipality, currency) AS municipality_number
  FROM (
    SELECT municipality,
           currency,
           count(*) AS offers,
           CAST(((count(*) - 1) - (count(*) - 1) % 2) / 2 AS BIGINT) + 1 AS lower_rank,
           (count(*) - 1) % 2 AS odd_gap
    FROM listed
    GROUP BY municipality, currency
  ) AS counted
),
offers AS (
  SELECT l.source, l.id, l.municipality, l.property_type, l.currency, l.ppsqm, m.municipality_number
  FROM listed l
  JOIN municipalities m ON m.municipality = l.municipality AND m.currency = l.currency
),
ranked AS (
  SELECT municipality_number, ppsqm,
         row_number() OVER (PARTITION BY municipality_number ORDER BY ppsqm) AS position
  FROM offers
),
medians AS (
  SELECT m.municipality_number,
         m.offers,
         min(r.ppsqm) + 0.5 * (max(r.ppsqm) - min(r.ppsqm)) AS median
  FROM municipalities m
  JOIN ranked r
    ON r.municipality_number = m.municipality_number
   AND (r.position = m.lower_rank OR r.position = m.lower_rank + m.odd_gap)
  GROUP BY m.municipality_number, m.offers
),
deviations AS (
  SELECT o.source, o.id, o.municipality, o.property_type, o.currency, o.ppsqm, o.municipality_number,
         m.median, m.offers, abs(o.ppsqm - m.median) AS deviation
  FROM offers o
  JOIN medians m ON m.municipality_number = o.municipality_number
),
ranked_deviations AS (
  SELECT municipality_number, deviation,
         row_number() OVER (PARTITION BY municipality_number ORDER BY deviation) AS position
  FROM deviations
),
spreads AS (
  SELECT m.municipality_number,
         min(d.deviation) + 0.5 * (max(d.deviation) - min(d.deviation)) AS mad
  FROM municipalities m
  JOIN ranked_deviations d
    ON d.municipality_number = m.municipality_number
   AND (d.position = m.lower_rank OR d.position = m.lower_rank + m.odd_gap)
  GROUP BY m.municipality_number
),
scored AS (
  SELECT d.source, d.id, d.municipality, d.property_type, d.currency, d.ppsqm, d.median, d.offers, s.mad,
         0.6745 * (d.ppsqm - d.median) / s.mad AS robust_score
  FROM deviations d
  JOIN spreads s ON s.municipality_number = d.municipality_number
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
