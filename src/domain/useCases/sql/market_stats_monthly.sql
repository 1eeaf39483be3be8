-- Market statistics per municipality, property type and month of scraping, for the offers
-- of the run date: count, mean, and exact 10th/50th/90th percentiles of price per m².
-- Percentiles interpolate linearly between ranks (as numpy and DuckDB's quantile_cont do),
-- computed with window functions so that Athena and DuckDB give the same numbers.
WITH offers AS (
  SELECT municipality,
         property_type,
         substr(CAST(scraping_date AS VARCHAR), 1, 7) AS month,
         price_per_square_meter AS ppsqm
  FROM listings
  WHERE dt = :run_date
),
ranked AS (
  SELECT municipality, property_type, month, ppsqm,
         row_number() OVER (PARTITION BY municipality, property_type, month ORDER BY ppsqm) AS position,
         count(*) OVER (PARTITION BY municipality, property_type, month) AS offers
  FROM offers
)
SELECT municipality,
       property_type,
       month,
       CAST(offers AS BIGINT) AS listings,
       avg(ppsqm) AS mean_price_per_square_meter,
       max(CASE WHEN position = floor((offers - 1) * 0.5) + 1 THEN ppsqm END)
         + ((offers - 1) * 0.5 - floor((offers - 1) * 0.5))
         * (max(CASE WHEN position = ceil((offers - 1) * 0.5) + 1 THEN ppsqm END)
            - max(CASE WHEN position = floor((offers - 1) * 0.5) + 1 THEN ppsqm END)) AS median_price_per_square_meter,
       max(CASE WHEN position = floor((offers - 1) * 0.1) + 1 THEN ppsqm END)
         + ((offers - 1) * 0.1 - floor((offers - 1) * 0.1))
         * (max(CASE WHEN position = ceil((offers - 1) * 0.1) + 1 THEN ppsqm END)
            - max(CASE WHEN position = floor((offers - 1) * 0.1) + 1 THEN ppsqm END)) AS p10_price_per_square_meter,
       max(CASE WHEN position = floor((offers - 1) * 0.9) + 1 THEN ppsqm END)
         + ((offers - 1) * 0.9 - floor((offers - 1) * 0.9))
         * (max(CASE WHEN position = ceil((offers - 1) * 0.9) + 1 THEN ppsqm END)
            - max(CASE WHEN position = floor((offers - 1) * 0.9) + 1 THEN ppsqm END)) AS p90_price_per_square_meter,
       :run_id AS run_id
FROM ranked
GROUP BY municipality, property_type, month, offers
