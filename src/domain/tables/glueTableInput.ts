import { glueType, type TableDefinition } from './tableSchema.ts';

/**
 * The Glue TableInput of a table definition: Parquet SerDe, Hive-style partition keys.
 * Used by the CDK stack (CfnTable) and by the runtime Glue catalog adapter, so the deployed
 * tables and the ones a run creates can never differ.
 */
export interface GlueTableInput {
  Name: string;
  Description: string;
  TableType: 'EXTERNAL_TABLE';
  Parameters: Record<string, string>;
  PartitionKeys: { Name: string; Type: string; Comment: string }[];
  StorageDescriptor: {
    Columns: { Name: string; Type: string; Comment: string }[];
    Location: string;
    InputFormat: string;
    OutputFormat: string;
    SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
    Compressed: boolean;
  };
}

export const parquetFormats = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
} as const;

export function glueTableInput(table: TableDefinition, location: string): GlueTableInput {
  const column = (c: TableDefinition['columns'][number]) => ({
    Name: c.name,
    Type: glueType(c.type),
    Comment: c.comment,
  });
  return {
    Name: table.name,
    Description: table.description,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { classification: 'parquet', 'parquet.compression': 'ZSTD', EXTERNAL: 'TRUE' },
    PartitionKeys: table.partitionKeys.map(column),
    StorageDescriptor: {
      Columns: table.columns.map(column),
      Location: location,
      InputFormat: parquetFormats.InputFormat,
      OutputFormat: parquetFormats.OutputFormat,
      SerdeInfo: {
        SerializationLibrary: parquetFormats.SerializationLibrary,
        Parameters: { 'serialization.format': '1' },
      },
      Compressed: true,
    },
  };
}
