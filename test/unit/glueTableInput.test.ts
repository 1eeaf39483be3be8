import { describe, expect, it } from 'vitest';
import { glueTableInput } from '../../src/domain/tables/glueTableInput.ts';
import {
  duckdbType,
  glueType,
  listingsRejectedTable,
  listingsTable,
  pipelineRunsTable,
} from '../../src/domain/tables/tableSchema.ts';

/**
 * The curated tables as Athena users see them in Glue, written out by hand from the Glue API's
 * TableInput and Athena's Parquet table format: nothing here is computed by the code under test,
 * so a changed type, format, SerDe or comment fails.
 */
const parquetTable = {
  TableType: 'EXTERNAL_TABLE',
  Parameters: { classification: 'parquet', 'parquet.compression': 'ZSTD', EXTERNAL: 'TRUE' },
  PartitionKeys: [
    { Name: 'source', Type: 'string', Comment: 'Source (website) the offers were scraped from' },
    { Name: 'dt', Type: 'string', Comment: 'Run date, YYYY-MM-DD' },
  ],
};
const parquetStorage = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: {
    SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    Parameters: { 'serialization.format': '1' },
  },
  Compressed: true,
};
const runIdColumn = { Name: 'run_id', Type: 'string', Comment: 'Pipeline run that wrote the row (lineage)' };

describe('the Glue tables of the curated zone', () => {
  it('listings: typed columns, partitioned by source and day, Parquet with zstd', () => {
    expect(glueTableInput(listingsTable, 's3://lake/curated/listings/')).toEqual({
      Name: 'listings',
      Description: 'Clean, typed real-estate offers: one row per id and run date.',
      ...parquetTable,
      StorageDescriptor: {
        Columns: [
          { Name: 'id', Type: 'string', Comment: 'Offer id as given by the source' },
          { Name: 'scraping_date', Type: 'date', Comment: 'Day the offer was scraped' },
          { Name: 'property_type', Type: 'string', Comment: 'apartment or house' },
          { Name: 'municipality', Type: 'string', Comment: 'Municipality as given by the source' },
          { Name: 'price', Type: 'double', Comment: 'Price parsed from raw_price' },
          {
            Name: 'currency',
            Type: 'string',
            Comment: 'Currency beside the price (CHF, EUR, USD, GBP) or unknown',
          },
          { Name: 'living_area', Type: 'double', Comment: 'Living area in square meters' },
          {
            Name: 'price_per_square_meter',
            Type: 'double',
            Comment: 'price / living_area (in the price currency)',
          },
          { Name: 'source_object', Type: 'string', Comment: 'Raw object (key) the record was read from' },
          { Name: 'record_number', Type: 'bigint', Comment: '1-based line or array element number' },
          runIdColumn,
        ],
        Location: 's3://lake/curated/listings/',
        ...parquetStorage,
      },
    });
  });

  it('listings_rejected: every reason as an array of strings, the raw record and where it was read', () => {
    expect(glueTableInput(listingsRejectedTable, 's3://lake/curated/listings_rejected/')).toEqual({
      Name: 'listings_rejected',
      Description: 'Every input record the contract discarded, with all the rules it failed.',
      ...parquetTable,
      StorageDescriptor: {
        Columns: [
          { Name: 'id', Type: 'string', Comment: 'Offer id when one could be read' },
          { Name: 'reasons', Type: 'array<string>', Comment: 'Every reason code the record failed' },
          { Name: 'raw_record', Type: 'string', Comment: 'The record exactly as read (after decoding)' },
          { Name: 'source_object', Type: 'string', Comment: 'Raw object (key) the record was read from' },
          { Name: 'record_number', Type: 'bigint', Comment: '1-based line or array element number' },
          runIdColumn,
        ],
        Location: 's3://lake/curated/listings_rejected/',
        ...parquetStorage,
      },
    });
  });

  it('pipeline_runs: JSON Lines read by Hive’s JSON SerDe, uncompressed, partitioned by source and day', () => {
    const input = glueTableInput(pipelineRunsTable, 's3://lake/curated/pipeline_runs/');
    expect({ ...input, StorageDescriptor: { ...input.StorageDescriptor, Columns: [] } }).toEqual({
      Name: 'pipeline_runs',
      Description:
        'One row per run execution and partition: what became of the day, its counts and its limits.',
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'json', EXTERNAL: 'TRUE' },
      PartitionKeys: parquetTable.PartitionKeys,
      StorageDescriptor: {
        Columns: [],
        Location: 's3://lake/curated/pipeline_runs/',
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        SerdeInfo: { SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe', Parameters: {} },
        Compressed: false,
      },
    });
    expect(input.StorageDescriptor.Columns.map((c) => `${c.Name} ${c.Type}`)).toEqual([
      'run_id string',
      'execution_id string',
      'execution_name string',
      'environment string',
      'status string',
      'run_status string',
      'records_read bigint',
      'records_kept bigint',
      'records_rejected bigint',
      'rejected_for_rules bigint',
      'rejected_by_reason map<string,bigint>',
      'rejected_share double',
      'quality_status string',
      'quality_limit double',
      'contract_limit double',
      'quality_override_share double',
      'quality_override_reason string',
      'error_name string',
      'error_message string',
      'load_duration_ms bigint',
      'run_duration_ms bigint',
      'started_at timestamp',
      'finished_at timestamp',
      'redrive_of string',
    ]);
  });

  it('each logical type has its Hive name in Glue and its DuckDB name locally', () => {
    const types = [
      'string',
      'date',
      'double',
      'bigint',
      'array<string>',
      'timestamp',
      'map<string,bigint>',
    ] as const;
    expect(types.map((t) => [glueType(t), duckdbType(t)])).toEqual([
      ['string', 'VARCHAR'],
      ['date', 'DATE'],
      ['double', 'DOUBLE'],
      ['bigint', 'BIGINT'],
      ['array<string>', 'VARCHAR[]'],
      ['timestamp', 'TIMESTAMP'],
      ['map<string,bigint>', 'MAP(VARCHAR, BIGINT)'],
    ]);
  });
});
