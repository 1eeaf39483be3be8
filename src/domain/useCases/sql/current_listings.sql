-- Current listings: the latest version of every offer (per source and id) across all run
-- dates up to the run date, with when it was first and last seen.
WITH versions AS (
  SELECT source, id, dt, scraping_date, property_type, municipality, price, currency, living_area, price_per_square_meter,
         row_number() OVER (PARTITION BY source, id ORDER BY scraping_date DESC, dt DESC) AS version,
         min(dt) OVER (PARTITION BY source, id) AS first_seen,
         count(*) OVER (PARTITION BY source, id) AS times_seen
  FROM listings
  WHERE dt <= :run_date
)
SELECT source,
       id,
       scraping_date,
       property_type,
       municipality,
       price,
       coalesce(currency, 'unknown') AS currency,
       living_area,
       price_per_square_meter,
       first_seen,
       dt AS last_seen,
       CAST(times_seen AS BIGINT) AS times_seen,
       :run_id AS run_id
FROM versions
WHERE version = 1
