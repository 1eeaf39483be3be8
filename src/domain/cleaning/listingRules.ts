import { InternalError } from '../errors/pipelineError.ts';
import { replacementCharacter } from '../ingest/stagedRecords.ts';
import type { SourceContract } from '../sources/sourceContract.ts';
import { parquetCopySql } from '../sql/parquetCopy.ts';
import { sqlFile, sqlFileList, sqlIdentifier, sqlString } from '../sql/sqlLiteral.ts';
import { listingsRejectedTable, listingsTable } from '../tables/tableSchema.ts';
import { sqlTrimWhiteSpace } from '../text/whiteSpace.ts';
import { pricedSql } from './priceParsing.ts';
import type { ReasonCode } from './reasonCodes.ts';

/**
 * The listing contract (README: "The data contract") as SQL over staged records (`record_number`, `raw`,
 * `object_index`). Every rule is evaluated for every record so that a rejected record
 * carries all the reasons it failed, not only the first.
 */

const fieldOrder = [
  'id',
  'raw_price',
  'living_area',
  'property_type',
  'municipality',
  'scraping_date',
] as const;

/**
 * Each rule: the reason code it emits and the SQL condition under which the record fails
 * it. Conditions refer to the columns of the `typed` relation below.
 */
export function ruleConditions(contract: SourceContract): ReadonlyArray<readonly [ReasonCode, string]> {
  const { rules } = contract;
  const types = `[${rules.propertyTypes.map(sqlString).join(', ')}]`;
  const conditions: Array<readonly [ReasonCode, string]> = [
    ['malformed_record', 'NOT is_object'],
    [
      'missing_field',
      'is_object AND (id IS NULL OR price_text IS NULL OR area_text IS NULL OR type_text IS NULL ' +
        'OR municipality IS NULL OR date_text IS NULL)',
    ],
    ['unparseable_price', 'price_text IS NOT NULL AND price IS NULL AND NOT price_ambiguous'],
    ['ambiguous_price', 'price_text IS NOT NULL AND price_ambiguous'],
    ['unsupported_property_type', `type_text IS NOT NULL AND NOT list_contains(${types}, property_type)`],
    [
      'living_area_out_of_range',
      `area_text IS NOT NULL AND (living_area IS NULL OR living_area < ${rules.livingArea.min} ` +
        `OR living_area > ${rules.livingArea.max} OR isnan(living_area))`,
    ],
    ['invalid_scraping_date', 'date_text IS NOT NULL AND scraping_date IS NULL'],
    [
      'price_per_sqm_out_of_range',
      `price_per_square_meter IS NOT NULL AND (price_per_square_meter < ${rules.pricePerSquareMeter.min} ` +
        `OR price_per_square_meter > ${rules.pricePerSquareMeter.max})`,
    ],
  ];
  if (rules.minScrapingDate !== null) {
    conditions.push([
      'scraping_date_before_minimum',
      `scraping_date < DATE ${sqlString(rules.minScrapingDate)}`,
    ]);
  }
  return conditions;
}

export interface StagedFile {
  readonly path: string;
  /** Position of the raw object the records came from, in read order (an object may span several files). */
  readonly objectIndex: number;
}

export interface CleaningInput {
  readonly stagedFiles: readonly StagedFile[];
  readonly runId: string;
}

/** Column expressions of each output table, in the table definition's order. */
const listingsSelect: Record<string, string> = {
  id: 'id',
  scraping_date: 'scraping_date',
  property_type: 'property_type',
  municipality: 'municipality',
  price: 'price',
  currency: 'currency',
  living_area: 'living_area',
  price_per_square_meter: 'price_per_square_meter',
  source_object: 'source_object',
  record_number: 'record_number',
  run_id: 'run_id',
};

const rejectedSelect: Record<string, string> = {
  id: 'id',
  reasons: 'reasons',
  raw_record: 'raw',
  source_object: 'source_object',
  record_number: 'record_number',
  run_id: 'run_id',
};

export const outputColumnExpressions = { listings: listingsSelect, listings_rejected: rejectedSelect };

