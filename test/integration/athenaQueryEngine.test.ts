import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { AthenaQueryEngine } from '../../src/adapters/aws/athenaQueryEngine.ts';
import { createAthenaClient, createS3Client } from '../../src/adapters/aws/awsClients.ts';
import { SqlQueryFailedError } from '../../src/ports/queryEngine.ts';
import { FaultProxy } from './faultProxy.ts';
import {
  awsTestOptions,
  createBucket,
  describeWithMoto,
  requireMoto,
  resetMoto,
  seedAthenaResults,
  setTransition,
} from './moto.ts';

const workgroup = 'listings-test';
const outputLocation = 's3://lake-test/athena-results/';
const column = (Name: string, Type = 'varchar') => ({
  Name,
  Label: Name,
  Type,
  Nullable: 'UNKNOWN',
  CaseSensitive: true,
});
const row = (...values: (string | null)[]) => ({
  Data: values.map((v) => (v === null ? {} : { VarCharValue: v })),
});
const isTarget = (operation: string) => (r: { target: string | undefined }) =>
  r.target === `AmazonAthena.${operation}`;

describeWithMoto('AthenaQueryEngine against moto_server', () => {
  let proxy: FaultProxy;
  let athena: AthenaClient;
  let s3: S3Client;

  beforeAll(async () => {
    proxy = await FaultProxy.start(requireMoto());
  });
  afterAll(() => proxy.close());
  beforeEach(async () => {
    await resetMoto();
    athena = createAthenaClient(awsTestOptions(proxy.endpoint));
    s3 = createS3Client(awsTestOptions());
    await athena.send(new CreateWorkGroupCommand({ Name: workgroup }));
    await createBucket(s3, 'lake-test');
    proxy.clear();
  });
  afterEach(() => {
    athena.destroy();
    s3.destroy();
  });

  const engine = (overrides: Partial<ConstructorParameters<typeof AthenaQueryEngine>[1]> = {}) =>
    new AthenaQueryEngine(athena, {
      workgroup,
      database: 'listings_test',
      outputLocation,
      initialPollMs: 10,
      ...overrides,
    });

  async function onlyExecutionId(): Promise<string> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const ids =
        (await athena.send(new ListQueryExecutionsCommand({ WorkGroup: workgroup }))).QueryExecutionIds ?? [];
      if (ids[0]) return ids[0];
      await sleep(10);
    }
    throw new Error('the query never started');
  }

  it('runs a SELECT in the workgroup and database, with its own result location, and returns rows', async () => {
    await seedAthenaResults([
      {
        column_info: [column('municipality'), column('offers', 'bigint'), column('median_price', 'double')],
        rows: [
          row('municipality', 'offers', 'median_price'),
          row('Zürich', '12', '1250000.0'),
          row('Basel', '3', null),
        ],
      },
    ]);

    const result = await engine().query(
      'SELECT municipality, count(*) AS offers, approx_percentile(price, 0.5) AS median_price FROM listings GROUP BY 1',
    );

    expect(result.columns).toEqual(['municipality', 'offers', 'median_price']);
    expect(result.rows).toEqual([
      { municipality: 'Zürich', offers: '12', median_price: '1250000.0' },
      { municipality: 'Basel', offers: '3', median_price: null },
    ]);
    const id = await onlyExecutionId();
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    expect(QueryExecution?.WorkGroup).toBe(workgroup);
    expect(QueryExecution?.QueryExecutionContext).toMatchObject({
      Database: 'listings_test',
      Catalog: 'AwsDataCatalog',
    });
    expect(QueryExecution?.ResultConfiguration?.OutputLocation).toBe(`${outputLocation}${id}.csv`);
    // moto writes the result file where the query said, as Athena does.
    const csv = await s3.send(new GetObjectCommand({ Bucket: 'lake-test', Key: `athena-results/${id}.csv` }));
    expect(await csv.Body?.transformToString()).toContain('"Zürich","12","1250000.0"');
  });

  it('keeps the first row of a statement without a header (DDL)', async () => {
    await seedAthenaResults([
      { column_info: [column('tab_name')], rows: [row('listings'), row('listings_rejected')] },
    ]);

    const result = await engine().query('SHOW TABLES');

    expect(result.rows).toEqual([{ tab_name: 'listings' }, { tab_name: 'listings_rejected' }]);
  });

  it('polls with growing waits until a slow query succeeds', async () => {
    // QUEUED -> RUNNING -> SUCCEEDED, one step every two GetQueryExecution calls.
    await setTransition('athena::execution', { progression: 'manual', times: 2 });
    await seedAthenaResults([{ column_info: [column('n')], rows: [row('n'), row('1')] }]);
    const started = Date.now();

    const result = await engine({ initialPollMs: 20 }).query('SELECT 1 AS n');

    expect(result.rows).toEqual([{ n: '1' }]);
    expect(proxy.requests.filter(isTarget('GetQueryExecution'))).toHaveLength(4);
    // 20 + 30 + 45 ms of waiting between the four polls.
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('reads every page of the results, dropping the header only on the first', async () => {
    await seedAthenaResults([
      {
        column_info: [column('id')],
        rows: [row('id'), ...Array.from({ length: 5 }, (_, i) => row(`offer-${i}`))],
      },
    ]);
    // moto answers in one page; the proxy splits it in two the way Athena pages (NextToken).
    proxy.rewriteResponses(
      (r) => r.target === 'AmazonAthena.GetQueryResults' && !r.bodyText.includes('NextToken'),
      (body) => {
        const page = JSON.parse(body) as { ResultSet: { Rows: unknown[] }; NextToken?: string };
        page.ResultSet.Rows = page.ResultSet.Rows.slice(0, 3);
        page.NextToken = 'page-2';
        return JSON.stringify(page);
      },
    );
    proxy.rewriteResponses(
      (r) => r.target === 'AmazonAthena.GetQueryResults' && r.bodyText.includes('"NextToken":"page-2"'),
      (body) => {
        const page = JSON.parse(body) as { ResultSet: { Rows: unknown[] } };
        page.ResultSet.Rows = page.ResultSet.Rows.slice(3);
        return JSON.stringify(page);
      },
    );

    const result = await engine().query('SELECT id FROM listings');

    expect(result.rows.map((r) => r.id)).toEqual(['offer-0', 'offer-1', 'offer-2', 'offer-3', 'offer-4']);
    expect(proxy.requests.filter(isTarget('GetQueryResults'))).toHaveLength(2);
  });

  it('fails with SqlQueryFailedError when the query is cancelled', async () => {
    // The query stays QUEUED until someone stops it (moto's StopQueryExecution → CANCELLED).
    await setTransition('athena::execution', { progression: 'manual', times: 1_000_000 });
    const running = engine({ initialPollMs: 20 }).query('SELECT * FROM listings');
    const outcome = running.then(
      () => undefined,
      (error: unknown) => error,
    );
    const id = await onlyExecutionId();

    await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));

    const error = await outcome;
    expect(error).toBeInstanceOf(SqlQueryFailedError);
    expect(error).toMatchObject({
      name: 'SqlQueryFailedError',
      athena: { state: 'CANCELLED', queryExecutionId: id },
      message: expect.stringContaining(`Athena query ${id} CANCELLED`),
    });
  });

  it("fails with SqlQueryFailedError carrying Athena's reason when the query FAILED", async () => {
    // moto never fails a query (its executions only go QUEUED -> RUNNING -> SUCCEEDED): the
    // proxy turns moto's answer into the FAILED status Athena sends for a bad column.
    const reason = "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved";
    proxy.rewriteResponses(isTarget('GetQueryExecution'), (body) => {
      const answer = JSON.parse(body) as { QueryExecution: { Status: Record<string, unknown> } };
      answer.QueryExecution.Status = {
        ...answer.QueryExecution.Status,
        State: 'FAILED',
        StateChangeReason: reason,
        AthenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false, ErrorMessage: reason },
      };
      return JSON.stringify(answer);
    });

    const error = await engine()
      .query('SELECT nope FROM listings')
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    const id = await onlyExecutionId();
    expect(error).toMatchObject({
      name: 'SqlQueryFailedError',
      athena: { state: 'FAILED', reason, queryExecutionId: id },
    });
    const message = (error as Error).message;
    expect(message).toContain(`Athena query ${id} FAILED: ${reason}`);
    expect(message).toContain('error type 1006');
    expect(message).toContain('SELECT nope FROM listings');
    expect(proxy.requests.filter(isTarget('GetQueryResults'))).toHaveLength(0);
  });

  it('stops a query that outlives the timeout and says so', async () => {
    await setTransition('athena::execution', { progression: 'manual', times: 1_000_000 });

    await expect(engine({ timeoutMs: 150 }).query('SELECT * FROM listings')).rejects.toMatchObject({
      name: 'AthenaQueryTimeoutError',
      message: expect.stringContaining('was stopped'),
    });

    const id = await onlyExecutionId();
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    expect(QueryExecution?.Status?.State).toBe('CANCELLED');
  });
});
