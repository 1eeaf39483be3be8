-- Listing history, incremental: the versions of every offer (per source and id), derived from
-- the run date's listings and the state of the day before ONLY, never from the whole history,
-- so that what a day reads stays bounded by the active offers, not by the days gone by.
--
-- The dt = D partition holds (1) the state as of D: one open version (valid_to NULL) per known
-- offer, active ones and those delisted less than :relist_window_days ago (kept so that a
-- relisted offer keeps its first_seen), and (2) the versions that closed on D. A closed
-- version is written once, in the partition of the day it closed, and never carried on.
-- All versions of an offer = its closed rows of every partition + its open row of the latest.
--
-- A version is a (price, currency, living area): a change of any of them closes the open
-- version (valid_to = the run date) and opens a new one. Property type, municipality and
-- scraping date are the latest seen of the open version. An offer its source has not shown on
-- its delist-after-days runs (:delist_rules; a day the source delivered nothing does not
-- count) is delisted on that run date; its version stays open, delisted. Seen again, it is
-- relisted: the delisted version closes (valid_to = delisted_on), a new one opens, first_seen
-- is kept and delisted_on cleared. price_changes counts versions whose price or currency
-- differs from the version before, across a relisting too (a relisting at the old price is
-- not a change). Per-offer columns (first_seen … missed_runs) are as of the partition's day.
--
-- Placeholders: :run_date, :run_id, :previous_date (the latest listing_history partition
-- before the run date, or NULL: an empty state), :delist_rules (VALUES of (source, runs)),
-- :default_delist_after_days, :relist_window_days.
WITH delist_rules AS (
  SELECT source, delist_after_days FROM (:delist_rules) AS rules (source, delist_after_days)
),
previous AS (
  SELECT * FROM listing_history WHERE dt = :previous_date AND valid_to IS NULL
),
today AS (
  SELECT source, id, scraping_date, property_type, municipality, price,
         -- rows written before listings had a currency count as unknown
         coalesce(currency, 'unknown') AS currency,
         living_area, price_per_square_meter
  FROM listings
  WHERE dt = :run_date
),
-- Only a run that brought offers of a source can tell that one of them is gone.
delivered AS (
  SELECT DISTINCT source FROM today
),
joined AS (
  SELECT coalesce(t.source, p.source) AS source,
         coalesce(t.id, p.id) AS id,
         CAST(:run_date AS DATE) AS run_day,
         t.id IS NOT NULL AS seen,
         p.id IS NOT NULL AS known,
         d.source IS NOT NULL AS delivered,
         coalesce(r.delist_after_days, :default_delist_after_days) AS delist_after_days,
         t.scraping_date AS t_scraping_date, t.property_type AS t_property_type,
         t.municipality AS t_municipality, t.price AS t_price, t.currency AS t_currency,
         t.living_area AS t_living_area, t.price_per_square_meter AS t_ppsqm,
         p.valid_from AS p_valid_from, p.scraping_date AS p_scraping_date,
         p.property_type AS p_property_type, p.municipality AS p_municipality, p.price AS p_price,
         p.currency AS p_currency, p.living_area AS p_living_area, p.price_per_square_meter AS p_ppsqm,
         p.first_seen AS p_first_seen, p.last_seen AS p_last_seen, p.delisted_on AS p_delisted_on,
         p.price_changes AS p_price_changes, p.times_seen AS p_times_seen, p.missed_runs AS p_missed_runs
  FROM today t
  FULL OUTER JOIN previous p ON p.source = t.source AND p.id = t.id
  LEFT JOIN delivered d ON d.source = coalesce(t.source, p.source)
  LEFT JOIN delist_rules r ON r.source = coalesce(t.source, p.source)
),
classified AS (
  SELECT *,
         CASE
           WHEN NOT known THEN 'new'
           WHEN seen AND p_delisted_on IS NOT NULL THEN 'relisted'
           WHEN seen AND (t_price <> p_price OR t_currency <> p_currency OR t_living_area <> p_living_area)
             THEN 'changed'
           WHEN seen THEN 'unchanged'
           WHEN p_delisted_on IS NOT NULL AND date_diff('day', p_delisted_on, run_day) >= :relist_window_days
             THEN 'expired'
           -- delisted and still within the window, or its source brought nothing today
           WHEN p_delisted_on IS NOT NULL OR NOT delivered THEN 'carried'
           WHEN p_missed_runs + 1 >= delist_after_days THEN 'delisted'
           ELSE 'missed'
         END AS change
  FROM joined
),
-- What is known of each offer after the run date (one row per offer).
offers AS (
  SELECT *,
         coalesce(p_first_seen, run_day) AS first_seen,
         CASE WHEN seen THEN run_day ELSE p_last_seen END AS last_seen,
         CASE WHEN seen THEN CAST(NULL AS DATE) WHEN change = 'delisted' THEN run_day ELSE p_delisted_on END
           AS delisted_on,
         coalesce(p_price_changes, 0)
           + CASE WHEN known AND seen AND (t_price <> p_price OR t_currency <> p_currency) THEN 1 ELSE 0 END
           AS price_changes,
         coalesce(p_times_seen, 0) + CASE WHEN seen THEN 1 ELSE 0 END AS times_seen,
         CASE WHEN seen THEN 0 WHEN change IN ('missed', 'delisted') THEN p_missed_runs + 1 ELSE p_missed_runs END
           AS missed_runs
  FROM classified
),
versions AS (
  -- the open version after the run date: a new one, or the previous one carried on
  SELECT source, id,
         CASE WHEN change IN ('new', 'changed', 'relisted') THEN run_day ELSE p_valid_from END AS valid_from,
         CAST(NULL AS DATE) AS valid_to,
         coalesce(t_scraping_date, p_scraping_date) AS scraping_date,
         coalesce(t_property_type, p_property_type) AS property_type,
         coalesce(t_municipality, p_municipality) AS municipality,
         coalesce(t_price, p_price) AS price,
         coalesce(t_currency, p_currency) AS currency,
         coalesce(t_living_area, p_living_area) AS living_area,
         coalesce(t_ppsqm, p_ppsqm) AS price_per_square_meter,
         first_seen, last_seen, delisted_on, price_changes, times_seen, missed_runs
  FROM offers
  WHERE change <> 'expired'
  UNION ALL
  -- the version that closed on the run date: replaced, relisted after a delisting, or delisted
  -- longer than the window (the offer leaves the state: seen again, it is a new offer)
  SELECT source, id, p_valid_from,
         CASE WHEN change = 'changed' THEN run_day ELSE p_delisted_on END,
         p_scraping_date, p_property_type, p_municipality, p_price, p_currency, p_living_area, p_ppsqm,
         first_seen, last_seen, delisted_on, price_changes, times_seen, missed_runs
  FROM offers
  WHERE change IN ('changed', 'relisted', 'expired')
)
SELECT source,
       id,
       valid_from,
       valid_to,
       scraping_date,
       property_type,
       municipality,
       price,
       currency,
       living_area,
       price_per_square_meter,
       first_seen,
       last_seen,
       delisted_on,
       CAST(date_diff('day', first_seen, last_seen) + 1 AS BIGINT) AS days_on_market,
       CAST(price_changes AS BIGINT) AS price_changes,
       CAST(times_seen AS BIGINT) AS times_seen,
       CAST(missed_runs AS BIGINT) AS missed_runs,
       :run_id AS run_id
FROM versions
