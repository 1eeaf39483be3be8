import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** DuckDB memory limit of local runs and containers unless told otherwise (tasks set theirs). */
export const defaultDuckdbMemoryLimit = '1GB';

export interface DuckdbOptions {
  /** e.g. '1GB'. DuckDB spills to `tempDirectory` beyond it instead of growing. */
  readonly memoryLimit?: string;
  readonly tempDirectory?: string;
  readonly threads?: number;
  /** A database file: tables are then compressed and can be evicted, not only spilled. In memory when absent. */
  readonly databasePath?: string;
  /** Opens `databasePath` read-only: DuckDB then refuses every statement that would change it. */
  readonly readOnly?: boolean;
  /**
   * Whether DuckDB may load a known extension a query needs from the local extension directory
   * (default true). Sessions that run SQL from outside say false: json and parquet are built in.
   */
  readonly autoloadExtensions?: boolean;
}

export type Row = Record<string, unknown>;

/** Converts DuckDB values to plain JSON-friendly ones (bigint → number, dates → strings). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return Object.fromEntries(entries.map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** A whole number DuckDB's JSON form gave as a string, as a number while it is exact. */
function exactNumber(value: unknown): unknown {
  return typeof value === 'string' && /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))
    ? Number(value)
    : value;
}

/**
 * One embedded DuckDB database and connection. Extensions are never downloaded: json and
 * parquet are built into the npm binary, and the pipeline must run offline.
 */
export class DuckdbSession {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(options: DuckdbOptions = {}): Promise<DuckdbSession> {
    const config: Record<string, string> = {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: options.autoloadExtensions === false ? 'false' : 'true',
      // Every output the pipeline writes is explicitly ordered or keyed by record number, so
      // DuckDB may parallelise scans and writes freely.
      preserve_insertion_order: 'false',
    };
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.tempDirectory) config.temp_directory = options.tempDirectory;
    if (options.threads) config.threads = String(options.threads);
    if (options.readOnly) config.access_mode = 'READ_ONLY';
    const instance = await DuckDBInstance.create(options.databasePath ?? ':memory:', config);
    const connection = await instance.connect();
    return new DuckdbSession(instance, connection);
  }

  /**
   * How far the statement running now has got, 0–100, or null when DuckDB cannot tell (no
   * statement, or one it cannot estimate). DuckDB counts it only once told to, without printing.
   */
  progressPercent(): number | null {
    const percent = this.connection.progress.percentage;
    return percent >= 0 ? percent : null;
  }

  /** Makes progressPercent() answer (DuckDB keeps no count unless asked to). */
  async trackProgress(): Promise<void> {
    await this.connection.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false');
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Rows as objects with JSON-friendly values. */
  async all(sql: string): Promise<Row[]> {
    return (await this.columns(sql)).rows;
  }

  /**
   * Column names, DuckDB type names and rows with JSON-friendly values: dates as
   * 'YYYY-MM-DD', whole numbers as numbers while they are exact (DuckDB's JSON form gives
   * every BIGINT as a string), lists as arrays, maps as objects (DuckDB's JSON form gives a
   * list of key/value pairs; a map's integers become numbers the same way).
   */
  async columns(sql: string): Promise<{ names: string[]; types: string[]; rows: Row[] }> {
    const reader = await this.connection.runAndReadAll(sql);
    const names = reader.columnNames();
    const types = reader.columnTypes().map((t) => t.toString());
    const integerColumns = names.filter((_, i) =>
      /^(U?(BIG|SMALL|TINY|HUGE)?INT(EGER)?|UHUGEINT)$/.test(types[i] ?? ''),
    );
    const mapColumns = names.filter((_, i) => (types[i] ?? '').startsWith('MAP('));
    const rows = reader.getRowObjectsJson().map((json) => {
      const row = plain(json) as Row;
      for (const name of integerColumns) row[name] = exactNumber(row[name]);
      for (const name of mapColumns) {
        const pairs = row[name];
        if (Array.isArray(pairs)) {
          row[name] = Object.fromEntries(
            (pairs as { key: unknown; value: unknown }[]).map(({ key, value }) => [
              String(key),
              exactNumber(value),
            ]),
          );
        }
      }
      return row;
    });
    return { names, types, rows };
  }

  /** Stops the statement running now; it fails with DuckDB's INTERRUPT error. */
  interrupt(): void {
    this.connection.interrupt();
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
