import {
  runLedgerTableUri,
  runReportPagesPrefix,
  runReportsPrefix,
  shardWorkRoot,
  tableLocation,
  useCaseReportsPrefix,
} from '../src/domain/lake/lakeLayout.ts';
import { reportTableDefinitions } from '../src/domain/report/runReportData.ts';
import type { TableDefinition } from '../src/domain/tables/tableSchema.ts';
import type { AlertTopic } from './alertTopic.ts';
import type { AthenaWorkgroup } from './athenaWorkgroup.ts';
import type { ContainerTask } from './containerTask.ts';
import { type DataLakeBuckets, manifestsKeyPrefix } from './dataLakeBuckets.ts';
import type { GlueDatabase } from './glueDatabase.ts';
import {
  athenaOutputStatements,
  grantStatements,
  lakeReadStatements,
  lakeReadWriteStatements,
} from './lakeAccessStatements.ts';
import type { PipelineFunctions } from './pipelineFunctions.ts';

export interface PipelinePermissionsProps {
  readonly lake: DataLakeBuckets;
  readonly catalog: GlueDatabase;
  readonly workgroup: AthenaWorkgroup;
  readonly alerts: AlertTopic;
  readonly loader: ContainerTask;
  /** Each model use case's task and the tables it publishes. */
  readonly models: readonly {
    readonly useCase: string;
    readonly task: ContainerTask;
    readonly tables: readonly TableDefinition[];
  }[];
  readonly functions: PipelineFunctions;
  readonly curatedTables: readonly TableDefinition[];
  /** The run ledger (Summarize files its rows and registers their partitions). */
  readonly runLedgerTables: readonly TableDefinition[];
  /** The tables of the SQL use cases (RunSqlUseCase publishes them). */
  readonly sqlTables: readonly TableDefinition[];
}

/**
 * Who may do what, in one place (the infra tests check the same matrix):
 *
 * | principal                 | raw  | curated (+ manifests) | results | athena-results | Glue writes     | topic   |
 * |---------------------------|------|-----------------------|---------|----------------|-----------------|---------|
 * | loader task               | read | read/write            | -       | -              | curated tables  | -       |
 * | each model use case task  | -    | read (+ r/w its failure reports) | r/w | -       | its tables      | -       |
 * | RunSqlUseCase (+ Athena)  | -    | read                  | r/w     | write          | SQL use cases'  | -       |
 * | RecordFailure             | -    | r/w manifests/        | -       | -              | -               | -       |
 * | ReviewLoads               | -    | read manifests/       | -       | -              | -               | -       |
 * | Summarize                 | -    | read manifests/, r/w manifests/runs/ and pipeline_runs/ | - | - | run ledger | publish |
 * | NotifyFailure             | -    | -                     | -       | -              | -               | publish |
 * | RelayAlarm                | -    | -                     | -       | -              | -               | publish |
 * | ParseArgs                 | -    | -                     | -       | -              | -               | -       |
 * | PlanShards                | read (list) | r/w _shards/   | -       | -              | -               | -       |
 * | analysts (managed policy) | -    | read                  | read    | write          | -               | -       |
 *
 * The state machine's rights to invoke the Lambdas and run the container tasks are added by
 * the CDK task constructs themselves.
 */
export function grantPipelinePermissions(props: PipelinePermissionsProps): void {
  const { lake, catalog, workgroup, alerts, functions } = props;
  // Key prefixes in the curated bucket, from the lake layout's own paths.
  const manifestKeys = { manifests: manifestsKeyPrefix };
  const key = lake.key;

  grantStatements(props.loader.taskRole, [
    ...lakeReadStatements({ bucket: lake.raw, key }),
    ...lakeReadWriteStatements({ bucket: lake.curated, key }),
    ...catalog.tableWriteStatements(props.curatedTables),
  ]);

  // A model reads the published listings (through Glue) and publishes its own result tables.
  for (const model of props.models) {
    grantStatements(model.task.taskRole, [
      ...lakeReadStatements({ bucket: lake.curated, key }),
      ...catalog.readStatements(),
      ...lakeReadWriteStatements({ bucket: lake.results, key }),
      // Its failure report, beside the manifests.
      ...lakeReadWriteStatements({
        bucket: lake.curated,
        key,
        prefix: useCaseReportsPrefix(manifestKeys, model.useCase),
      }),
      ...catalog.tableWriteStatements(model.tables),
    ]);
  }

  // UNLOAD runs with the Lambda's credentials: Athena reads the tables' data and metadata and
  // writes the output and the query's own result files; then the Lambda publishes the
  // partition and removes superseded runs.
  grantStatements(functions.runSqlUseCase.role, [
    ...workgroup.queryStatements(),
    ...catalog.readStatements(),
    ...lakeReadStatements({ bucket: lake.curated, key }),
    ...athenaOutputStatements({ bucket: lake.results, key }),
    ...lakeReadWriteStatements({ bucket: lake.results, key }),
    ...athenaOutputStatements({ bucket: lake.athenaResults, key }),
    ...catalog.tableWriteStatements(props.sqlTables),
  ]);

  // Lists a day's raw objects; writes its shard plan in the shard work area.
  grantStatements(functions.planShards.role, [
    ...lakeReadStatements({ bucket: lake.raw, key }),
    ...lakeReadWriteStatements({ bucket: lake.curated, key, prefix: shardWorkRoot({ curated: '' }) }),
  ]);

  // Completes the failure report of any failed load or use case.
  grantStatements(functions.recordFailure.role, [
    ...lakeReadWriteStatements({ bucket: lake.curated, key, prefix: manifestsKeyPrefix }),
  ]);
  grantStatements(functions.reviewLoads.role, [
    ...lakeReadStatements({ bucket: lake.curated, key, prefix: manifestsKeyPrefix }),
  ]);
  grantStatements(functions.summarize.role, [
    ...lakeReadStatements({ bucket: lake.curated, key, prefix: manifestsKeyPrefix }),
    ...lakeReadWriteStatements({ bucket: lake.curated, key, prefix: runReportsPrefix(manifestKeys) }),
    // The run ledger's files, a key prefix of the curated bucket from the lake layout's own path.
    ...lakeReadWriteStatements({ bucket: lake.curated, key, prefix: runLedgerTableUri({ curated: '' }) }),
    ...catalog.tableWriteStatements(props.runLedgerTables),
    // The run report: a few SELECTs over the tables (Athena), its page in the results bucket.
    ...workgroup.queryStatements(),
    ...catalog.readStatements(),
    ...Object.values(reportTableDefinitions).flatMap((table) =>
      lakeReadStatements({
        bucket: table.zone === 'curated' ? lake.curated : lake.results,
        key,
        prefix: tableLocation({ curated: '', results: '' }, table),
      }),
    ),
    ...athenaOutputStatements({ bucket: lake.athenaResults, key }),
    ...lakeReadWriteStatements({ bucket: lake.results, key, prefix: runReportPagesPrefix({ results: '' }) }),
    ...alerts.publishStatements(),
  ]);

  grantStatements(functions.notifyFailure.role, alerts.publishStatements());
  grantStatements(functions.relayAlarm.role, alerts.publishStatements());
}
