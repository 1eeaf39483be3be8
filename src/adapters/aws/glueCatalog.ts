import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchCreatePartitionCommand,
  BatchGetPartitionCommand,
  type BatchGetPartitionCommandOutput,
  BatchUpdatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeletePartitionCommand,
  GetDatabaseCommand,
  GetPartitionCommand,
  GetTableCommand,
  type GlueClient,
  type PartitionInput,
  paginateGetPartitions,
  paginateGetTables,
  type Table,
  UpdatePartitionCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { PipelineError } from '../../domain/errors/pipelineError.ts';
import type { LakeZones, PartitionValues } from '../../domain/lake/lakeLayout.ts';
import { partitionPath } from '../../domain/lake/lakeLayout.ts';
import {
  type GlueTableInput,
  glueTableInput,
  tableFormatOfSerde,
} from '../../domain/tables/glueTableInput.ts';
import type { ColumnDefinition, ColumnType, TableDefinition } from '../../domain/tables/tableSchema.ts';
import { glueType } from '../../domain/tables/tableSchema.ts';
import type { Catalog, CatalogPartition, CatalogTable, PartitionPublication } from '../../ports/catalog.ts';

export interface GlueCatalogOptions {
  /** The lake's zones, to tell which zone a table found in Glue belongs to (listTables). */
  readonly zones?: LakeZones;
}

export class GlueCatalogError extends PipelineError {
  override readonly name = 'GlueCatalogError';
}

export class GluePublishError extends PipelineError {
  override readonly name = 'GluePublishError';
}

/** Glue's per-request limits: BatchGetPartition 1000 keys, Batch{Create,Update}Partition 100 entries. */
const batchGetLimit = 1000;
const batchWriteLimit = 100;
const unprocessedRetries = 5;

const columnTypes = {
  string: true,
  date: true,
  double: true,
  bigint: true,
  boolean: true,
  'array<string>': true,
  timestamp: true,
  'map<string,bigint>': true,
} satisfies Record<ColumnType, true>;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | null)?.name;
}

/** Values in the table's partition key order, as Glue stores them. */
function valueList(table: TableDefinition, values: PartitionValues): string[] {
  return table.partitionKeys.map((key) => {
    const value = values[key.name];
    if (value === undefined) {
      throw new GlueCatalogError(
        `Partition ${JSON.stringify(values)} of ${table.name} has no value for the partition key ${key.name}.`,
      );
    }
    return value;
  });
}

/** A partition has the table's columns and SerDe, and its own location. */
function partitionInput(table: TableDefinition, values: PartitionValues, location: string): PartitionInput {
  const { StorageDescriptor } = glueTableInput(table, location);
  return { Values: valueList(table, values), StorageDescriptor };
}

function columnOf(column: { Name?: string; Type?: string; Comment?: string }): ColumnDefinition | undefined {
  const glue = column.Type?.toLowerCase();
  const type = (Object.keys(columnTypes) as ColumnType[]).find((t) => glueType(t) === glue);
  if (!column.Name || !type) return undefined;
  return { name: column.Name, type, comment: column.Comment ?? '' };
}

/** What ensureTable compares: the parts of a table the pipeline defines. */
function comparable(
  input: {
    Description?: string;
    PartitionKeys?: { Name?: string; Type?: string; Comment?: string }[];
    StorageDescriptor?: {
      Columns?: { Name?: string; Type?: string; Comment?: string }[];
      Location?: string;
      InputFormat?: string;
      OutputFormat?: string;
      SerdeInfo?: { SerializationLibrary?: string; Parameters?: Record<string, string> };
    };
    Parameters?: Record<string, string>;
  },
  parameterKeys: readonly string[],
): string {
  const columns = (list: { Name?: string; Type?: string; Comment?: string }[] | undefined) =>
    (list ?? []).map((c) => [c.Name, c.Type?.toLowerCase(), c.Comment ?? '']);
  const sd = input.StorageDescriptor;
  return JSON.stringify([
    input.Description ?? '',
    columns(input.PartitionKeys),
    columns(sd?.Columns),
    sd?.Location,
    sd?.InputFormat,
    sd?.OutputFormat,
    sd?.SerdeInfo?.SerializationLibrary,
    Object.entries(sd?.SerdeInfo?.Parameters ?? {}).sort(([a], [b]) => a.localeCompare(b)),
    // Glue and Athena add their own table parameters; only the pipeline's are compared.
    parameterKeys.map((key) => input.Parameters?.[key]),
  ]);
}

