import {
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createAthenaClient, createS3Client } from '../../src/adapters/aws/awsClients.ts';
import { newRunId } from '../../src/domain/run/runId.ts';
import { runSqlUseCaseTask } from '../../src/lambdaTasks/runSqlUseCase.ts';
import { lambdaPorts } from '../../src/runtime/lambdaRuntime.ts';
import {
  awsTestOptions,
  createBucket,
  describeWithMoto,
  requireMoto,
  resetMoto,
  testRegion,
} from './moto.ts';

/** What the stack sets for the Lambda, one bucket per zone as deployed. */
const lambdaEnvironment = {
  ENVIRONMENT: 'test',
  LOG_LEVEL: 'info',
  LAKE_RAW: 's3://raw-test/',
  LAKE_CURATED: 's3://curated-test/',
  LAKE_RESULTS: 's3://results-test/',
  LAKE_MANIFESTS: 's3://curated-test/manifests/',
  LAKE_ATHENA_RESULTS: 's3://athena-test/',
  GLUE_DATABASE: 'listings_test',
  ATHENA_WORKGROUP: 'listings-test',
};

describeWithMoto('the RunSqlUseCase Lambda task, wired from its environment, against moto_server', () => {
  const saved = { ...process.env };
  beforeEach(async () => {
    await resetMoto();
    // The handler takes its endpoint, region and credentials from the standard environment.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: requireMoto(),
      AWS_REGION: testRegion,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    const s3 = createS3Client(awsTestOptions());
    for (const bucket of ['raw-test', 'curated-test', 'results-test', 'athena-test'])
      await createBucket(s3, bucket);
    s3.destroy();
    const athena = createAthenaClient(awsTestOptions());
    await athena.send(new CreateWorkGroupCommand({ Name: 'listings-test' }));
    athena.destroy();
  });
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  async function queriesSent(): Promise<
    { query: string; workgroup: string | undefined; database: string | undefined }[]
  > {
    const athena = createAthenaClient(awsTestOptions());
    try {
      const { QueryExecutionIds = [] } = await athena.send(
        new ListQueryExecutionsCommand({ WorkGroup: 'listings-test' }),
      );
      return Promise.all(
        QueryExecutionIds.map(async (id) => {
          const { QueryExecution } = await athena.send(
            new GetQueryExecutionCommand({ QueryExecutionId: id }),
          );
          return {
            query: QueryExecution?.Query ?? '',
            workgroup: QueryExecution?.WorkGroup,
            database: QueryExecution?.QueryExecutionContext?.Database,
          };
        }),
      );
    } finally {
      athena.destroy();
    }
  }

  it("renders the use case's SQL for the day, UNLOADs it to a fresh run prefix and publishes the partition", async () => {
    const ports = lambdaPorts('runSqlUseCase', { ...lambdaEnvironment, AWS_REGION: testRegion });
    const runId = newRunId();
    const location = `s3://results-test/market_stats_monthly/dt=2024-01-15/run=${runId}/`;
    const result = await runSqlUseCaseTask(
      { useCase: 'market_stats_monthly', dt: '2024-01-15', runId },
      ports,
    );
    expect(result).toEqual({ published: location });

    const [sent, ...more] = await queriesSent();
    expect(more).toEqual([]);
    expect(sent?.workgroup).toBe('listings-test');
    expect(sent?.database).toBe('listings_test');
    // the day's clustering comes first: market statistics count each property once
    expect(sent?.query).toMatch(/^UNLOAD \(WITH property_cluster_tolerances AS/);
    expect(sent?.query).toContain("dt = '2024-01-15'");
    expect(sent?.query).toContain(`'${runId}' AS run_id`);
    expect(sent?.query).toMatch(
      new RegExp(
        `\\) TO '${location.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' WITH \\(format = 'PARQUET', compression = 'ZSTD'\\)$`,
      ),
    );
    expect(await ports.catalog.getPartition('market_stats_monthly', { dt: '2024-01-15' })).toEqual({
      values: { dt: '2024-01-15' },
      location,
    });

    // A retry of the same step (Step Functions retries environment errors) finds it published:
    // it neither queries again nor touches the partition.
    await runSqlUseCaseTask({ useCase: 'market_stats_monthly', dt: '2024-01-15', runId }, ports);
    expect(await queriesSent()).toHaveLength(1);
  });

  it('refuses a model use case and an unknown one by name', async () => {
    const ports = lambdaPorts('runSqlUseCase', { ...lambdaEnvironment, AWS_REGION: testRegion });
    const runId = newRunId();
    await expect(
      runSqlUseCaseTask({ useCase: 'price_model', dt: '2024-01-15', runId }, ports),
    ).rejects.toThrow(expect.objectContaining({ name: 'UnknownUseCaseError' }));
    await expect(
      runSqlUseCaseTask({ useCase: 'drop_tables', dt: '2024-01-15', runId }, ports),
    ).rejects.toThrow(expect.objectContaining({ name: 'UnknownUseCaseError' }));
    await expect(
      runSqlUseCaseTask({ useCase: 'market_stats_monthly', dt: '15.01.2024', runId }, ports),
    ).rejects.toThrow(expect.objectContaining({ name: 'InternalError' }));
    expect(await queriesSent()).toEqual([]);
  });

  it('fails at start with every missing or malformed variable named', () => {
    expect(() => lambdaPorts('runSqlUseCase', { ENVIRONMENT: 'test', LAKE_RAW: 'raw-test' })).toThrow(
      /LambdaConfigurationError|environment is invalid/,
    );
    try {
      lambdaPorts('runSqlUseCase', { ENVIRONMENT: 'test', LAKE_RAW: 'raw-test' });
    } catch (error) {
      expect((error as Error).name).toBe('LambdaConfigurationError');
      for (const name of ['LAKE_RAW', 'LAKE_RESULTS', 'GLUE_DATABASE', 'ATHENA_WORKGROUP', 'AWS_REGION'])
        expect((error as Error).message).toContain(name);
    }
  });
});
