/**
 * A day the data-quality gate refuses: 4 of 5 records rejected (3 studios, a property type the
 * contract does not support, and 1 line that is not JSON), 80% against pricehubble's limit of 50%.
 */
const studio = (i: number): string =>
  JSON.stringify({
    id: `s${i}`,
    raw_price: '400 000 €',
    living_area: 40,
    property_type: 'studio',
    municipality: 'Bern',
    scraping_date: '2024-01-15',
  });

const good = JSON.stringify({
  id: 'ok',
  raw_price: '800 000 €',
  living_area: 100,
  property_type: 'house',
  municipality: 'Bern',
  scraping_date: '2024-01-15',
});

/** The day's JSON Lines: one offer kept (`ok`), four rejected. */
export const refusedDayLines = [good, studio(1), studio(2), studio(3), 'not json'].join('\n');