interface PendingPublication {
  readonly index: number;
  readonly table: TableDefinition;
  readonly values: PartitionValues;
  readonly valueList: string[];
  readonly location: string;
}

/** A partition change a publish made, and what the partition pointed at before (undefined: it was new). */
interface AppliedChange {
  readonly tableName: string;
  readonly publication: PendingPublication;
  readonly previous: string | undefined;
}

/**
 * The AWS Glue Data Catalog as the lake's catalog. Tables are created from the same
 * TableInput the CDK stack deploys (glueTableInput); publishing a run points partitions at
 * its prefix with batch calls, so a day's tables switch over in a handful of requests.
 */
export class GlueCatalog implements Catalog {
  private databaseReady = false;

  constructor(
    private readonly client: GlueClient,
    readonly database: string,
    private readonly options: GlueCatalogOptions = {},
  ) {}

  private async ensureDatabase(): Promise<void> {
    if (this.databaseReady) return;
    try {
      // Read first: a deployed stack owns the database, and the role need not be allowed to create one.
      await this.client.send(new GetDatabaseCommand({ Name: this.database }));
    } catch (error) {
      if (errorName(error) !== 'EntityNotFoundException') throw error;
      try {
        await this.client.send(
          new CreateDatabaseCommand({
            DatabaseInput: {
              Name: this.database,
              Description: 'Listings pipeline: curated tables and use-case results',
            },
          }),
        );
      } catch (createError) {
        // Another loader of the same run created it in between: that is what we wanted.
        if (errorName(createError) !== 'AlreadyExistsException') throw createError;
      }
    }
    this.databaseReady = true;
  }

  private async getTable(name: string): Promise<Table | undefined> {
    try {
      return (await this.client.send(new GetTableCommand({ DatabaseName: this.database, Name: name }))).Table;
    } catch (error) {
      if (errorName(error) === 'EntityNotFoundException') return undefined;
      throw error;
    }
  }

  async ensureTable(table: TableDefinition, location: string): Promise<void> {
    await this.ensureDatabase();
    const desired = glueTableInput(table, location);
    const existing = await this.getTable(table.name);
    if (!existing) {
      try {
        await this.client.send(new CreateTableCommand({ DatabaseName: this.database, TableInput: desired }));
        return;
      } catch (error) {
        if (errorName(error) !== 'AlreadyExistsException') throw error;
      }
      // Created concurrently: fall through and update it like any existing table.
      return this.updateIfChanged(desired, await this.getTable(table.name));
    }
    return this.updateIfChanged(desired, existing);
  }

  private async updateIfChanged(desired: GlueTableInput, existing: Table | undefined): Promise<void> {
    const parameterKeys = Object.keys(desired.Parameters);
    // Unchanged tables are left alone: every UpdateTable archives a table version, and Glue caps them.
    if (existing && comparable(existing, parameterKeys) === comparable(desired, parameterKeys)) return;
    await this.client.send(
      new UpdateTableCommand({
        DatabaseName: this.database,
        TableInput: { ...desired, Parameters: { ...existing?.Parameters, ...desired.Parameters } },
      }),
    );
  }

  /**
   * Tables the pipeline can describe. Glue has no zones and no nullability: the zone is the
   * lake zone the location lies in (curated when unknown) and `nullable` is left out. Tables
   * with column types or a SerDe outside the pipeline's model (made by someone else) are skipped.
   */
  async listTables(): Promise<CatalogTable[]> {
    const tables: CatalogTable[] = [];
    for await (const page of paginateGetTables({ client: this.client }, { DatabaseName: this.database })) {
      for (const table of page.TableList ?? []) {
        const catalogTable = this.catalogTableOf(table);
        if (catalogTable) tables.push(catalogTable);
      }
    }
    return tables.sort((a, b) => a.name.localeCompare(b.name));
  }

