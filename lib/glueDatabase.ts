import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { InternalError } from '../src/domain/errors/pipelineError.ts';
import { type LakeZones, tableLocation } from '../src/domain/lake/lakeLayout.ts';
import { type GlueTableInput, glueTableInput } from '../src/domain/tables/glueTableInput.ts';
import type { TableDefinition } from '../src/domain/tables/tableSchema.ts';

export interface GlueDatabaseProps {
  /** `listings_<env>`: one database per environment, the name the Lambdas and Athena use. */
  readonly databaseName: string;
  readonly zones: LakeZones;
  /** Tables the loader writes (from the one schema definition). */
  readonly curatedTables: readonly TableDefinition[];
  /** Tables the use cases write. */
  readonly resultTables: readonly TableDefinition[];
  /** Tables Summarize writes: the run ledger. */
  readonly runLedgerTables: readonly TableDefinition[];
  readonly retainData: boolean;
}

/** Partition publishing (and the runtime adapter's ensure-table), never dropping anything. */
const tableWriteActions = [
  'glue:GetTable',
  'glue:CreateTable',
  'glue:UpdateTable',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:BatchGetPartition',
  'glue:CreatePartition',
  'glue:BatchCreatePartition',
  'glue:UpdatePartition',
  'glue:BatchUpdatePartition',
  'glue:DeletePartition',
  'glue:BatchDeletePartition',
];

/** Reading the catalog's metadata: what a query needs (and all the analysts get). */
export const catalogReadActions = [
  'glue:GetDatabase',
  'glue:GetDatabases',
  'glue:GetTable',
  'glue:GetTables',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:BatchGetPartition',
];

/** The CloudFormation shape of the Glue API's TableInput (same fields, camelCase). */
function cfnTableInput(input: GlueTableInput): glue.CfnTable.TableInputProperty {
  const column = (c: { Name: string; Type: string; Comment: string }): glue.CfnTable.ColumnProperty => ({
    name: c.Name,
    type: c.Type,
    comment: c.Comment,
  });
  const storage = input.StorageDescriptor;
  return {
    name: input.Name,
    description: input.Description,
    tableType: input.TableType,
    parameters: input.Parameters,
    partitionKeys: input.PartitionKeys.map(column),
    storageDescriptor: {
      columns: storage.Columns.map(column),
      location: storage.Location,
      inputFormat: storage.InputFormat,
      outputFormat: storage.OutputFormat,
      serdeInfo: {
        serializationLibrary: storage.SerdeInfo.SerializationLibrary,
        parameters: storage.SerdeInfo.Parameters,
      },
      compressed: storage.Compressed,
    },
  };
}

/**
 * The Glue database of an environment and its tables, generated from the schema definition
 * through the same `glueTableInput` the runtime catalog adapter uses, so the deployed
 * tables and the ones a run expects cannot drift apart. Partitions are not declared here:
 * every run publishes its own (README: "The lake").
 */
export class GlueDatabase extends Construct {
  readonly databaseName: string;
  readonly database: glue.CfnDatabase;
  /** By table name. */
  readonly tables: ReadonlyMap<string, glue.CfnTable>;

  constructor(scope: Construct, id: string, props: GlueDatabaseProps) {
    super(scope, id);
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const account = Stack.of(this).account;
    this.databaseName = props.databaseName;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: {
        name: props.databaseName,
        description: 'Listings pipeline: clean offers, rejected records and use-case results',
      },
    });
    this.database.applyRemovalPolicy(removalPolicy);

    const tables = new Map<string, glue.CfnTable>();
    for (const table of [...props.curatedTables, ...props.resultTables, ...props.runLedgerTables]) {
      if (tables.has(table.name)) throw new InternalError(`Table ${table.name} is defined twice`);
      const cfnTable = new glue.CfnTable(this, `Table-${table.name}`, {
        catalogId: account,
        databaseName: props.databaseName,
        tableInput: cfnTableInput(glueTableInput(table, tableLocation(props.zones, table))),
      });
      cfnTable.node.addDependency(this.database);
      cfnTable.applyRemovalPolicy(removalPolicy);
      tables.set(table.name, cfnTable);
    }
    this.tables = tables;
  }

  get catalogArn(): string {
    return Stack.of(this).formatArn({ service: 'glue', resource: 'catalog' });
  }

  get databaseArn(): string {
    return Stack.of(this).formatArn({
      service: 'glue',
      resource: 'database',
      resourceName: this.databaseName,
    });
  }

  tableArn(tableName: string): string {
    return Stack.of(this).formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${this.databaseName}/${tableName}`,
    });
  }

  /**
   * Read the metadata of every table in this database (and only this database): what a
   * query needs. Covers tables a use case adds later without a redeploy of the readers.
   */
  readStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: catalogReadActions,
        resources: [this.catalogArn, this.databaseArn, this.tableArn('*')],
      }),
    ];
  }

  /** Publish partitions of exactly these tables (Glue authorizes on catalog, database and table). */
  tableWriteStatements(tables: readonly TableDefinition[]): iam.PolicyStatement[] {
    if (tables.length === 0) return [];
    return [
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase'],
        resources: [this.catalogArn, this.databaseArn],
      }),
      new iam.PolicyStatement({
        actions: tableWriteActions,
        resources: [this.catalogArn, this.databaseArn, ...tables.map((t) => this.tableArn(t.name))],
      }),
    ];
  }
}
