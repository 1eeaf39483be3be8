import { beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentName } from '../../lib/config/environments.ts';
import { curatedTables, runLedgerTables } from '../../src/domain/tables/tableSchema.ts';
import { useCases } from '../../src/domain/useCases/registry.ts';
import { exampleSqlUseCase, secondModelUseCase } from './support/exampleUseCases.ts';
import {
  type FlatPolicyStatement,
  principalsAllowed,
  statementsByPrincipal,
} from './support/policyStatements.ts';
import { logicalIdOf, type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

const s3WriteActions = [
  's3:PutObject',
  's3:DeleteObject',
  's3:PutObjectAcl',
  's3:PutBucketPolicy',
  's3:DeleteBucket',
];
const glueWriteActions = [
  'glue:CreateTable',
  'glue:UpdateTable',
  'glue:DeleteTable',
  'glue:CreatePartition',
  'glue:BatchCreatePartition',
  'glue:UpdatePartition',
  'glue:BatchUpdatePartition',
  'glue:DeletePartition',
  'glue:BatchDeletePartition',
];

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  // IAM is built the same way in every environment: dev and prod (the one that retains) suffice.
  // The registry's use cases, one more SQL use case and a second model use case.
  pipeline = synthesizePipeline({
    environments: ['dev', 'prod'],
    useCases: [...useCases, exampleSqlUseCase, secondModelUseCase],
  });
});