  private catalogTableOf(table: Table): CatalogTable | undefined {
    const columns = (table.StorageDescriptor?.Columns ?? []).map(columnOf);
    const partitionKeys = (table.PartitionKeys ?? []).map(columnOf);
    const format = tableFormatOfSerde(table.StorageDescriptor?.SerdeInfo?.SerializationLibrary);
    if (!table.Name || !format || columns.includes(undefined) || partitionKeys.includes(undefined))
      return undefined;
    const location = table.StorageDescriptor?.Location ?? '';
    const zones = this.options.zones;
    const zone = zones && location.startsWith(zones.results) ? 'results' : 'curated';
    return {
      name: table.Name,
      location,
      definition: {
        name: table.Name,
        zone,
        description: table.Description ?? '',
        columns: columns.filter((c) => c !== undefined),
        partitionKeys: partitionKeys.filter((c) => c !== undefined),
        ...(format === 'parquet' ? {} : { format }),
      },
    };
  }

  private async partitionKeysOf(tableName: string): Promise<string[]> {
    const table = await this.getTable(tableName);
    if (!table) {
      throw new GlueCatalogError(
        `Table ${tableName} is not in the Glue database ${this.database}: ensureTable first.`,
      );
    }
    return (table.PartitionKeys ?? []).map((k) => k.Name ?? '');
  }

  async listPartitions(table: string): Promise<CatalogPartition[]> {
    const keys = await this.partitionKeysOf(table);
    const partitions: CatalogPartition[] = [];
    // The paginator follows NextToken; moto answers everything in one page (it ignores MaxResults).
    const pages = paginateGetPartitions(
      { client: this.client },
      { DatabaseName: this.database, TableName: table },
    );
    for await (const page of pages) {
      for (const partition of page.Partitions ?? []) {
        const values = Object.fromEntries(keys.map((key, i) => [key, partition.Values?.[i] ?? '']));
        partitions.push({ values, location: partition.StorageDescriptor?.Location ?? '' });
      }
    }
    return partitions.sort((a, b) => partitionPath(a.values).localeCompare(partitionPath(b.values)));
  }

  async getPartition(table: string, values: PartitionValues): Promise<CatalogPartition | undefined> {
    // A table that does not exist yet has no partitions (a first run on a fresh lake asks).
    const found = await this.getTable(table);
    if (!found) return undefined;
    const keys = (found.PartitionKeys ?? []).map((k) => k.Name ?? '');
    const list = keys.map((key) => values[key]);
    if (list.some((v) => v === undefined) || Object.keys(values).length !== keys.length) {
      throw new GlueCatalogError(
        `Partition ${JSON.stringify(values)} does not match the partition keys of ${table} (${keys.join(', ')}).`,
      );
    }
    try {
      const response = await this.client.send(
        new GetPartitionCommand({
          DatabaseName: this.database,
          TableName: table,
          PartitionValues: list as string[],
        }),
      );
      const location = response.Partition?.StorageDescriptor?.Location;
      return location === undefined ? undefined : { values: { ...values }, location };
    } catch (error) {
      if (errorName(error) === 'EntityNotFoundException') return undefined;
      throw error;
    }
  }

