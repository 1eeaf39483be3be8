import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { AthenaWorkgroup } from './athenaWorkgroup.ts';
import type { DataLakeBuckets } from './dataLakeBuckets.ts';
import type { GlueDatabase } from './glueDatabase.ts';
import { athenaOutputStatements, lakeReadStatements } from './lakeAccessStatements.ts';

export interface AnalystAccessProps {
  readonly environmentName: string;
  readonly lake: DataLakeBuckets;
  readonly catalog: GlueDatabase;
  readonly workgroup: AthenaWorkgroup;
}

/** What the Athena console asks before a query: which catalogs, workgroups and engines exist. */
const athenaListActions = ['athena:ListWorkGroups', 'athena:ListDataCatalogs', 'athena:ListEngineVersions'];
const dataCatalogReadActions = [
  'athena:GetDataCatalog',
  'athena:ListDatabases',
  'athena:GetDatabase',
  'athena:ListTableMetadata',
  'athena:GetTableMetadata',
];

/**
 * A managed policy for people exploring the lake with Athena (attach it to an SSO permission
 * set or a role): query in the environment's workgroup, read the curated and results zones
 * and their tables, write nothing but their own query results. No raw zone: analysts work
 * on clean data and the rejected records, both in curated.
 */
export class AnalystAccess extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: AnalystAccessProps) {
    super(scope, id);
    const { lake } = props;
    const dataCatalogArn = Stack.of(this).formatArn({
      service: 'athena',
      resource: 'datacatalog',
      resourceName: 'AwsDataCatalog',
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: `listings-${props.environmentName}-analyst-read-only`,
      description: `Read-only Athena exploration of the listings-${props.environmentName} lake`,
      statements: [
        ...props.workgroup.queryStatements(),
        new iam.PolicyStatement({ actions: athenaListActions, resources: ['*'] }),
        new iam.PolicyStatement({ actions: dataCatalogReadActions, resources: [dataCatalogArn] }),
        ...props.catalog.readStatements(),
        ...lakeReadStatements({ bucket: lake.curated, key: lake.key }),
        ...lakeReadStatements({ bucket: lake.results, key: lake.key }),
        ...athenaOutputStatements({ bucket: lake.athenaResults, key: lake.key }),
      ],
    });
  }
}