function selectList(columns: Record<string, string>, names: readonly string[]): string {
  return names
    .map((name) => {
      const expression = columns[name];
      if (expression === undefined) throw new InternalError(`No SQL expression for output column ${name}`);
      return `${expression} AS ${name}`;
    })
    .join(', ');
}

/** The staged records (see recordStager), as `object_index`, `record_number`, `raw`. */
function stagedRelation(input: CleaningInput): string {
  const paths = input.stagedFiles.map((f) => f.path);
  // The reader is given the files (never a glob); its `filename` column holds them as written.
  const names = `[${paths.map(sqlString).join(', ')}]`;
  const objects = `[${input.stagedFiles.map((f) => f.objectIndex).join(', ')}]`;
  return `(SELECT ${objects}[list_position(${names}, filename)] AS object_index, record_number, raw
  FROM read_csv(${sqlFileList(paths)}, columns = {'record_number': 'BIGINT', 'raw': 'VARCHAR'}, delim = chr(1),
                quote = '', escape = '', header = false, auto_detect = false, new_line = '\\n',
                filename = true))`;
}

/**
 * The contract applied to a relation of text fields named like the contract
 * (`object_index`, `record_number`, `raw`, `is_object`, `id`, `raw_price`, `living_area`,
 * `property_type`, `municipality`, `scraping_date`): typed values and the list of every
 * reason the record failed. Shared by the loader and the benchmark's reference pipeline so
 * that both apply exactly the same rules.
 */
export function judgedRecordsSql(contract: SourceContract, fields: string): string {
  const reasons = ruleConditions(contract)
    .map(([code, condition]) => `CASE WHEN ${condition} THEN ${sqlString(code)} END`)
    .join(',\n        ');
  // Every field trimmed once, of all white space (tabs, no-break and ideographic spaces, …: see
  // whiteSpace.ts), so that a field of white space only is missing and a tab never ends a value.
  const trimmed = fieldOrder.map((field) => `${sqlTrimWhiteSpace(field)} AS ${field}`).join(',\n           ');
  return `
SELECT *, list_filter([
        ${reasons}
      ], r -> r IS NOT NULL) AS reasons
FROM (
  SELECT *, CASE WHEN price > 0 AND living_area > 0 THEN price / living_area END AS price_per_square_meter
  FROM (
  SELECT * EXCLUDE (raw_price, area_number),
         -- '84', '84.5', '84,5', '84 m²'. Most areas are plain numbers: a cast reads them, and
         -- only the others pay for the pattern (a CASE; coalesce would evaluate both).
         CASE WHEN area_number IS NOT NULL THEN area_number
              ELSE TRY_CAST(replace(regexp_replace(lower(area_text), '\\s*(m2|m²|sqm|qm)$', ''), ',', '.') AS DOUBLE)
              END AS living_area
  FROM (${pricedSql(
    `(SELECT object_index, record_number, raw, is_object, raw_price,
           nullif(id, '') AS id,
           nullif(raw_price, '') AS price_text,
           nullif(living_area, '') AS area_text,
           nullif(property_type, '') AS type_text,
           lower(property_type) AS property_type,
           nullif(municipality, '') AS municipality,
           nullif(scraping_date, '') AS date_text,
           TRY_CAST(living_area AS DOUBLE) AS area_number,
           CASE WHEN regexp_full_match(scraping_date, '\\d{4}-\\d{2}-\\d{2}')
                THEN TRY_CAST(scraping_date AS DATE) END AS scraping_date
    FROM (SELECT object_index, record_number, raw, is_object,
           ${trimmed}
          FROM ${fields}))`,
    'raw_price',
  )})))`;
}

/**
 * A checked Parquet file. `recordOffsets`: for the objects (by index) of which it holds a later
 * piece (a large JSON Lines object cut at line starts), the lines of the object's earlier
 * pieces, which its record numbers (counted from 1 in the piece) are shifted by.
 */
export interface CheckedFile {
  readonly path: string;
  readonly recordOffsets?: ReadonlyMap<number, number>;
}

