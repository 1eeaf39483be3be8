/**
 * Why a record was discarded. The codes are stored in `listings_rejected.reasons` and
 * shown to people in summaries, so they are stable API: add, never rename.
 */
export const reasonCodes = [
  'malformed_record',
  'missing_field',
  'unparseable_price',
  'ambiguous_price',
  'unsupported_property_type',
  'living_area_out_of_range',
  'invalid_scraping_date',
  'price_per_sqm_out_of_range',
  'scraping_date_before_minimum',
  'duplicate_id',
] as const;

export type ReasonCode = (typeof reasonCodes)[number];
