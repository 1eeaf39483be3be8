import type * as iam from 'aws-cdk-lib/aws-iam';
import type { TableDefinition } from '../src/domain/tables/tableSchema.ts';
import type { AlertTopic } from './alertTopic.ts';
import type { AthenaWorkgroup } from './athenaWorkgroup.ts';
import type { ContainerTask } from './containerTask.ts';
import type { DataLakeBuckets } from './dataLakeBuckets.ts';
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
  readonly priceModel: ContainerTask;
  readonly functions: PipelineFunctions;
  /** The state machine's role: it runs the SQL use cases in Athena with its own credentials. */
  readonly stateMachineRole: iam.IGrantable;
  readonly curatedTables: readonly TableDefinition[];
  readonly resultTables: readonly TableDefinition[];
}

/**
 * Who may do what, in one place (the infra tests check the same matrix):
 *
 * | principal                 | raw  | curated (+ manifests) | results | athena-results | Glue writes     | topic   |
 * |---------------------------|------|-----------------------|---------|----------------|-----------------|---------|
 * | loader task               | read | read/write            | -       | -              | curated tables  | -       |
 * | price model task          | -    | read                  | r/w     | -              | results tables  | -       |
 * | state machine (UNLOAD)    | -    | read                  | write   | write          | -               | -       |
 * | PublishUseCase            | -    | -                     | r/w     | -              | results tables  | -       |
 * | Summarize                 | -    | read manifests/       | -       | -              | -               | publish |
 * | NotifyFailure             | -    | -                     | -       | -              | -               | publish |
 * | ParseArgs                 | -    | -                     | -       | -              | -               | -       |
 * | analysts (managed policy) | -    | read                  | read    | write          | -               | -       |
 *
 * The state machine's rights to invoke the Lambdas and run the loader task are added by the
 * CDK task constructs themselves.
 */
export function grantPipelinePermissions(props: PipelinePermissionsProps): void {
  const { lake, catalog, workgroup, alerts, functions } = props;
  const key = lake.key;

  grantStatements(props.loader.taskRole, [
    ...lakeReadStatements({ bucket: lake.raw, key }),
    ...lakeReadWriteStatements({ bucket: lake.curated, key }),
    ...catalog.tableWriteStatements(props.curatedTables),
  ]);

  // The model reads the published listings (through Glue) and publishes its own result tables.
  grantStatements(props.priceModel.taskRole, [
    ...lakeReadStatements({ bucket: lake.curated, key }),
    ...catalog.readStatements(),
    ...lakeReadWriteStatements({ bucket: lake.results, key }),
    ...catalog.tableWriteStatements(props.resultTables),
  ]);

  // UNLOAD runs with the caller's credentials: it reads the tables' data and metadata and
  // writes the output and the query's own result files.
  grantStatements(props.stateMachineRole, [
    ...workgroup.queryStatements(),
    ...catalog.readStatements(),
    ...lakeReadStatements({ bucket: lake.curated, key }),
    ...athenaOutputStatements({ bucket: lake.results, key }),
    ...athenaOutputStatements({ bucket: lake.athenaResults, key }),
  ]);

  grantStatements(functions.publishUseCase.role, [
    ...lakeReadWriteStatements({ bucket: lake.results, key }),
    ...catalog.tableWriteStatements(props.resultTables),
  ]);

  grantStatements(functions.summarize.role, [
    ...lakeReadStatements({ bucket: lake.curated, key, prefix: 'manifests/' }),
    ...alerts.publishStatements(),
  ]);

  grantStatements(functions.notifyFailure.role, alerts.publishStatements());
}
