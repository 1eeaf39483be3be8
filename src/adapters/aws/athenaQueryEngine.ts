import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  paginateGetQueryResults,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { InternalError, PipelineError } from '../../domain/errors/pipelineError.ts';
import { sqlString } from '../../domain/sql/sqlLiteral.ts';
import {
  type QueryEngine,
  type QueryOptions,
  type QueryResult,
  SqlQueryFailedError,
} from '../../ports/queryEngine.ts';
import { refuseIfCancelled } from '../../ports/taskCancellation.ts';

export interface AthenaQueryEngineOptions {
  readonly workgroup: string;
  /** The Glue database unqualified table names resolve in. */
  readonly database: string;
  /** `s3://bucket/prefix/` for result files (the lake's athena-results zone). */
  readonly outputLocation: string;
  /** First wait between GetQueryExecution polls; it grows by half each poll. */
  readonly initialPollMs?: number;
  readonly maxPollMs?: number;
  /** Stop the query and fail after this long (Athena's own DML limit is 30 minutes by default). */
  readonly timeoutMs?: number;
}

/** Athena failed the query on its side and says a retry may succeed (`AthenaError.Retryable`). */
export class AthenaQueryInterruptedError extends PipelineError {
  override readonly name = 'AthenaQueryInterruptedError';
}

export class AthenaQueryTimeoutError extends PipelineError {
  override readonly name = 'AthenaQueryTimeoutError';
}

const terminalStates = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

function excerpt(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}...` : oneLine;
}

/**
 * Athena as the query engine: every query names its result location (a workgroup's default
 * would be silently overridden by workgroup settings or missing in a fresh account), is polled
 * with growing waits, and its results are read page by page. Values come back as Athena
 * returns them, strings, with null for SQL NULL.
 */
export class AthenaQueryEngine implements QueryEngine {
  private readonly initialPollMs: number;
  private readonly maxPollMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly client: AthenaClient,
    private readonly options: AthenaQueryEngineOptions,
  ) {
    this.initialPollMs = options.initialPollMs ?? 250;
    this.maxPollMs = options.maxPollMs ?? 5_000;
    this.timeoutMs = options.timeoutMs ?? 30 * 60_000;
  }

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const { id, execution } = await this.run(sql, options);
    return this.results(id, execution.StatementType);
  }

  /** Athena's UNLOAD: the result as zstd Parquet files under `location` (which must be empty). */
  async unload(select: string, location: string, options: QueryOptions = {}): Promise<void> {
    await this.run(
      `UNLOAD (${select}) TO ${sqlString(location)} WITH (format = 'PARQUET', compression = 'ZSTD')`,
      options,
    );
  }

  private async run(
    sql: string,
    { signal }: QueryOptions,
  ): Promise<{ id: string; execution: QueryExecution }> {
    refuseIfCancelled(signal, 'start an Athena query');
    const started = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workgroup,
        QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: this.options.database },
        ResultConfiguration: { OutputLocation: this.options.outputLocation },
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new InternalError('Athena StartQueryExecution returned no QueryExecutionId.');
    return { id, execution: await this.waitForCompletion(id, sql, signal) };
  }

  private async waitForCompletion(id: string, sql: string, signal?: AbortSignal): Promise<QueryExecution> {
    const deadline = Date.now() + this.timeoutMs;
    let wait = this.initialPollMs;
    for (;;) {
      const { QueryExecution: execution } = await this.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = execution?.Status?.State ?? 'UNKNOWN';
      if (execution && terminalStates.has(state)) {
        if (state === 'SUCCEEDED') return execution;
        const status = execution.Status;
        const reason = status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage;
        const errorType = status?.AthenaError?.ErrorType;
        const message =
          `Athena query ${id} ${state}: ${reason ?? 'Athena gave no reason'}` +
          `${errorType !== undefined ? ` (error type ${errorType})` : ''}. ` +
          `Query: ${excerpt(sql)}. See the query's details in the Athena console (workgroup ${this.options.workgroup}).`;
        if (status?.AthenaError?.Retryable === true) throw new AthenaQueryInterruptedError(message);
        throw new SqlQueryFailedError(message, { queryExecutionId: id, state, reason });
      }
      if (signal?.aborted) {
        // The task was cancelled: the query must not go on writing (and billing) for nobody.
        await this.client
          .send(new StopQueryExecutionCommand({ QueryExecutionId: id }))
          .catch(() => undefined);
        refuseIfCancelled(signal, `wait for Athena query ${id} (stopped)`);
      }
      if (Date.now() + wait > deadline) {
        // Do not leave it running (and billing) after we stop waiting for it.
        await this.client
          .send(new StopQueryExecutionCommand({ QueryExecutionId: id }))
          .catch(() => undefined);
        throw new AthenaQueryTimeoutError(
          `Athena query ${id} was still ${state} after ${Math.round(this.timeoutMs / 1000)} s and was stopped. ` +
            `Query: ${excerpt(sql)}. Narrow it (partition filters on source and dt) or raise the timeout.`,
        );
      }
      await sleep(wait);
      wait = Math.min(Math.ceil(wait * 1.5), this.maxPollMs);
    }
  }

  private async results(id: string, statementType: string | undefined): Promise<QueryResult> {
    let columns: string[] | undefined;
    let labels: string[] = [];
    const rows: Record<string, string | null>[] = [];
    let firstRow = true;
    for await (const page of paginateGetQueryResults(
      { client: this.client, pageSize: 1000 },
      { QueryExecutionId: id },
    )) {
      if (columns === undefined) {
        const info = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        columns = info.map((c) => c.Name ?? '');
        labels = info.map((c) => c.Label ?? c.Name ?? '');
      }
      const names = columns;
      for (const row of page.ResultSet?.Rows ?? []) {
        const values = (row.Data ?? []).map((d) => d.VarCharValue ?? null);
        const isHeader =
          firstRow && statementType === 'DML' && values.every((v, i) => v === names[i] || v === labels[i]);
        firstRow = false;
        // A SELECT's first row repeats the column names; DDL and utility results have no header.
        if (isHeader) continue;
        rows.push(Object.fromEntries(names.map((name, i) => [name, values[i] ?? null])));
      }
    }
    return { columns: columns ?? [], rows };
  }
}