  /**
   * Reads the current partitions of every table first (BatchGetPartition), then per table
   * creates the missing ones (BatchCreatePartition) and repoints the others
   * (BatchUpdatePartition). Glue has no transaction across tables, so if any change fails,
   * the ones already made are undone — repointed to where they pointed, or deleted if they
   * were new — and the publish fails: all tables switch together or none does.
   */
  async publish(publications: readonly PartitionPublication[]): Promise<(string | undefined)[]> {
    await this.ensureDatabase();
    const previous: (string | undefined)[] = publications.map(() => undefined);
    const byTable = new Map<string, PendingPublication[]>();
    publications.forEach(({ table, values, location }, index) => {
      const pending = byTable.get(table.name) ?? [];
      pending.push({ index, table, values, valueList: valueList(table, values), location });
      byTable.set(table.name, pending);
    });
    const currents = new Map<string, Map<string, string>>();
    for (const [tableName, pending] of byTable)
      currents.set(tableName, await this.currentLocations(tableName, pending));
    const applied: AppliedChange[] = [];
    try {
      for (const [tableName, pending] of byTable) {
        const current = currents.get(tableName) ?? new Map<string, string>();
        const toCreate = pending.filter((p) => !current.has(JSON.stringify(p.valueList)));
        const toUpdate = pending.filter((p) => current.has(JSON.stringify(p.valueList)));
        for (const p of toUpdate) previous[p.index] = current.get(JSON.stringify(p.valueList));
        const raced = await this.createPartitions(tableName, toCreate, applied);
        // Created by a concurrent run between our read and our create: repoint it, remember its location.
        for (const p of raced) {
          previous[p.index] = await this.updateOne(tableName, p);
          applied.push({ tableName, publication: p, previous: previous[p.index] });
        }
        await this.updatePartitions(
          tableName,
          toUpdate.map((p) => ({ publication: p, previous: previous[p.index] })),
          applied,
        );
      }
    } catch (error) {
      const notUndone = await this.undo(applied);
      const detail = error instanceof Error ? error.message : String(error);
      throw new GluePublishError(
        notUndone.length === 0
          ? `Publishing in ${this.database} failed, and the ${applied.length} partition change(s) already made were ` +
              `undone: readers see every table as before. Re-run the date. (${detail})`
          : `Publishing in ${this.database} failed, and ${notUndone.length} partition change(s) could not be undone ` +
              `(${notUndone.slice(0, 5).join('; ')}): those partitions show this run's data while the others do not. ` +
              `Re-run the date to switch them all. (${detail})`,
        { cause: error },
      );
    }
    return previous;
  }

  /** Puts back what `applied` changed, newest first; returns what could not be put back. */
  private async undo(applied: readonly AppliedChange[]): Promise<string[]> {
    const failed: string[] = [];
    for (const change of [...applied].reverse()) {
      const { tableName, publication, previous } = change;
      try {
        if (previous === undefined) {
          await this.client.send(
            new DeletePartitionCommand({
              DatabaseName: this.database,
              TableName: tableName,
              PartitionValues: publication.valueList,
            }),
          );
        } else {
          await this.client.send(
            new UpdatePartitionCommand({
              DatabaseName: this.database,
              TableName: tableName,
              PartitionValueList: publication.valueList,
              PartitionInput: partitionInput(publication.table, publication.values, previous),
            }),
          );
        }
      } catch (error) {
        failed.push(
          `${tableName} ${JSON.stringify(publication.valueList)}: ${errorName(error) ?? String(error)}`,
        );
      }
    }
    return failed;
  }

  private async currentLocations(
    tableName: string,
    pending: readonly PendingPublication[],
  ): Promise<Map<string, string>> {
    const locations = new Map<string, string>();
    for (const batch of chunks(pending, batchGetLimit)) {
      let keys = batch.map((p) => ({ Values: p.valueList }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > unprocessedRetries) {
          throw new GlueCatalogError(
            `Glue left ${keys.length} partitions of ${tableName} unprocessed after ${unprocessedRetries} retries ` +
              '(BatchGetPartition). Glue is throttling: re-run the load.',
          );
        }
        if (attempt > 0) await sleep(100 * 2 ** attempt);
        let response: BatchGetPartitionCommandOutput;
        try {
          response = await this.client.send(
            new BatchGetPartitionCommand({
              DatabaseName: this.database,
              TableName: tableName,
              PartitionsToGet: keys,
            }),
          );
        } catch (error) {
          if (errorName(error) === 'EntityNotFoundException') {
            throw new GlueCatalogError(
              `Table ${tableName} is not in the Glue database ${this.database}: ensureTable first.`,
              { cause: error },
            );
          }
          throw error;
        }
        for (const partition of response.Partitions ?? []) {
          locations.set(JSON.stringify(partition.Values ?? []), partition.StorageDescriptor?.Location ?? '');
        }
        keys = (response.UnprocessedKeys ?? []).map((k) => ({ Values: k.Values ?? [] }));
      }
    }
    return locations;
  }

