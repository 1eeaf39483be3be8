/**
 * Why a record was discarded. The codes are stored in `listings_rejected.reasons` and
 * shown to people in summaries, so they are stable API: add, never rename.
 */
export const reasonCodes = [
  'malformed_record',
  'missing_field',
  'unparseable_price',
  'unsupported_property_type',
  'living_area_out_of_range',
  'invalid_scraping_date',
  'price_per_sqm_out_of_range',
  'scraping_date_before_minimum',
  'duplicate_id',
] as const;

export type ReasonCode = (typeof reasonCodes)[number];

export const reasonDescriptions: Record<ReasonCode, string> = {
  malformed_record: 'not a JSON object (invalid JSON, truncated line, array or scalar)',
  missing_field: 'a required field is absent, null or empty',
  unparseable_price: 'no positive price could be read from raw_price',
  unsupported_property_type: 'property_type is not apartment or house',
  living_area_out_of_range: 'living_area is not a number between the bounds',
  invalid_scraping_date: 'scraping_date is not a real YYYY-MM-DD date',
  price_per_sqm_out_of_range: 'price / living_area is outside the bounds',
  scraping_date_before_minimum: 'scraping_date is before the source’s minimum date',
  duplicate_id: 'another record with the same id and a later scraping_date (or read later) was kept',
};
