-- Price outliers of the run date: offers whose price per m² is far from their municipality's
-- median, by the modified z-score of Iglewicz and Hoaglin, 0.6745 * (x - median) / MAD, where
-- MAD is the median absolute deviation. |score| > 3.5 is an outlier. Municipalities with
-- fewer than 5 offers, or a MAD of 0, are not scored. Medians are exact (linear
-- interpolation between ranks) so that Athena and DuckDB agree.
WITH offers AS (
  SELECT source, id, municipality, property_type, price_per_square_meter AS ppsqm
  FROM listings
  WHERE dt = :run_date
),
ranked AS (
  SELECT municipality, ppsqm,
         row_number() OVER (PARTITION BY municipality ORDER BY ppsqm) AS position,
         count(*) OVER (PARTITION BY municipality) AS offers
  FROM offers
),
medians AS (
  SELECT municipality,
         offers,
         max(CASE WHEN position = floor((offers - 1) * 0.5) + 1 THEN ppsqm END)
           + ((offers - 1) * 0.5 - floor((offers - 1) * 0.5))
           * (max(CASE WHEN position = ceil((offers - 1) * 0.5) + 1 THEN ppsqm END)
              - max(CASE WHEN position = floor((offers - 1) * 0.5) + 1 THEN ppsqm END)) AS median
  FROM ranked
  GROUP BY municipality, offers
),
deviations AS (
  SELECT o.source, o.id, o.municipality, o.property_type, o.ppsqm, m.median, m.offers,
         abs(o.ppsqm - m.median) AS deviation
  FROM offers o
  JOIN medians m ON o.municipality = m.municipality
),
ranked_deviations AS (
  SELECT municipality, offers, deviation,
         row_number() OVER (PARTITION BY municipality ORDER BY deviation) AS position
  FROM deviations
),
spreads AS (
  SELECT municipality,
         max(CASE WHEN position = floor((offers - 1) * 0.5) + 1 THEN deviation END)
           + ((offers - 1) * 0.5 - floor((offers - 1) * 0.5))
           * (max(CASE WHEN position = ceil((offers - 1) * 0.5) + 1 THEN deviation END)
              - max(CASE WHEN position = floor((offers - 1) * 0.5) + 1 THEN deviation END)) AS mad
  FROM ranked_deviations
  GROUP BY municipality, offers
),
scored AS (
  SELECT d.source, d.id, d.municipality, d.property_type, d.ppsqm, d.median, d.offers, s.mad,
         0.6745 * (d.ppsqm - d.median) / s.mad AS robust_score
  FROM deviations d
  JOIN spreads s ON d.municipality = s.municipality
  WHERE d.offers >= 5 AND s.mad > 0
)
SELECT source,
       id,
       municipality,
       property_type,
       ppsqm AS price_per_square_meter,
       median AS municipality_median_price_per_square_meter,
       mad AS municipality_mad_price_per_square_meter,
       robust_score,
       CAST(offers AS BIGINT) AS municipality_listings,
       :run_id AS run_id
FROM scored
WHERE abs(robust_score) > 3.5
