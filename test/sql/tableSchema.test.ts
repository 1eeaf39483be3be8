import { describe, expect, it } from 'vitest';
import { outputColumnExpressions } from '../../src/domain/cleaning/listingRules.ts';
import { glueTableInput } from '../../src/domain/tables/glueTableInput.ts';
import {
  curatedTables,
  duckdbType,
  glueType,
  listingsRejectedTable,
  pipelineRunsTable,
} from '../../src/domain/tables/tableSchema.ts';
import { jsonLines, offer, runContract } from '../support/contractRun.ts';

describe('the schema is defined once', () => {
  it('every table the loader writes has an SQL expression for exactly its columns', () => {
    for (const table of curatedTables) {
      const expressions = outputColumnExpressions[table.name as keyof typeof outputColumnExpressions];
      expect(Object.keys(expressions)).toEqual(table.columns.map((c) => c.name));
    }
  });

  it('Glue tables are derived from it: columns, types, partition keys, Parquet', () => {
    for (const table of curatedTables) {
      const input = glueTableInput(table, `s3://bucket/curated/${table.name}/`);
      expect(input.Name).toBe(table.name);
      expect(input.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual(
        table.columns.map((c) => [c.name, glueType(c.type)]),
      );
      expect(input.PartitionKeys.map((k) => k.Name)).toEqual(['source', 'dt']);
      expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toContain('ParquetHiveSerDe');
    }
  });

  it('the rejected table written by the loader has the schema’s columns and types, in order', async () => {
    const { rejectedTypes } = await runContract([jsonLines([offer({ property_type: 'studio' })])]);
    expect(Object.entries(rejectedTypes)).toEqual(
      listingsRejectedTable.columns.map((c) => [c.name, duckdbType(c.type)]),
    );
  });

  it('the run ledger is JSON Lines for Hive’s JSON SerDe, partitioned like the loader’s tables, its nullable columns its own', () => {
    const input = glueTableInput(pipelineRunsTable, 's3://bucket/pipeline_runs/');
    expect(input.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual(
      pipelineRunsTable.columns.map((c) => [c.name, glueType(c.type)]),
    );
    expect(input.PartitionKeys.map((k) => k.Name)).toEqual(['source', 'dt']);
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
      'org.apache.hive.hcatalog.data.JsonSerDe',
    );
    const names = new Set(pipelineRunsTable.columns.map((c) => c.name));
    expect((pipelineRunsTable.nullable ?? []).filter((n) => !names.has(n))).toEqual([]);
  });

  it('nothing is nullable in listings; only the id of a rejected record may be missing', () => {
    expect(curatedTables.map((t) => [t.name, t.nullable ?? []])).toEqual([
      ['listings', []],
      ['listings_rejected', ['id']],
    ]);
  });
});