  /** Records what it created in `applied`; returns the publications whose partition already existed (a concurrent create). */
  private async createPartitions(
    tableName: string,
    pending: readonly PendingPublication[],
    applied: AppliedChange[],
  ): Promise<PendingPublication[]> {
    const raced: PendingPublication[] = [];
    for (const batch of chunks(pending, batchWriteLimit)) {
      const response = await this.client.send(
        new BatchCreatePartitionCommand({
          DatabaseName: this.database,
          TableName: tableName,
          PartitionInputList: batch.map((p) => partitionInput(p.table, p.values, p.location)),
        }),
      );
      const failures: string[] = [];
      const notCreated = new Set<PendingPublication>();
      for (const error of response.Errors ?? []) {
        const failed = batch.find(
          (p) => JSON.stringify(p.valueList) === JSON.stringify(error.PartitionValues ?? []),
        );
        if (failed) notCreated.add(failed);
        if (failed && error.ErrorDetail?.ErrorCode === 'AlreadyExistsException') raced.push(failed);
        else
          failures.push(
            `${JSON.stringify(error.PartitionValues)}: ${error.ErrorDetail?.ErrorCode} ${error.ErrorDetail?.ErrorMessage}`,
          );
      }
      for (const p of batch)
        if (!notCreated.has(p)) applied.push({ tableName, publication: p, previous: undefined });
      if (failures.length > 0) {
        throw new GluePublishError(
          `Could not create ${failures.length} partitions of ${this.database}.${tableName} (${failures.slice(0, 5).join('; ')}).`,
        );
      }
    }
    return raced;
  }

  /** Records what it repointed in `applied`. */
  private async updatePartitions(
    tableName: string,
    pending: readonly { publication: PendingPublication; previous: string | undefined }[],
    applied: AppliedChange[],
  ): Promise<void> {
    for (const batch of chunks(pending, batchWriteLimit)) {
      const response = await this.client.send(
        new BatchUpdatePartitionCommand({
          DatabaseName: this.database,
          TableName: tableName,
          Entries: batch.map(({ publication: p }) => ({
            PartitionValueList: p.valueList,
            PartitionInput: partitionInput(p.table, p.values, p.location),
          })),
        }),
      );
      const errors = response.Errors ?? [];
      const failedKeys = new Set(errors.map((e) => JSON.stringify(e.PartitionValueList ?? [])));
      for (const entry of batch) {
        if (!failedKeys.has(JSON.stringify(entry.publication.valueList)))
          applied.push({ tableName, ...entry });
      }
      if (errors.length > 0) {
        const detail = errors
          .slice(0, 5)
          .map(
            (e) =>
              `${JSON.stringify(e.PartitionValueList)}: ${e.ErrorDetail?.ErrorCode} ${e.ErrorDetail?.ErrorMessage}`,
          )
          .join('; ');
        throw new GluePublishError(
          `Could not repoint ${errors.length} partitions of ${this.database}.${tableName} (${detail}).`,
        );
      }
    }
  }

  private async updateOne(tableName: string, p: PendingPublication): Promise<string | undefined> {
    const current = await this.client.send(
      new GetPartitionCommand({
        DatabaseName: this.database,
        TableName: tableName,
        PartitionValues: p.valueList,
      }),
    );
    await this.client.send(
      new UpdatePartitionCommand({
        DatabaseName: this.database,
        TableName: tableName,
        PartitionValueList: p.valueList,
        PartitionInput: partitionInput(p.table, p.values, p.location),
      }),
    );
    return current.Partition?.StorageDescriptor?.Location;
  }
}
