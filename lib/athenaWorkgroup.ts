import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface AthenaWorkgroupProps {
  /** `listings-<env>`: what the state machine, the Lambdas and people select. */
  readonly name: string;
  readonly resultsBucket: s3.IBucket;
  readonly key: kms.IKey;
  readonly bytesScannedCutoffPerQuery: number;
  /** Non-prod: deleting the stack deletes the workgroup with its saved queries and history. */
  readonly recursiveDelete: boolean;
}

/** Running, reading and stopping queries in one workgroup: no workgroup administration. */
const queryActions = [
  'athena:GetWorkGroup',
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:GetQueryRuntimeStatistics',
  'athena:StopQueryExecution',
  'athena:ListQueryExecutions',
];

/**
 * The environment's Athena workgroup. Its configuration is enforced: every query writes
 * KMS-encrypted results to the athena-results bucket and is cancelled past the bytes-scanned
 * cut-off, whatever the client asks for.
 */
export class AthenaWorkgroup extends Construct {
  readonly name: string;
  readonly workgroup: athena.CfnWorkGroup;

  constructor(scope: Construct, id: string, props: AthenaWorkgroupProps) {
    super(scope, id);
    this.name = props.name;
    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.name,
      description: 'Listings pipeline: use-case queries and exploration of the lake',
      state: 'ENABLED',
      recursiveDeleteOption: props.recursiveDelete,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket.bucketName}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
        },
      },
    });
  }

  get arn(): string {
    return Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.name });
  }

  /** Run queries in this workgroup (data access is granted separately, per bucket and table). */
  queryStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: queryActions, resources: [this.arn] })];
  }
}
