/**
 * Operating a deployed environment from the command line (`--env`), against moto_server: a
 * CloudFormation stack named and with outputs as the CDK stack declares them (a state machine
 * and buckets moto creates from the template), and the standard AWS environment pointing at
 * moto. moto stores executions without running them; its history of each is a fixed success.
 */
import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, beforeEach, expect, it } from 'vitest';
import {
  createCloudFormationClient,
  createS3Client,
  createSfnClient,
} from '../../src/adapters/aws/awsClients.ts';
import { StepFunctionsExecutions } from '../../src/adapters/aws/stepFunctionsExecutions.ts';
import {
  stackNameOf,
  stackOutputNames,
  stateMachineNameOf,
} from '../../src/domain/deployment/pipelineStack.ts';
import { runReportUri, zonesOfBuckets } from '../../src/domain/lake/lakeLayout.ts';
import type { RunOutcome } from '../../src/domain/run/runOutcome.ts';
import { etl } from '../support/cli.ts';
import {
  awsTestOptions,
  describeWithMoto,
  requireMoto,
  resetMoto,
  seedAthenaResults,
  testRegion,
} from './moto.ts';

const buckets = {
  raw: 'dev-raw',
  curated: 'dev-curated',
  results: 'dev-results',
  athenaResults: 'dev-athena-results',
};
const workgroup = 'listings-dev';
const database = 'listings_dev';

/** The deployed stack as the CLI sees it: the real output names, resources moto can create. */
function template(): string {
  const bucket = (name: string) => ({ Type: 'AWS::S3::Bucket', Properties: { BucketName: name } });
  return JSON.stringify({
    Resources: {
      Raw: bucket(buckets.raw),
      Curated: bucket(buckets.curated),
      Results: bucket(buckets.results),
      AthenaResults: bucket(buckets.athenaResults),
      Pipeline: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: stateMachineNameOf('dev'),
          RoleArn: 'arn:aws:iam::123456789012:role/listings-dev-pipeline',
          DefinitionString: JSON.stringify({
            StartAt: 'ParseArgs',
            States: { ParseArgs: { Type: 'Pass', End: true } },
          }),
        },
      },
    },
    Outputs: {
      [stackOutputNames.stateMachineArn]: { Value: { Ref: 'Pipeline' } },
      [stackOutputNames.rawBucket]: { Value: { Ref: 'Raw' } },
      [stackOutputNames.curatedBucket]: { Value: { Ref: 'Curated' } },
      [stackOutputNames.resultsBucket]: { Value: { Ref: 'Results' } },
      [stackOutputNames.athenaResultsBucket]: { Value: { Ref: 'AthenaResults' } },
      [stackOutputNames.glueDatabase]: { Value: database },
      [stackOutputNames.athenaWorkgroup]: { Value: workgroup },
      [stackOutputNames.analystPolicyArn]: { Value: 'arn:aws:iam::123456789012:policy/analysts' },
      [stackOutputNames.alertTopicArn]: { Value: 'arn:aws:sns:us-east-1:123456789012:alerts' },
    },
  });
}

