import { z } from 'zod';
import { reasonCodes } from '../cleaning/reasonCodes.ts';
import { recordsPathKeys, recordsPathProblem } from '../ingest/recordsPath.ts';

/** Names end up in S3 keys, partition values and SQL: keep them to a safe alphabet. */
export const sourceNamePattern = /^[a-z][a-z0-9_]{1,40}$/;

/** Duplicates are expected (offers are re-scraped), so no limit weighs them. */
const gatedReasons = reasonCodes.filter((code) => code !== 'duplicate_id');

const share = z.number().min(0).max(1);

/**
 * Runs of a source without an offer after which listing_history calls it delisted, unless the
 * source's contract says otherwise: one missed scrape is common (a page not reached, a listing
 * hidden for a day), three in a row rarely are.
 */
export const defaultDelistAfterDays = 3;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/**
 * A relative tolerance: |a − b| ≤ tolerance × the smaller of a and b. Above a half, two values
 * one and a half times apart would be "the same", which no listing of one property is.
 */
const relativeTolerance = z.number().min(0).max(0.5);

/**
 * How closely this source's offers must agree with another source's to be taken for the same
 * property (the `property_clusters` use case). Two sources compare with the stricter of their
 * two tolerances, so a source that reports areas loosely cannot loosen a precise one's matches.
 */
export const duplicateMatchingSchema = z
  .object({
    /** Living areas, relative: 0.03 lets 100 m² match 97–103 m². */
    livingAreaTolerance: relativeTolerance,
    /** Prices, relative: 0.02 lets 1,000,000 match 980,000–1,020,000. */
    priceTolerance: relativeTolerance,
  })
  .strict();

export type DuplicateMatching = z.infer<typeof duplicateMatchingSchema>;

/**
 * The tolerances of a source whose contract says none, and of offers of a source no contract
 * defines any more: areas are rounded differently from portal to portal (net or gross, a
 * balcony or not), so they get more room than prices, which are copied from the same brochure.
 */
export const defaultDuplicateMatching: DuplicateMatching = {
  livingAreaTolerance: 0.03,
  priceTolerance: 0.02,
};

/**
 * A source is a website the company scrapes: its name, where each field is in its raw
 * records, and the rules its offers must satisfy. Adding a source is adding one of these.
 */
export const sourceContractSchema = z
  .object({
    name: z
      .string()
      .regex(sourceNamePattern, 'lower-case letters, digits and _ only, starting with a letter'),
    description: z.string().min(1),
    /** JSON key in the raw record for each contract field. */
    fields: z
      .object({
        id: z.string().min(1),
        raw_price: z.string().min(1),
        living_area: z.string().min(1),
        property_type: z.string().min(1),
        municipality: z.string().min(1),
        scraping_date: z.string().min(1),
      })
      .strict(),
    rules: z
      .object({
        propertyTypes: z.array(z.string().regex(/^[a-z]+$/)).min(1),
        livingArea: z.object({ min: z.number().positive(), max: z.number().positive() }).strict(),
        pricePerSquareMeter: z.object({ min: z.number().positive(), max: z.number().positive() }).strict(),
        /** Offers scraped before this day are rejected (`scraping_date_before_minimum`). Off when null. */
        minScrapingDate: isoDate.nullable(),
      })
      .strict(),
    /**
     * What a run does when a day of this source fails to load (no raw files, bad data, a crash):
     * `report` — the other days publish and their use cases run, the day is listed as failed and
     * the run ends failed so `etl redrive` picks it up; `skip` — the same, but the day counts as
     * skipped, not failed (a source that does not deliver every day); `fail-run` — the run stops
     * before any use case and fails.
     */
    onFailedDay: z.enum(['report', 'skip', 'fail-run']),
    /**
     * listing_history delists an offer its source has not shown on this many of its runs (days
     * the source delivered offers; a day without any delivery does not count). A source that
     * scrapes every page daily can say 1–2; one that rotates through its pages, more.
     */
    delistAfterDays: z.number().int().min(1).max(90).default(defaultDelistAfterDays),
    /**
     * Where the records are when the source exports them inside an object: dot-separated keys
     * to the records array (`results` for `{"count": 2, "results": [...]}`, `data.items`).
     * Absent: records are JSON Lines, an array, or a string holding one (an object is a record).
     */
    recordsPath: z
      .string()
      .superRefine((path, context) => {
        const problem = recordsPathProblem(path);
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /** Cross-source duplicate matching; absent: `defaultDuplicateMatching`. */
    duplicateMatching: duplicateMatchingSchema.optional(),
    quality: z
      .object({
        /** A day whose rejected share is above this fails with DataQualityError (a run may set its own). */
        maxRejectedShare: share,
        /**
         * Tighter limits for single reasons (the share of the day's records rejected for it): a
         * day over any of them fails too, whatever its overall share.
         */
        maxShareByReason: z.partialRecord(z.enum(gatedReasons), share).optional(),
        /** Above this the day is still published, and the run's message is a warning. */
        warnRejectedShare: share.optional(),
      })
      .strict()
      .refine((q) => q.warnRejectedShare === undefined || q.warnRejectedShare <= q.maxRejectedShare, {
        message:
          'warnRejectedShare must not be above maxRejectedShare: a day above the limit is refused, not warned about',
      }),
  })
  .strict()
  .refine((c) => c.rules.livingArea.min <= c.rules.livingArea.max, 'livingArea.min must be <= max')
  .refine(
    (c) => c.rules.pricePerSquareMeter.min <= c.rules.pricePerSquareMeter.max,
    'pricePerSquareMeter.min must be <= max',
  );

export type SourceContract = z.infer<typeof sourceContractSchema>;
/** A contract as written in its file: fields with a default may be left out. */
export type SourceContractInput = z.input<typeof sourceContractSchema>;
export type ContractField = keyof SourceContract['fields'];

/** The rules of the original assignment; a source overrides only what differs. */
export const defaultRules: SourceContract['rules'] = {
  propertyTypes: ['apartment', 'house'],
  livingArea: { min: 10, max: 500 },
  pricePerSquareMeter: { min: 500, max: 15000 },
  minScrapingDate: null,
};

export const identityFields: SourceContract['fields'] = {
  id: 'id',
  raw_price: 'raw_price',
  living_area: 'living_area',
  property_type: 'property_type',
  municipality: 'municipality',
  scraping_date: 'scraping_date',
};

/** The keys of a source's records path, as the stager takes them; undefined when it has none. */
export const recordsPathOf = (contract: SourceContract): readonly string[] | undefined =>
  contract.recordsPath === undefined ? undefined : recordsPathKeys(contract.recordsPath);

/** The tolerances a source's offers are matched with, its own or the defaults. */
export const duplicateMatchingOf = (contract: SourceContract): DuplicateMatching =>
  contract.duplicateMatching ?? defaultDuplicateMatching;

/** Validates a contract at module load, so a bad contract file fails every test that imports it. */
export function defineSource(contract: SourceContractInput): SourceContract {
  return sourceContractSchema.parse(contract);
}
