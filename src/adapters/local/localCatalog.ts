import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { InternalError, PipelineError } from '../../domain/errors/pipelineError.ts';
import { type PartitionValues, partitionPath, samePartition } from '../../domain/lake/lakeLayout.ts';
import type { LeasePolicy } from '../../domain/lake/leasePolicy.ts';
import { columnTypes, type TableDefinition, tableFormats } from '../../domain/tables/tableSchema.ts';
import { LeaseHeldError, withLeases } from '../../leases/lease.ts';
import type { Catalog, CatalogPartition, CatalogTable, PartitionPublication } from '../../ports/catalog.ts';
import type { Logger } from '../../ports/logger.ts';
import { silentLogger } from '../jsonLogger.ts';
import { corruptCatalogError } from './corruptCatalogError.ts';
import { FileBlobStore } from './fileBlobStore.ts';

const columnSchema = z.object({
  name: z.string(),
  type: z.enum(columnTypes),
  comment: z.string(),
});

const tableSchema = z.object({
  definition: z.object({
    name: z.string(),
    zone: z.enum(['curated', 'results']),
    description: z.string(),
    columns: z.array(columnSchema),
    nullable: z.array(z.string()).optional(),
    partitionKeys: z.array(columnSchema),
    format: z.enum(tableFormats).optional(),
  }),
  location: z.string(),
  partitions: z.array(
    z.object({
      values: z.record(z.string(), z.string()),
      location: z.string(),
      updatedAt: z.string(),
    }),
  ),
});

const catalogFileSchema = z.object({
  database: z.string(),
  version: z.number().int(),
  tables: z.record(z.string(), tableSchema),
});

type CatalogFile = z.infer<typeof catalogFileSchema>;

/** Changes take milliseconds: a writer silent for 30 s is gone. */
const catalogLockPolicy: LeasePolicy = { ttlMs: 30_000, renewEveryMs: 10_000, waitMs: 30_000, pollMs: 10 };

export class CatalogLockTimeoutError extends PipelineError {
  override readonly name = 'CatalogLockTimeoutError';
}

/**
 * Glue's model (database → tables with columns and partition keys → partitions with
 * locations) in one JSON file of the lake. Every change is a read-modify-write under an
 * exclusive lock file and lands with an atomic rename, so concurrent loaders (the Map over
 * partitions) never lose each other's partitions and readers never see a half-written file.
 */
export class LocalCatalog implements Catalog {
  readonly path: string;

  private readonly blobs = new FileBlobStore();

  constructor(
    private readonly lakeRoot: string,
    readonly database: string,
    /** Where taking over a killed writer's lock is reported. */
    private readonly log: Logger = silentLogger,
    /** How long a change waits for another writer's lock (tests shorten it). */
    private readonly lockPolicy: LeasePolicy = catalogLockPolicy,
  ) {
    this.path = join(lakeRoot, 'catalog', `${database}.json`);
  }

  /** The catalog as the file says; an empty one when there is no file yet; CorruptCatalogError otherwise. */
  private async load(): Promise<CatalogFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { database: this.database, version: 0, tables: {} };
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      const problem =
        text.trim() === '' ? 'it is empty' : `it is not JSON, or is cut short (${(error as Error).message})`;
      throw await corruptCatalogError(this.path, this.lakeRoot, problem);
    }
    const parsed = catalogFileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join('.') || 'the top level';
      throw await corruptCatalogError(
        this.path,
        this.lakeRoot,
        `it does not have the catalog's shape (${where}: ${issue?.message ?? 'invalid'})`,
      );
    }
    return parsed.data;
  }

  /**
   * Every change under a lease of the catalog (one writer at a time, across processes): a
   * holder killed mid-change is recognised as gone at once on this machine, or after the
   * lease's 30 s elsewhere, and its lease is taken over; a live one is waited for.
   */
  private async withLock<T>(change: (file: CatalogFile) => T): Promise<T> {
    await mkdir(dirname(this.path), { recursive: true });
    const subject = { prefix: `${this.path}.lock/`, description: `the local catalog ${this.path}` };
    const holder = `catalog writer ${process.pid}/${randomUUID().slice(0, 8)}`;
    try {
      return await withLeases(
        { blobs: this.blobs, log: this.log },
        [subject],
        holder,
        this.lockPolicy,
        async () => {
          const file = await this.load();
          const result = change(file);
          file.version++;
          const temporary = `${this.path}.${process.pid}.${randomUUID()}.partial`;
          await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`);
          await rename(temporary, this.path);
          return result;
        },
      );
    } catch (error) {
      if (error instanceof LeaseHeldError) throw new CatalogLockTimeoutError(error.message, { cause: error });
      throw error;
    }
  }

  async ensureTable(table: TableDefinition, location: string): Promise<void> {
    await this.withLock((file) => {
      const existing = file.tables[table.name];
      file.tables[table.name] = {
        definition: structuredClone(table) as CatalogFile['tables'][string]['definition'],
        location,
        partitions: existing?.partitions ?? [],
      };
    });
  }

  async listTables(): Promise<CatalogTable[]> {
    const file = await this.load();
    return Object.values(file.tables).map((t) => ({
      name: t.definition.name,
      location: t.location,
      definition: t.definition,
    }));
  }

  async listPartitions(table: string): Promise<CatalogPartition[]> {
    const file = await this.load();
    return (file.tables[table]?.partitions ?? []).map((p) => ({ values: p.values, location: p.location }));
  }

  async getPartition(table: string, values: PartitionValues): Promise<CatalogPartition | undefined> {
    return (await this.listPartitions(table)).find((p) => samePartition(p.values, values));
  }

  async publish(publications: readonly PartitionPublication[]): Promise<(string | undefined)[]> {
    return this.withLock((file) =>
      publications.map(({ table, values, location }) => {
        const entry = file.tables[table.name];
        if (!entry) throw new InternalError(`Table ${table.name} is not in the catalog: ensureTable first`);
        const existing = entry.partitions.find((p) => samePartition(p.values, values));
        const updatedAt = new Date().toISOString();
        if (existing) {
          const previous = existing.location;
          existing.location = location;
          existing.updatedAt = updatedAt;
          return previous;
        }
        entry.partitions.push({ values: { ...values }, location, updatedAt });
        entry.partitions.sort((a, b) =>
          partitionPath(a.values, table).localeCompare(partitionPath(b.values, table)),
        );
        return undefined;
      }),
    );
  }
}