describeWithMoto('etl --env: a deployed environment (moto_server)', () => {
  let awsEnv: NodeJS.ProcessEnv;
  beforeAll(() => {
    awsEnv = {
      AWS_ENDPOINT_URL: requireMoto(),
      AWS_REGION: testRegion,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  });

  async function deployStack(): Promise<void> {
    const cloudFormation = createCloudFormationClient(awsTestOptions());
    await cloudFormation.send(
      new CreateStackCommand({ StackName: stackNameOf('dev'), TemplateBody: template() }),
    );
    cloudFormation.destroy();
    const athena = new AthenaClient(awsTestOptions());
    await athena.send(new CreateWorkGroupCommand({ Name: workgroup }));
    athena.destroy();
  }

  beforeEach(async () => {
    await resetMoto();
  });

  it('starts an execution with the validated run input, lists it, follows it to its end', async () => {
    await deployStack();
    const started = await etl(
      ['start', '--env', 'dev', '--date', '2024-01-15', '--source', 'pricehubble', '--json'],
      awsEnv,
    );
    expect(started.code, started.stderr).toBe(0);
    const { executionArn, input, consoleUrl } = JSON.parse(started.stdout);
    expect(input).toEqual({ date: '2024-01-15', sources: ['pricehubble'] });
    expect(executionArn).toMatch(new RegExp(`^arn:aws:states:${testRegion}:\\d{12}:execution:listings-dev:`));
    expect(consoleUrl).toContain(encodeURI(executionArn));
    const sfn = new StepFunctionsExecutions(createSfnClient(awsTestOptions()));
    expect((await sfn.describe(executionArn)).input).toEqual(input);

    const runs = await etl(['runs', '--env', 'dev', '--json'], awsEnv);
    expect(runs.code, runs.stderr).toBe(0);
    const listed = JSON.parse(runs.stdout);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      executionArn,
      days: '2024-01-15',
      sources: ['pricehubble'],
      totals: null,
    });

    const followed = await etl(['follow', executionArn, '--poll-interval', '0.05'], awsEnv);
    expect(followed.code, followed.stderr).toBe(0);
    const lines = followed.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^Run SUCCEEDED in \d+\.\d s\.$/);
    expect(lines.some((l) => / entered$/.test(l))).toBe(true);

    // a run's own data-quality limit goes into the execution input, with its reason
    const lifted = await etl(
      [
        'start',
        '--env',
        'dev',
        '--date',
        '2024-01-16',
        '--max-rejected-share',
        '1',
        '--reason',
        'export fixed upstream, see TICKET-12',
        '--json',
      ],
      awsEnv,
    );
    expect(lifted.code, lifted.stderr).toBe(0);
    const liftedArn = JSON.parse(lifted.stdout).executionArn as string;
    expect((await sfn.describe(liftedArn)).input).toEqual({
      date: '2024-01-16',
      quality: { maxRejectedShare: 1, reason: 'export fixed upstream, see TICKET-12' },
    });
  });

  it('lists the counts of a run whose report is in the lake, and re-drives only what failed', async () => {
    await deployStack();
    const started = JSON.parse(
      (await etl(['start', '--env', 'dev', '--from', '2024-01-14', '--to', '2024-01-15', '--json'], awsEnv))
        .stdout,
    );
    const executionArn = started.executionArn as string;
    const name = executionArn.split(':').at(-1) as string;
    const report: RunOutcome = {
      runId: '20240115T060000Z-abcdef12',
      environment: 'dev',
      executionId: executionArn,
      status: 'FAILED',
      startedAt: '2024-01-15T06:00:00.000Z',
      finishedAt: '2024-01-15T06:05:00.000Z',
      input: started.input,
      partitions: [
        { source: 'pricehubble', dt: '2024-01-14', outcome: 'loaded', read: 10, kept: 8, rejected: 2 },
        { source: 'pricehubble', dt: '2024-01-15', outcome: 'failed', error: 'NoRawDataError' },
      ],
      useCases: [],
      totals: { read: 10, kept: 8, rejected: 2 },
      redriveInput: { dates: ['2024-01-15'], sources: ['pricehubble'] },
    };
    const s3 = createS3Client(awsTestOptions());
    const uri = runReportUri(zonesOfBuckets(buckets), report.runId, name);
    await s3.send(
      new PutObjectCommand({
        Bucket: buckets.curated,
        Key: uri.replace(`s3://${buckets.curated}/`, ''),
        Body: JSON.stringify(report),
      }),
    );
    s3.destroy();

    const runs = JSON.parse((await etl(['runs', '--env', 'dev', '--json'], awsEnv)).stdout);
    expect(runs[0]).toMatchObject({
      executionArn,
      runId: report.runId,
      days: '2024-01-14..2024-01-15',
      totals: report.totals,
      failed: 1,
    });

    const redriven = await etl(['redrive', executionArn, '--env', 'dev', '--json'], awsEnv);
    expect(redriven.code, redriven.stderr).toBe(0);
    const outcome = JSON.parse(redriven.stdout);
    expect(outcome).toMatchObject({ redriven: true, how: 'start' });
    const sfn = new StepFunctionsExecutions(createSfnClient(awsTestOptions()));
    expect((await sfn.describe(outcome.executionArn)).input).toEqual({
      dates: ['2024-01-15'],
      sources: ['pricehubble'],
      runId: report.runId,
      redriveOf: executionArn,
    });
  });

  it("queries in the environment's workgroup and Glue database, and refuses SQL that writes", async () => {
    await deployStack();
    await seedAthenaResults([
      {
        rows: [{ Data: [{ VarCharValue: 'n' }] }, { Data: [{ VarCharValue: '42' }] }],
        column_info: [{ Name: 'n', Type: 'bigint' }],
      },
    ]);
    const queried = await etl(
      ['query', '--env', 'dev', '--format', 'json', 'SELECT count(*) AS n FROM listings'],
      awsEnv,
    );
    expect(queried.code, queried.stderr).toBe(0);
    expect(JSON.parse(queried.stdout)).toEqual([{ n: '42' }]);
    const athena = new AthenaClient(awsTestOptions());
    const { QueryExecutionIds = [] } = await athena.send(
      new ListQueryExecutionsCommand({ WorkGroup: workgroup }),
    );
    expect(QueryExecutionIds).toHaveLength(1);
    const { QueryExecution } = await athena.send(
      new GetQueryExecutionCommand({ QueryExecutionId: QueryExecutionIds[0] }),
    );
    expect(QueryExecution?.WorkGroup).toBe(workgroup);
    expect(QueryExecution?.QueryExecutionContext?.Database).toBe(database);
    athena.destroy();

    const refused = await etl(['query', '--env', 'dev', 'DROP TABLE listings'], awsEnv);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/QueryRefusedError/);
  });

  it('a missing stack is a named error that says what to do; usage errors exit 2 before any call', async () => {
    const missing = await etl(['runs', '--env', 'prod'], awsEnv);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/EnvironmentNotDeployedError: .*Listings-prod.*deploy the stack first/);
    // No endpoint answers here: a usage error must not get as far as asking one.
    const offline = { ...awsEnv, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' };
    for (const args of [
      ['start', '--env', 'dev', '--date', '2024-02-30'],
      ['start', '--env', 'dev', '--from', '2024-01-02', '--to', '2024-01-01'],
      ['start', '--env', 'dev', '--source', 'nosuchsource'],
      ['start', '--env', 'dev', '--max-rejected-share', '1'],
      ['start', '--env', 'dev', '--max-rejected-share', '150%', '--reason', 'a reason'],
      ['start', '--env', 'staging'],
      ['start', '--date', '2024-01-15'],
      ['follow', 'not-an-arn'],
      ['runs'],
      ['runs', '--env', 'dev', '--lake', '.lake'],
      ['redrive', 'arn:aws:states:us-east-1:123456789012:execution:listings-dev:x'],
      ['query', '--env', 'dev', '--lake', 'x', 'SELECT 1'],
    ]) {
      const result = await etl(args, offline);
      expect([args, result.code]).toEqual([args, 2]);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toMatch(/ECONNREFUSED/);
    }
  });
});