describe.each(['dev', 'prod'] as EnvironmentName[])('IAM of %s', (environment) => {
  const stack = () => pipeline.stack(environment);
  const statements = () => statementsByPrincipal(pipeline.template(environment));
  const id = (construct: { node: { defaultChild?: unknown } }) => logicalIdOf(stack(), construct);
  const principals = () => {
    const s = stack();
    return {
      loader: id(s.loader.taskRole),
      priceModel: id(s.modelTask('price_model').taskRole),
      rentModel: id(s.modelTask('rent_model').taskRole),
      stateMachine: id(s.pipeline.stateMachine.role),
      parseArgs: id(s.functions.parseArgs.role),
      planShards: id(s.functions.planShards.role),
      runSqlUseCase: id(s.functions.runSqlUseCase.role),
      summarize: id(s.functions.summarize.role),
      recordFailure: id(s.functions.recordFailure.role),
      reviewLoads: id(s.functions.reviewLoads.role),
      notifyFailure: id(s.functions.notifyFailure.role),
      relayAlarm: id(s.functions.relayAlarm.role),
      analysts: id(s.analystAccess.policy),
    };
  };
  const bucketObjects = (bucket: { node: { defaultChild?: unknown } }) => {
    const prefix = `<${id(bucket)}.Arn>`;
    return (resource: string) => resource.startsWith(`${prefix}/`);
  };
  const glueTable = (name: string) => (resource: string) =>
    resource.endsWith(`:table/listings_${environment}/${name}`);
  const statementsOf = (principal: string): FlatPolicyStatement[] => statements().get(principal) ?? [];

  /** The resources a principal may write in a bucket. */
  const writableIn = (principal: string, bucket: { node: { defaultChild?: unknown } }): string[] =>
    statementsOf(principal)
      .filter((st) => st.effect === 'Allow' && st.actions.some((a) => s3WriteActions.includes(a)))
      .flatMap((st) => st.resources)
      .filter(bucketObjects(bucket));

  it('lets only the loader task write curated data; failure and run reports go to the manifests zone only, the run ledger to pipeline_runs/, shard plans to _shards/', () => {
    const curated = `<${id(stack().lake.curated)}.Arn>`;
    const outsideManifests = (r: string) =>
      r.startsWith(`${curated}/`) &&
      !r.startsWith(`${curated}/manifests/`) &&
      !r.startsWith(`${curated}/_shards/`);
    const outsideManifestsAndLedger = (r: string) =>
      outsideManifests(r) && !r.startsWith(`${curated}/pipeline_runs/`);
    expect(principalsAllowed(statements(), s3WriteActions, outsideManifestsAndLedger)).toEqual([
      principals().loader,
    ]);
    expect(principalsAllowed(statements(), s3WriteActions, outsideManifests)).toEqual(
      [principals().loader, principals().summarize].sort(),
    );
    expect(principalsAllowed(statements(), s3WriteActions, bucketObjects(stack().lake.curated))).toEqual(
      [
        principals().loader,
        principals().planShards,
        principals().recordFailure,
        principals().summarize,
        principals().priceModel,
        principals().rentModel,
      ].sort(),
    );
    expect(writableIn(principals().planShards, stack().lake.curated)).toEqual([`${curated}/_shards/*`]);
    expect(writableIn(principals().recordFailure, stack().lake.curated)).toEqual([`${curated}/manifests/*`]);
    expect(writableIn(principals().summarize, stack().lake.curated)).toEqual([
      `${curated}/manifests/runs/*`,
      `${curated}/pipeline_runs/*`,
    ]);
    expect(writableIn(principals().priceModel, stack().lake.curated)).toEqual([
      `${curated}/manifests/useCase=price_model/*`,
    ]);
    expect(writableIn(principals().rentModel, stack().lake.curated)).toEqual([
      `${curated}/manifests/useCase=rent_model/*`,
    ]);
    expect(writableIn(principals().reviewLoads, stack().lake.curated)).toEqual([]);
  });

  it('lets whoever deletes in a bucket also find and abort what killed writers left half-uploaded there', () => {
    const lake = stack().lake;
    const buckets = [lake.raw, lake.curated, lake.results, lake.athenaResults].map((b) => `<${id(b)}.Arn>`);
    let deleters = 0;
    for (const [principal, granted] of statements()) {
      for (const bucket of buckets) {
        const allows = (action: string, resource: (r: string) => boolean) =>
          granted.some(
            (st) => st.effect === 'Allow' && st.actions.includes(action) && st.resources.some(resource),
          );
        if (!allows('s3:DeleteObject', (r) => r.startsWith(`${bucket}/`))) continue;
        deleters += 1;
        expect(
          allows('s3:ListBucketMultipartUploads', (r) => r === bucket),
          `${principal} on ${bucket}`,
        ).toBe(true);
        expect(
          allows('s3:AbortMultipartUpload', (r) => r.startsWith(`${bucket}/`)),
          `${principal} on ${bucket}`,
        ).toBe(true);
      }
    }
    expect(deleters).toBeGreaterThanOrEqual(3);
  });

  it('lets nobody in the stack write the raw bucket: landed files are never modified', () => {
    expect(principalsAllowed(statements(), s3WriteActions, bucketObjects(stack().lake.raw))).toEqual([]);
  });

  it('lets only the loader task write the curated tables and their partitions', () => {
    for (const table of curatedTables) {
      expect(principalsAllowed(statements(), glueWriteActions, glueTable(table.name))).toEqual([
        principals().loader,
      ]);
    }
  });

  it('lets only Summarize write the run ledger table and its partitions', () => {
    for (const table of runLedgerTables) {
      expect(principalsAllowed(statements(), glueWriteActions, glueTable(table.name))).toEqual([
        principals().summarize,
      ]);
    }
  });

  it('lets only the use-case steps write the results bucket: RunSqlUseCase (UNLOAD) and each model task; Summarize only its run reports', () => {
    expect(principalsAllowed(statements(), s3WriteActions, bucketObjects(stack().lake.results))).toEqual(
      [
        principals().runSqlUseCase,
        principals().priceModel,
        principals().rentModel,
        principals().summarize,
      ].sort(),
    );
    const results = `<${id(stack().lake.results)}.Arn>`;
    const summarizeWrites = statementsOf(principals().summarize)
      .filter((s) => s.actions.some((a) => s3WriteActions.includes(a)))
      .flatMap((s) => s.resources)
      .filter((r) => r.startsWith(results));
    expect(summarizeWrites).toEqual([`${results}/run_reports/*`]);
  });

  it('lets only RunSqlUseCase write the SQL use cases’ tables, and each model only its own tables', () => {
    expect(principalsAllowed(statements(), glueWriteActions, glueTable(exampleSqlUseCase.name))).toEqual([
      principals().runSqlUseCase,
    ]);
    for (const table of secondModelUseCase.tables) {
      expect(principalsAllowed(statements(), glueWriteActions, glueTable(table.name))).toEqual([
        principals().rentModel,
      ]);
    }
    expect(principalsAllowed(statements(), glueWriteActions, glueTable('price_model_predictions'))).toEqual([
      principals().priceModel,
    ]);
  });

  it('lets the model task read curated data but write neither curated data nor raw', () => {
    expect(writableIn(principals().priceModel, stack().lake.raw)).toEqual([]);
    const reads = statementsOf(principals().priceModel).some(
      (st) => st.actions.includes('s3:GetObject') && st.resources.some(bucketObjects(stack().lake.curated)),
    );
    expect(reads).toBe(true);
  });

  it('grants no Glue write on wildcards, and no table writes outside the named tables', () => {
    for (const [, list] of statements()) {
      for (const s of list.filter((st) => st.actions.some((a) => glueWriteActions.includes(a)))) {
        expect(s.resources.filter((r) => r.includes('*'))).toEqual([]);
      }
    }
  });

  it('lets Athena results be written only by the steps that query (RunSqlUseCase, Summarize’s report) and analysts', () => {
    expect(
      principalsAllowed(statements(), s3WriteActions, bucketObjects(stack().lake.athenaResults)),
    ).toEqual([principals().runSqlUseCase, principals().summarize, principals().analysts].sort());
  });

  it('gives RunSqlUseCase what UNLOAD needs: the workgroup, read on curated and the catalog', () => {
    const allows = (action: string, resource: (r: string) => boolean) =>
      statementsOf(principals().runSqlUseCase).some(
        (s) => s.effect === 'Allow' && s.actions.includes(action) && s.resources.some(resource),
      );
    expect(
      allows('athena:StartQueryExecution', (r) => r.endsWith(`:workgroup/listings-${environment}`)),
    ).toBe(true);
    expect(allows('s3:GetObject', bucketObjects(stack().lake.curated))).toBe(true);
    expect(allows('glue:GetTable', (r) => r.endsWith(`:table/listings_${environment}/*`))).toBe(true);
    expect(allows('s3:PutObject', bucketObjects(stack().lake.raw))).toBe(false);
  });

  it('lets the state machine invoke its Lambdas and run its tasks, and touch no data itself', () => {
    const smStatements = statementsOf(principals().stateMachine);
    const allows = (action: string, resource: (r: string) => boolean) =>
      smStatements.some(
        (s) => s.effect === 'Allow' && s.actions.includes(action) && s.resources.some(resource),
      );
    expect(
      allows('lambda:InvokeFunction', (r) =>
        r.startsWith(`<${id(stack().functions.runSqlUseCase.function)}.Arn>`),
      ),
    ).toBe(true);
    for (const task of [stack().loader, ...stack().modelTasks.values()]) {
      expect(allows('ecs:RunTask', (r) => r === `<${id(task.taskDefinition)}>`)).toBe(true);
    }
    const dataActions = smStatements
      .flatMap((s) => s.actions)
      .filter((a) => a.startsWith('s3:') || a.startsWith('athena:') || a.startsWith('glue:'));
    expect(dataActions).toEqual([]);
  });

  it('gives ParseArgs nothing but its logs and traces', () => {
    const actions = statementsOf(principals().parseArgs).flatMap((s) => s.actions);
    expect([...new Set(actions)].sort()).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('lets Summarize read only the manifests zone, its run ledger and what its report charts, and publish to the alert topic; NotifyFailure only publish', () => {
    const curated = `<${id(stack().lake.curated)}.Arn>`;
    const allowed = (principal: string) =>
      principal === principals().summarize
        ? [
            `${curated}/manifests/`,
            `${curated}/pipeline_runs/`,
            `${curated}/listings/`,
            `${curated}/listings_rejected/`,
          ]
        : [`${curated}/manifests/`];
    for (const principal of [principals().summarize, principals().reviewLoads, principals().recordFailure]) {
      const s3Resources = statementsOf(principal)
        .filter((s) => s.actions.some((a) => a.startsWith('s3:')))
        .flatMap((s) => s.resources)
        .filter((r) => r.startsWith(curated));
      expect(
        new Set(
          s3Resources
            .filter((r) => r !== curated)
            .map((r) => allowed(principal).some((prefix) => r.startsWith(prefix))),
        ),
      ).toEqual(new Set([true]));
    }
    const topic = `<${id(stack().alerts.topic)}>`;
    for (const principal of [principals().summarize, principals().notifyFailure, principals().relayAlarm]) {
      expect(
        statementsOf(principal).some((s) => s.actions.includes('sns:Publish') && s.resources.includes(topic)),
      ).toBe(true);
    }
    for (const principal of [principals().notifyFailure, principals().relayAlarm]) {
      expect(
        statementsOf(principal)
          .flatMap((s) => s.actions)
          .filter((a) => a.startsWith('s3:') || a.startsWith('glue:')),
      ).toEqual([]);
    }
    // nobody's role publishes to the operations topic: only CloudWatch, for its alarms
    const operations = `<${id(stack().operations.topic)}>`;
    for (const principal of Object.values(principals())) {
      expect(
        statementsOf(principal).some((s) => s.resources.includes(operations)),
        principal,
      ).toBe(false);
    }
  });

  describe('analyst policy', () => {
    const analyst = () => statementsOf(principals().analysts);

    it('reads curated and results, never raw', () => {
      const readable = (bucket: { node: { defaultChild?: unknown } }) =>
        analyst().some((s) => s.actions.includes('s3:GetObject') && s.resources.some(bucketObjects(bucket)));
      expect(readable(stack().lake.curated)).toBe(true);
      expect(readable(stack().lake.results)).toBe(true);
      expect(
        analyst().some((s) => s.resources.some((r) => r.startsWith(`<${id(stack().lake.raw)}.Arn>`))),
      ).toBe(false);
    });

    it('writes nothing but Athena query results', () => {
      const writes = analyst().filter((s) =>
        s.actions.some((a) => s3WriteActions.includes(a) || glueWriteActions.includes(a)),
      );
      expect(writes.flatMap((s) => s.resources)).toEqual([`<${id(stack().lake.athenaResults)}.Arn>/*`]);
      expect(
        analyst()
          .flatMap((s) => s.actions)
          .filter(
            (a) => a.startsWith('glue:') && !a.startsWith('glue:Get') && a !== 'glue:BatchGetPartition',
          ),
      ).toEqual([]);
    });

    it('queries only in the environment workgroup', () => {
      const start = analyst().filter((s) => s.actions.includes('athena:StartQueryExecution'));
      expect(start.flatMap((s) => s.resources)).toEqual([
        `arn:aws:athena:eu-central-2:000000000000:workgroup/listings-${environment}`,
      ]);
    });
  });

  it('uses no managed AWS policies and no action wildcards in its own roles', () => {
    const ownPrincipals = Object.values(principals());
    for (const principal of ownPrincipals) {
      for (const s of statementsOf(principal)) expect(s.actions.filter((a) => a.includes('*'))).toEqual([]);
    }
    for (const [roleId, role] of Object.entries(
      pipeline.template(environment).findResources('AWS::IAM::Role'),
    )) {
      if (ownPrincipals.includes(roleId)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});
