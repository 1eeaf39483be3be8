/**
 * The one definition of every table the pipeline writes. The loader's SQL, the Glue
 * table definitions (CDK and the runtime catalog bootstrap) and the local catalog are all
 * derived from these objects; `test/domain/tableSchema.test.ts` guards against drift.
 */

/** Logical column types, mapped to Glue/Hive and DuckDB names in one place below. */
export type ColumnType = 'string' | 'date' | 'double' | 'bigint' | 'array<string>';

export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  readonly comment: string;
}

export interface TableDefinition {
  readonly name: string;
  /** Lake zone the table's data lives in. */
  readonly zone: 'curated' | 'results';
  readonly description: string;
  /** Columns stored in the Parquet files, in order. None is nullable unless listed in `nullable`. */
  readonly columns: readonly ColumnDefinition[];
  readonly nullable?: readonly string[];
  /** Hive-style partition keys, encoded in the object key, not stored in the files. */
  readonly partitionKeys: readonly ColumnDefinition[];
}

const glueTypes: Record<ColumnType, string> = {
  string: 'string',
  date: 'date',
  double: 'double',
  bigint: 'bigint',
  'array<string>': 'array<string>',
};

const duckdbTypes: Record<ColumnType, string> = {
  string: 'VARCHAR',
  date: 'DATE',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  'array<string>': 'VARCHAR[]',
};

export function glueType(type: ColumnType): string {
  return glueTypes[type];
}

export function duckdbType(type: ColumnType): string {
  return duckdbTypes[type];
}

/** Partition keys shared by every table: where the data came from and which day it is for. */
export const sourcePartitionKeys: readonly ColumnDefinition[] = [
  { name: 'source', type: 'string', comment: 'Source (website) the offers were scraped from' },
  { name: 'dt', type: 'string', comment: 'Run date, YYYY-MM-DD' },
];

const runIdColumn: ColumnDefinition = {
  name: 'run_id',
  type: 'string',
  comment: 'Pipeline run that wrote the row (lineage)',
};

export const listingsTable: TableDefinition = {
  name: 'listings',
  zone: 'curated',
  description: 'Clean, typed real-estate offers: one row per id and run date.',
  columns: [
    { name: 'id', type: 'string', comment: 'Offer id as given by the source' },
    { name: 'scraping_date', type: 'date', comment: 'Day the offer was scraped' },
    { name: 'property_type', type: 'string', comment: 'apartment or house' },
    { name: 'municipality', type: 'string', comment: 'Municipality as given by the source' },
    { name: 'price', type: 'double', comment: 'Price parsed from raw_price' },
    {
      name: 'currency',
      type: 'string',
      comment: 'Currency beside the price (CHF, EUR, USD, GBP) or unknown',
    },
    { name: 'living_area', type: 'double', comment: 'Living area in square meters' },
    {
      name: 'price_per_square_meter',
      type: 'double',
      comment: 'price / living_area (in the price currency)',
    },
    { name: 'source_object', type: 'string', comment: 'Raw object (key) the record was read from' },
    { name: 'record_number', type: 'bigint', comment: '1-based line or array element number' },
    runIdColumn,
  ],
  partitionKeys: sourcePartitionKeys,
};

export const listingsRejectedTable: TableDefinition = {
  name: 'listings_rejected',
  zone: 'curated',
  description: 'Every input record the contract discarded, with all the rules it failed.',
  columns: [
    { name: 'id', type: 'string', comment: 'Offer id when one could be read' },
    { name: 'reasons', type: 'array<string>', comment: 'Every reason code the record failed' },
    { name: 'raw_record', type: 'string', comment: 'The record exactly as read (after decoding)' },
    { name: 'source_object', type: 'string', comment: 'Raw object (key) the record was read from' },
    { name: 'record_number', type: 'bigint', comment: '1-based line or array element number' },
    runIdColumn,
  ],
  nullable: ['id'],
  partitionKeys: sourcePartitionKeys,
};

/** The tables the loader writes. Use-case tables are added by the use-case registry. */
export const curatedTables: readonly TableDefinition[] = [listingsTable, listingsRejectedTable];