/**
 * Writes `checked` to a local Parquet file: one row per staged record with its typed
 * fields, every reason it failed and its raw text (needed for rejects and de-duplication
 * losers). A file, not a table: the write streams, so memory stays bounded whatever the
 * input size (an in-memory table of 5M records measured 1.4 GB RSS under a 1 GB limit), and
 * later reads skip the raw text column when they do not need it. Then `checkedViewSql`.
 */
/**
 * Which part of a merge split in `parts` a checked row goes to: by a hash of its id, so that
 * every copy of an id is de-duplicated in the same part; a row without an id competes with
 * no other and goes by its record number. (DuckDB's `hash`: every shard of a day runs the same
 * image, so the same engine version, so the same hash.)
 */
export function mergePartSql(parts: number): string {
  return `CASE WHEN id IS NULL THEN record_number % ${parts} ELSE hash(id) % ${parts} END`;
}

/** The folder of a checked file written in merge parts, and the part each row went to. */
export const mergePartColumn = 'merge_part';

/**
 * `mergeParts` above 1: `checkedPath` is a folder of one sub-folder per part that has rows,
 * `merge_part=<p>/` (DuckDB's partitioned write, the column itself left out of the files).
 */
export function checkRecordsSql(
  contract: SourceContract,
  input: CleaningInput,
  checkedPath: string,
  mergeParts = 1,
): string {
  // The source's key names, mapped to the contract's names.
  const renamed = fieldOrder
    .map((field) => `j.${sqlIdentifier(contract.fields[field])} AS ${field}`)
    .join(', ');
  const sourceStruct = sqlString(
    JSON.stringify(Object.fromEntries(fieldOrder.map((field) => [contract.fields[field], 'VARCHAR']))),
  );
  const select = `
WITH objects AS (
  -- valid JSON that starts with '{' is an object; anything else is malformed. Every field is
  -- read as text: DuckDB renders JSON numbers canonically (1250.000 → '1250.0'), so numbers
  -- and the text sources write go through the same parsing.
  -- (the stager trims white space around records, so an object starts with '{')
  SELECT object_index, record_number, raw,
         CASE WHEN starts_with(raw, '{') AND json_valid(raw)
                   AND NOT contains(raw, ${sqlString(replacementCharacter)})
              THEN json_transform(raw, ${sourceStruct}) END AS j
  FROM ${stagedRelation(input)}
),
fields AS (
  SELECT object_index, record_number, raw, j IS NOT NULL AS is_object, ${renamed}
  FROM objects
),
judged AS (${judgedRecordsSql(contract, 'fields')})
SELECT object_index, record_number, id, scraping_date, property_type, municipality, price, currency,
       living_area, price_per_square_meter, reasons, raw
FROM judged`;
  if (mergeParts === 1) return parquetCopySql(select, checkedPath, 'lz4_raw');
  return (
    `COPY (SELECT *, ${mergePartSql(mergeParts)} AS ${mergePartColumn} FROM (${select})) TO ${sqlString(checkedPath)} ` +
    `(FORMAT parquet, COMPRESSION lz4_raw, PARTITION_BY (${mergePartColumn}))`
  );
}

export function checkedViewSql(checkedFiles: readonly CheckedFile[]): string {
  const paths = checkedFiles.map((f) => f.path);
  if (checkedFiles.every((f) => (f.recordOffsets?.size ?? 0) === 0))
    return `CREATE OR REPLACE VIEW checked AS SELECT * FROM read_parquet(${sqlFileList(paths)})`;
  const files = checkedFiles.map(({ path, recordOffsets }) => {
    const offsets = [...(recordOffsets ?? new Map<number, number>())];
    if (offsets.length === 0) return `SELECT * FROM read_parquet(${sqlFile(path)})`;
    const cases = offsets.map(([index, offset]) => `WHEN ${index} THEN ${offset}`).join(' ');
    return (
      `SELECT * REPLACE (record_number + CASE object_index ${cases} ELSE 0 END AS record_number) ` +
      `FROM read_parquet(${sqlFile(path)})`
    );
  });
  return `CREATE OR REPLACE VIEW checked AS ${files.join('\nUNION ALL ')}`;
}

