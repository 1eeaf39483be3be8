import { defaultRules, defineSource, identityFields } from './sourceContract.ts';

/** The export shared in the original assignment (Swiss offers, prices in EUR/CHF text). */
export const pricehubble = defineSource({
  name: 'pricehubble',
  description: 'Swiss residential offers scraped by the PriceHubble crawler',
  fields: identityFields,
  rules: defaultRules,
  // A missing or refused day is reported and re-driven; the other days of a backfill go on.
  onFailedDay: 'report',
  quality: { maxRejectedShare: 0.5 },
});
