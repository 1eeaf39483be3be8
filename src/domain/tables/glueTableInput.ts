import { formatOf, glueType, type TableDefinition, type TableFormat } from './tableSchema.ts';

/**
 * The Glue TableInput of a table definition: its format's SerDe, Hive-style partition keys.
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

/**
 * Hive's own JSON SerDe (Athena reads it natively): one object per line, a JSON object as a
 * map, and timestamps as `java.sql.Timestamp` writes them (`YYYY-MM-DD HH:MM:SS.sss`).
 */
export const jsonLinesFormats = {
  InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe',
} as const;

/** What a format sets in a table: its files' formats and SerDe, and the table parameters Athena reads. */
const storageOf: Record<
  TableFormat,
  {
    formats: { InputFormat: string; OutputFormat: string; SerializationLibrary: string };
    parameters: Record<string, string>;
    serdeParameters: Record<string, string>;
    compressed: boolean;
  }
> = {
  parquet: {
    formats: parquetFormats,
    parameters: { classification: 'parquet', 'parquet.compression': 'ZSTD', EXTERNAL: 'TRUE' },
    serdeParameters: { 'serialization.format': '1' },
    compressed: true,
  },
  'json-lines': {
    formats: jsonLinesFormats,
    parameters: { classification: 'json', EXTERNAL: 'TRUE' },
    serdeParameters: {},
    compressed: false,
  },
};

/** The format a Glue SerDe stands for, or undefined for one the pipeline does not write. */
export function tableFormatOfSerde(serializationLibrary: string | undefined): TableFormat | undefined {
  return (Object.keys(storageOf) as TableFormat[]).find(
    (format) => storageOf[format].formats.SerializationLibrary === serializationLibrary,
  );
}

export function glueTableInput(table: TableDefinition, location: string): GlueTableInput {
  const column = (c: TableDefinition['columns'][number]) => ({
    Name: c.name,
    Type: glueType(c.type),
    Comment: c.comment,
  });
  const storage = storageOf[formatOf(table)];
  return {
    Name: table.name,
    Description: table.description,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { ...storage.parameters },
    PartitionKeys: table.partitionKeys.map(column),
    StorageDescriptor: {
      Columns: table.columns.map(column),
      Location: location,
      InputFormat: storage.formats.InputFormat,
      OutputFormat: storage.formats.OutputFormat,
      SerdeInfo: {
        SerializationLibrary: storage.formats.SerializationLibrary,
        Parameters: { ...storage.serdeParameters },
      },
      Compressed: storage.compressed,
    },
  };
}
