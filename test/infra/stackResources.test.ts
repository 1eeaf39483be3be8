import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { environmentNames, loadEnvironmentConfig } from '../../lib/config/environments.ts';
import { synthesizedDefinition } from '../../lib/synthesizedDefinition.ts';
import { glueTableInput } from '../../src/domain/tables/glueTableInput.ts';
import { curatedTables, glueType, runLedgerTables } from '../../src/domain/tables/tableSchema.ts';
import { useCaseTables } from '../../src/domain/useCases/registry.ts';
import { logicalIdOf, type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  pipeline = synthesizePipeline();
});

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }
>;

describe.each(environmentNames)('stack of %s', (environment) => {
  const config = loadEnvironmentConfig(environment);
  const template = () => pipeline.template(environment);
  const stack = () => pipeline.stack(environment);
  const bucketIds = () => {
    const lake = stack().lake;
    return {
      raw: logicalIdOf(stack(), lake.raw),
      curated: logicalIdOf(stack(), lake.curated),
      results: logicalIdOf(stack(), lake.results),
      athenaResults: logicalIdOf(stack(), lake.athenaResults),
      accessLogs: logicalIdOf(stack(), lake.accessLogs),
    };
  };
  const bucket = (id: string) =>
    (template().findResources('AWS::S3::Bucket') as Resources)[id]?.Properties ?? {};

  describe('data lake buckets', () => {
    it('has the four zone buckets and the access-log bucket', () => {
      template().resourceCountIs('AWS::S3::Bucket', 5);
    });

    it('encrypts the zones with the lake KMS key (bucket keys on) and the access logs with SSE-S3', () => {
      const { accessLogs, ...zones } = bucketIds();
      const keyId = logicalIdOf(stack(), stack().lake.key);
      for (const id of Object.values(zones)) {
        expect(bucket(id).BucketEncryption).toEqual({
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
                SSEAlgorithm: 'aws:kms',
              },
            },
          ],
        });
      }
      expect(bucket(accessLogs).BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      template().hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    it('blocks public access and denies non-TLS requests on every bucket', () => {
      for (const id of Object.values(bucketIds())) {
        expect(bucket(id).PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        template().hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: id },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 's3:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });

    it('versions raw and curated only, and expires their noncurrent versions', () => {
      const ids = bucketIds();
      for (const id of [ids.raw, ids.curated]) {
        expect(bucket(id).VersioningConfiguration).toEqual({ Status: 'Enabled' });
        expect(bucket(id).LifecycleConfiguration).toMatchObject({
          Rules: expect.arrayContaining([
            expect.objectContaining({
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
              Status: 'Enabled',
            }),
          ]),
        });
      }
      for (const id of [ids.results, ids.athenaResults, ids.accessLogs]) {
        expect(bucket(id).VersioningConfiguration).toBeUndefined();
      }
    });

    it('expires what a failed sharded load left in the shard work area, and only that', () => {
      const rules = (
        bucket(bucketIds().curated).LifecycleConfiguration as { Rules: Record<string, unknown>[] }
      ).Rules;
      const expiring = rules.filter((rule) => 'ExpirationInDays' in rule);
      expect(expiring).toEqual([
        expect.objectContaining({
          Id: 'expire-shard-work',
          Prefix: '_shards/',
          ExpirationInDays: 14,
          Status: 'Enabled',
        }),
      ]);
    });

    it('expires Athena query results and access logs, and aborts stale uploads', () => {
      const ids = bucketIds();
      expect(bucket(ids.athenaResults).LifecycleConfiguration).toMatchObject({
        Rules: expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 30 })]),
      });
      expect(bucket(ids.accessLogs).LifecycleConfiguration).toMatchObject({
        Rules: [expect.objectContaining({ ExpirationInDays: 365 })],
      });
      for (const id of [ids.raw, ids.curated, ids.results, ids.athenaResults]) {
        expect(bucket(id).LifecycleConfiguration).toMatchObject({
          Rules: expect.arrayContaining([
            expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
          ]),
        });
      }
    });

    it('sends server access logs of every zone bucket to the access-log bucket', () => {
      const { accessLogs, ...zones } = bucketIds();
      for (const id of Object.values(zones)) {
        expect(bucket(id).LoggingConfiguration).toMatchObject({ DestinationBucketName: { Ref: accessLogs } });
      }
    });

    it(`${config.retainData ? 'retains' : 'deletes and empties'} buckets and keys on stack deletion`, () => {
      const buckets = template().findResources('AWS::S3::Bucket') as Resources;
      const keys = template().findResources('AWS::KMS::Key') as Resources;
      const expected = config.retainData ? 'Retain' : 'Delete';
      for (const resource of [...Object.values(buckets), ...Object.values(keys)]) {
        expect(resource.DeletionPolicy).toBe(expected);
      }
      template().resourceCountIs('Custom::S3AutoDeleteObjects', config.retainData ? 0 : 5);
      for (const table of Object.values(template().findResources('AWS::Glue::Table') as Resources)) {
        expect(table.DeletionPolicy).toBe(expected);
      }
      expect(stack().terminationProtection).toBe(config.retainData);
    });
  });

  describe('catalog and Athena', () => {
    it(`has the Glue database listings_${environment}`, () => {
      template().hasResourceProperties('AWS::Glue::Database', {
        DatabaseInput: { Name: `listings_${environment}` },
      });
    });

    it.each([...curatedTables, ...useCaseTables, ...runLedgerTables].map((t) => [t.name, t] as const))(
      'defines table %s from the schema definition',
      (_name, table) => {
        const tables = Object.values(template().findResources('AWS::Glue::Table') as Resources).filter(
          (t) => (t.Properties.TableInput as { Name: string }).Name === table.name,
        );
        expect(tables).toHaveLength(1);
        const input = tables[0]?.Properties.TableInput as {
          StorageDescriptor: Record<string, unknown> & { Columns: unknown[]; Location: unknown };
          PartitionKeys: unknown[];
          Parameters: unknown;
        };
        const column = (c: (typeof table.columns)[number]) => ({
          Name: c.name,
          Type: glueType(c.type),
          Comment: c.comment,
        });
        expect(input.StorageDescriptor.Columns).toEqual(table.columns.map(column));
        expect(input.PartitionKeys).toEqual(table.partitionKeys.map(column));
        const expected = glueTableInput(table, 'location');
        expect(input.Parameters).toEqual(expected.Parameters);
        expect(input.StorageDescriptor.InputFormat).toBe(expected.StorageDescriptor.InputFormat);
        expect(input.StorageDescriptor.OutputFormat).toBe(expected.StorageDescriptor.OutputFormat);
        expect(input.StorageDescriptor.SerdeInfo).toEqual(expected.StorageDescriptor.SerdeInfo);
        expect(input.StorageDescriptor.Location).toEqual({
          'Fn::Join': ['', ['s3://', { Ref: bucketIds()[table.zone] }, `/${table.name}/`]],
        });
      },
    );

    it('has exactly the curated, the use-case and the run ledger tables', () => {
      template().resourceCountIs(
        'AWS::Glue::Table',
        curatedTables.length + useCaseTables.length + runLedgerTables.length,
      );
      expect(useCaseTables.length).toBeGreaterThan(0);
    });

    it('enforces the workgroup: KMS-encrypted results in the athena-results bucket, bytes-scanned cut-off', () => {
      template().hasResourceProperties('AWS::Athena::WorkGroup', {
        Name: `listings-${environment}`,
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          BytesScannedCutoffPerQuery: config.athenaBytesScannedCutoff,
          ResultConfiguration: {
            OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: bucketIds().athenaResults }, '/']] },
            EncryptionConfiguration: { EncryptionOption: 'SSE_KMS' },
          },
        },
      });
    });
  });

  describe('loader task', () => {
    it('sizes the Fargate task and DuckDB from the configuration', () => {
      template().hasResourceProperties('AWS::ECS::TaskDefinition', {
        Cpu: String(config.loader.cpu),
        Memory: String(config.loader.memoryMiB),
        EphemeralStorage: { SizeInGiB: config.loader.ephemeralStorageGiB },
        RequiresCompatibilities: ['FARGATE'],
        ContainerDefinitions: [
          Match.objectLike({ Name: 'loader', LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }) }),
        ],
      });
    });

    it('gives the loader container its lake, catalog and DuckDB settings', () => {
      const [taskDefinition] = Object.values(
        template().findResources('AWS::ECS::TaskDefinition') as Resources,
      );
      const containers = (taskDefinition?.Properties.ContainerDefinitions ?? []) as {
        Environment: { Name: string; Value: unknown }[];
      }[];
      const [container] = containers;
      const variables = Object.fromEntries((container?.Environment ?? []).map((v) => [v.Name, v.Value]));
      const uri = (id: string, prefix = '') => ({ 'Fn::Join': ['', ['s3://', { Ref: id }, `/${prefix}`]] });
      const ids = bucketIds();
      expect(variables).toEqual({
        ENVIRONMENT: environment,
        LOG_LEVEL: config.logLevel,
        LAKE_RAW: uri(ids.raw),
        LAKE_CURATED: uri(ids.curated),
        LAKE_RESULTS: uri(ids.results),
        LAKE_MANIFESTS: uri(ids.curated, 'manifests/'),
        LAKE_ATHENA_RESULTS: uri(ids.athenaResults),
        CATALOG: 'glue',
        GLUE_DATABASE: `listings_${environment}`,
        WORK_DIR: '/tmp/loader',
        DUCKDB_MEMORY_LIMIT: config.loader.duckdbMemoryLimit,
        DUCKDB_THREADS: String(config.loader.cpu / 1024),
        PROGRESS_INTERVAL_SECONDS: '10',
      });
    });

    it('runs in a VPC without NAT, with flow logs and Container Insights', () => {
      template().resourceCountIs('AWS::EC2::NatGateway', 0);
      template().hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', ResourceType: 'VPC' });
      template().hasResourceProperties('AWS::ECS::Cluster', {
        ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
      });
      template().hasResourceProperties('AWS::EC2::SecurityGroup', {
        SecurityGroupEgress: [Match.objectLike({ FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })],
        SecurityGroupIngress: Match.absent(),
      });
    });
  });

  describe('Lambda handlers', () => {
    const functions = () => {
      return stack().functions.all.map((handler) => {
        const resource = (template().findResources('AWS::Lambda::Function') as Resources)[
          logicalIdOf(stack(), handler.function)
        ];
        if (!resource) throw new Error('function missing');
        return resource.Properties;
      });
    };

    it("runs Node 24 on ARM with JSON logs, X-Ray and the environment's settings", () => {
      for (const properties of functions()) {
        expect(properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          LoggingConfig: { LogFormat: 'JSON' },
          TracingConfig: { Mode: 'Active' },
        });
        const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(variables).toMatchObject({ ENVIRONMENT: environment, NODE_OPTIONS: '--enable-source-maps' });
        if ('TIME_ZONE' in variables) expect(variables.TIME_ZONE).toBe('Europe/Zurich');
        if ('GLUE_DATABASE' in variables) expect(variables.GLUE_DATABASE).toBe(`listings_${environment}`);
        if ('ATHENA_WORKGROUP' in variables)
          expect(variables.ATHENA_WORKGROUP).toBe(`listings-${environment}`);
        if ('TOPIC_ARN' in variables)
          expect(variables.TOPIC_ARN).toEqual({ Ref: logicalIdOf(stack(), stack().alerts.topic) });
      }
    });

    it(`keeps every log group ${config.logRetentionDays} days`, () => {
      const groups = Object.values(template().findResources('AWS::Logs::LogGroup') as Resources);
      expect(groups.length).toBeGreaterThanOrEqual(7);
      for (const group of groups) expect(group.Properties.RetentionInDays).toBe(config.logRetentionDays);
    });
  });

  describe('orchestration', () => {
    it('logs every execution event with data, and traces with X-Ray', () => {
      template().hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `listings-${environment}`,
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [Match.anyValue()] },
        TracingConfiguration: { Enabled: true },
      });
    });

    it('deploys the definition that synthesizedDefinition() returns', () => {
      const machine = Object.values(template().findResources('AWS::StepFunctions::StateMachine'))[0];
      expect(synthesizedDefinition(environment).definitionString).toEqual(
        machine?.Properties.DefinitionString,
      );
    });

    it('starts the state machine daily at 06:00 Zurich time with the scheduled time as input', () => {
      template().hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 6 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Zurich',
        State: config.schedule.enabled ? 'ENABLED' : 'DISABLED',
        Target: Match.objectLike({
          Arn: { Ref: logicalIdOf(stack(), stack().pipeline.stateMachine) },
          Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}',
        }),
      });
    });

    it('outputs what people need after a deploy', () => {
      template().hasOutput('StateMachineArn', {
        Value: { Ref: logicalIdOf(stack(), stack().pipeline.stateMachine) },
      });
      template().hasOutput('RawBucketName', { Value: { Ref: bucketIds().raw } });
      template().hasOutput('GlueDatabaseName', { Value: `listings_${environment}` });
      template().hasOutput('AnalystPolicyArn', {
        Value: { Ref: logicalIdOf(stack(), stack().analystAccess.policy) },
      });
    });

    it('alarms the operations topic, not the alert topic, on failed, timed-out and stopped executions', () => {
      for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
        template().hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/States',
          MetricName: metric,
          Threshold: 1,
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: logicalIdOf(stack(), stack().operations.topic) }],
        });
      }
    });

    it('sends alerts to the configured e-mails over a KMS-encrypted topic', () => {
      template().hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      // the operations topic has no subscription of its own (on-call subscribes, docs/deploy.md)
      template().resourceCountIs('AWS::SNS::Subscription', config.alertEmails.length);
      template().hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: config.alertEmails[0],
      });
      template().hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });
});
