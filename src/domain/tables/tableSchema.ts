/**
 * The one definition of every table the pipeline writes. The loader's SQL, the Glue
 * table definitions (CDK and the runtime catalog bootstrap) and the local catalog are all
 * derived from these objects; `test/domain/tableSchema.test.ts` guards against drift.
 */

/** Logical column types, mapped to Glue/Hive and DuckDB names in one place below. */
export type ColumnType =
  | 'string'
  | 'date'
  | 'double'
  | 'bigint'
  | 'boolean'
  | 'array<string>'
  /** UTC, no zone: what Hive's JSON SerDe and DuckDB both read from `YYYY-MM-DD HH:MM:SS.sss`. */
  | 'timestamp'
  | 'map<string,bigint>';

/**
 * How a table's files are written: zstd Parquet, or JSON Lines for a table a Lambda writes
 * (a Lambda has no DuckDB, and Parquet needs an engine to write it well).
 */
export type TableFormat = 'parquet' | 'json-lines';

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
  /** Parquet unless said otherwise. */
  readonly format?: TableFormat;
}

const glueTypes: Record<ColumnType, string> = {
  string: 'string',
  date: 'date',
  double: 'double',
  bigint: 'bigint',
  boolean: 'boolean',
  'array<string>': 'array<string>',
  timestamp: 'timestamp',
  'map<string,bigint>': 'map<string,bigint>',
};

const duckdbTypes: Record<ColumnType, string> = {
  string: 'VARCHAR',
  date: 'DATE',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  'array<string>': 'VARCHAR[]',
  timestamp: 'TIMESTAMP',
  'map<string,bigint>': 'MAP(VARCHAR, BIGINT)',
};

/** Every column type, for readers that validate a stored definition (the local catalog's file). */
export const columnTypes = Object.keys(glueTypes) as [ColumnType, ...ColumnType[]];

/** Every table format. */
export const tableFormats = ['parquet', 'json-lines'] as const satisfies readonly TableFormat[];

export function glueType(type: ColumnType): string {
  return glueTypes[type];
}

export function duckdbType(type: ColumnType): string {
  return duckdbTypes[type];
}

export function formatOf(table: Pick<TableDefinition, 'format'>): TableFormat {
  return table.format ?? 'parquet';
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

/**
 * The run ledger: one row per execution and partition it planned, written by Summarize, so that
 * "was every day of March loaded, conserved and published?" is a query. Partitioned like the
 * loader's tables, by the partition's source and day: the questions are about days
 * (`WHERE dt BETWEEN ...` reads only those days), and it joins the listings on the same keys.
 * Every execution adds a file of its own to a partition, so a partition holds every run of
 * its day, and a retry of Summarize replaces only its own file.
 */
export const pipelineRunsTable: TableDefinition = {
  name: 'pipeline_runs',
  zone: 'curated',
  format: 'json-lines',
  description: 'One row per run execution and partition: what became of the day, its counts and its limits.',
  columns: [
    { name: 'run_id', type: 'string', comment: 'Pipeline run (a re-drive keeps it)' },
    { name: 'execution_id', type: 'string', comment: 'State machine execution (ARN)' },
    { name: 'execution_name', type: 'string', comment: 'Execution name, unique per execution' },
    { name: 'environment', type: 'string', comment: 'Deployed environment (dev, preprod, prod) or local' },
    {
      name: 'status',
      type: 'string',
      comment: 'What became of the partition: loaded, failed, skipped or not-run',
    },
    { name: 'run_status', type: 'string', comment: 'The whole execution: SUCCEEDED or FAILED' },
    { name: 'records_read', type: 'bigint', comment: 'Input records (loaded days only)' },
    { name: 'records_kept', type: 'bigint', comment: 'Rows written to listings (loaded days only)' },
    {
      name: 'records_rejected',
      type: 'bigint',
      comment: 'Rows written to listings_rejected (loaded days only)',
    },
    {
      name: 'rejected_for_rules',
      type: 'bigint',
      comment: 'Rejected for a rule, duplicates left out: what the limit measures',
    },
    {
      name: 'rejected_by_reason',
      type: 'map<string,bigint>',
      comment: 'Rejected records per reason code (a record counts under each reason it failed)',
    },
    {
      name: 'rejected_share',
      type: 'double',
      comment: 'Share of read records rejected for a rule, as the gate measured it',
    },
    {
      name: 'quality_status',
      type: 'string',
      comment: 'Data-quality verdict of a loaded day: passed or warned',
    },
    {
      name: 'quality_limit',
      type: 'double',
      comment: 'Highest rejected share that applied (the run override, else the contract)',
    },
    { name: 'contract_limit', type: 'double', comment: "The source contract's own limit" },
    {
      name: 'quality_override_share',
      type: 'double',
      comment: "This run's limit (--max-rejected-share), when it set one",
    },
    { name: 'quality_override_reason', type: 'string', comment: 'Why the run set its own limit' },
    {
      name: 'error_name',
      type: 'string',
      comment: 'Error name of a failed or skipped day (e.g. DataQualityError)',
    },
    { name: 'error_message', type: 'string', comment: "First line of the error's message" },
    {
      name: 'load_duration_ms',
      type: 'bigint',
      comment: "The partition's load, in milliseconds (loaded days only)",
    },
    {
      name: 'run_duration_ms',
      type: 'bigint',
      comment: 'The whole execution, start to summary, in milliseconds',
    },
    { name: 'started_at', type: 'timestamp', comment: 'Execution start, UTC' },
    { name: 'finished_at', type: 'timestamp', comment: 'Summary written, UTC' },
    { name: 'redrive_of', type: 'string', comment: 'The execution this one re-drives, if any' },
  ],
  nullable: [
    'records_read',
    'records_kept',
    'records_rejected',
    'rejected_for_rules',
    'rejected_by_reason',
    'rejected_share',
    'quality_status',
    'quality_override_share',
    'quality_override_reason',
    'error_name',
    'error_message',
    'load_duration_ms',
    'redrive_of',
  ],
  partitionKeys: sourcePartitionKeys,
};

/** The tables Summarize writes (the run ledger), beside the loader's and the use cases'. */
export const runLedgerTables: readonly TableDefinition[] = [pipelineRunsTable];
