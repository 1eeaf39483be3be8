-- Current listings: every offer (per source and id) as of the run date, with when it was first
-- and last seen and whether it is still on the market. It is the open versions of
-- listing_history as of the run date: :listing_history is that use case's own query for the
-- run date (the same inputs: the day's listings and the state of the day before), so this
-- table never waits for, nor reads a half-published, listing_history partition of the day,
-- and reads as little as listing_history does. Offers delisted longer than listing_history's
-- relisting window have left the state and are no longer here.
WITH history AS (
  :listing_history
)
SELECT source,
       id,
       scraping_date,
       property_type,
       municipality,
       price,
       currency,
       living_area,
       price_per_square_meter,
       valid_from AS price_since,
       first_seen,
       last_seen,
       times_seen,
       delisted_on IS NULL AS active,
       delisted_on,
       days_on_market,
       price_changes,
       :run_id AS run_id
FROM history
WHERE valid_to IS NULL
