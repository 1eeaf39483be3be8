import { mkdir } from 'node:fs/promises';
import { runDataFile } from '../../domain/lake/lakeLayout.ts';
import { emptyRowsSql } from '../../domain/sql/emptyRows.ts';
import { parquetCopySql } from '../../domain/sql/parquetCopy.ts';
import { sqlIdentifier, sqlString } from '../../domain/sql/sqlLiteral.ts';
import { type ColumnDefinition, duckdbType, type TableDefinition } from '../../domain/tables/tableSchema.ts';
import type { Catalog } from '../../ports/catalog.ts';
import { type QueryEngine, type QueryResult, SqlQueryFailedError } from '../../ports/queryEngine.ts';
import { type DuckdbOptions, DuckdbSession } from './duckdbSession.ts';
import { trinoCompatibilityMacrosSql } from './trinoCompatibility.ts';

/** DuckDB's errors as the engine error Athena's adapter raises too: the same name in both worlds. */
async function failingAsEngine<T>(work: Promise<T>, sql: string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const oneLine = sql.replace(/\s+/g, ' ').trim();
    throw new SqlQueryFailedError(
      `DuckDB failed the query: ${(error as Error).message} Query: ${oneLine.length > 200 ? `${oneLine.slice(0, 200)}...` : oneLine}`,
    );
  }
}

/**
 * The local query engine: DuckDB with one view per catalog table. A view reads only the
 * published partitions (the locations the catalog points at), so a run that has not
 * published is invisible, exactly as in Athena. Partition keys come from the catalog, not
 * from file paths.
 */
export class LocalQueryEngine implements QueryEngine {
  private constructor(private readonly session: DuckdbSession) {}

  static async open(catalog: Catalog, options: DuckdbOptions = {}): Promise<LocalQueryEngine> {
    const session = await DuckdbSession.open(options);
    for (const macro of trinoCompatibilityMacrosSql) await session.run(macro);
    for (const table of await catalog.listTables()) {
      const partitions = await catalog.listPartitions(table.name);
      const selects = partitions.map((p) => {
        const keys = table.definition.partitionKeys
          .map(
            (k) => `${sqlString(p.values[k.name] ?? '')}::${duckdbType(k.type)} AS ${sqlIdentifier(k.name)}`,
          )
          .join(', ');
        return `SELECT *, ${keys} FROM read_parquet(${sqlString(`${p.location}*.parquet`)}, hive_partitioning = false)`;
      });
      const body =
        selects.length > 0
          ? selects.join('\nUNION ALL BY NAME\n')
          : emptyRowsSql([...table.definition.columns, ...table.definition.partitionKeys]);
      await session.run(`CREATE OR REPLACE VIEW ${sqlIdentifier(table.name)} AS ${body}`);
    }
    return new LocalQueryEngine(session);
  }

  async query(sql: string): Promise<QueryResult> {
    const result = await failingAsEngine(this.session.columns(sql), sql);
    return { columns: result.names, rows: result.rows };
  }

  /** Athena's UNLOAD, locally: one zstd Parquet file in the run prefix's directory. */
  async unload(select: string, location: string): Promise<void> {
    await mkdir(location, { recursive: true });
    await failingAsEngine(this.session.run(parquetCopySql(select, runDataFile(location))), select);
  }

  close(): void {
    this.session.close();
  }
}