/**
 * One row per id: among records that passed every rule, the latest scraping_date wins and,
 * on a tie, the one read last. The others ("losers") become `duplicate_id` rejects. A narrow
 * table of their positions: the window then sorts no raw text.
 */
export function findDuplicatesSql(): string {
  return `
CREATE OR REPLACE TEMP TABLE losers AS
SELECT object_index, record_number FROM (
  SELECT object_index, record_number,
         row_number() OVER (PARTITION BY id ORDER BY scraping_date DESC, object_index DESC, record_number DESC) AS rank
  FROM checked WHERE len(reasons) = 0)
WHERE rank > 1`;
}

/**
 * The checked rows that are not de-duplication losers: an anti join on the positions (both never
 * NULL). `NOT EXISTS` gave the same rows with the listings write 0.14 s slower on 2M records (0.80
 * against 0.66 s, medians of 6 alternating runs, 2026-12-03); for the rejects, a join measured
 * no faster.
 */
const keptRows = 'checked ANTI JOIN losers USING (object_index, record_number)';

/** A checked row that lost to a duplicate. */
const isLoser = `EXISTS (SELECT 1 FROM losers l
  WHERE l.object_index = checked.object_index AND l.record_number = checked.record_number)`;

/** The raw object's name of each checked row, from its index (objects in read order). */
const sourceObjectSql = (objectNames: readonly string[]): string =>
  `[${objectNames.map(sqlString).join(', ')}][object_index + 1]`;

/** Writes `listings` rows (the kept records) to a local Parquet file, sorted by id. */
export function writeListingsSql(runId: string, path: string, objectNames: readonly string[]): string {
  const columns = {
    ...listingsSelect,
    source_object: sourceObjectSql(objectNames),
    run_id: sqlString(runId),
  };
  const select = `SELECT ${selectList(
    columns,
    listingsTable.columns.map((c) => c.name),
  )}
  FROM ${keptRows} WHERE len(reasons) = 0 ORDER BY id`;
  return parquetCopySql(select, path);
}

/** Writes `listings_rejected` rows: records that failed a rule, and de-duplication losers. */
export function writeRejectedSql(runId: string, path: string, objectNames: readonly string[]): string {
  const columns = {
    ...rejectedSelect,
    reasons: `CASE WHEN len(reasons) > 0 THEN reasons ELSE ['duplicate_id'] END`,
    source_object: sourceObjectSql(objectNames),
    run_id: sqlString(runId),
  };
  const select = `SELECT ${selectList(
    columns,
    listingsRejectedTable.columns.map((c) => c.name),
  )}
  FROM checked WHERE len(reasons) > 0 OR ${isLoser}`;
  return parquetCopySql(select, path);
}

/** Records the engine saw, for the conservation check. */
export const checkedCountSql = 'SELECT count(*) AS read FROM checked';

/**
 * Rejected records that failed at least one rule, each counted once whatever its number of
 * reasons: what the data-quality gate divides by the records read. De-duplication losers
 * (`duplicate_id` alone) are left out: a re-scraped offer is expected, not a broken source.
 */
export function ruleRejectedCountSql(rejectedPath: string): string {
  const duplicate: ReasonCode = 'duplicate_id';
  return `
SELECT count(*) AS records
FROM read_parquet(${sqlString(rejectedPath)})
WHERE len(list_filter(reasons, r -> r <> ${sqlString(duplicate)})) > 0`;
}

/**
 * Rejected records per reason, with the first `perReason` of each (in read order, raw text
 * cut short) as examples for people: one aggregate over the written rejected file, no sort.
 */
export function rejectionSummarySql(rejectedPath: string, perReason: number): string {
  return `
SELECT reason, count(*) AS records,
       min_by({'source_object': source_object, 'record_number': record_number, 'raw_record': left(raw_record, 300)},
              (source_object, record_number), ${perReason}) AS examples
FROM (SELECT unnest(reasons) AS reason, source_object, record_number, raw_record
      FROM read_parquet(${sqlFile(rejectedPath)}))
GROUP BY reason
ORDER BY records DESC, reason`;
}
