import { Validations } from 'aws-cdk-lib';
import { catalogReadActions } from '../glueDatabase.ts';
import type { ListingsPipelineStack } from '../listingsPipelineStack.ts';
import {
  acknowledgeJustifiedWildcards,
  type FlatStatement,
  type WildcardJustification,
} from './wildcardJustifications.ts';

/** Object-level S3 actions: IAM names objects by key, and run prefixes are created per run. */
const s3ObjectActions = new Set([
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
]);

/** Actions that only accept `Resource: *`, each with why it is granted. */
const unscopableActions: Readonly<Record<string, string>> = {
  'xray:PutTraceSegments': 'X-Ray tracing',
  'xray:PutTelemetryRecords': 'X-Ray tracing',
  'xray:GetSamplingRules': 'X-Ray tracing',
  'xray:GetSamplingTargets': 'X-Ray tracing',
  'logs:CreateLogDelivery': 'the state machine log delivery',
  'logs:GetLogDelivery': 'the state machine log delivery',
  'logs:UpdateLogDelivery': 'the state machine log delivery',
  'logs:DeleteLogDelivery': 'the state machine log delivery',
  'logs:ListLogDeliveries': 'the state machine log delivery',
  'logs:PutResourcePolicy': 'the state machine log delivery',
  'logs:DescribeResourcePolicies': 'the state machine log delivery',
  'logs:DescribeLogGroups': 'the state machine log delivery',
  'ecr:GetAuthorizationToken': 'the registry login before pulling the loader image',
  'athena:ListWorkGroups': "the Athena console's listings",
  'athena:ListDataCatalogs': "the Athena console's listings",
  'athena:ListEngineVersions': "the Athena console's listings",
  // Scopable in principle, but the task ARN exists only after RunTask; CDK's EcsRunTask (.sync)
  // grants these on *. The role can start nothing but the loader task definition.
  'ecs:DescribeTasks': 'watching the loader task it started (.sync)',
  'ecs:StopTask': 'stopping the loader task it started when the execution is stopped',
};

const glueReadActions = new Set(catalogReadActions);

const only = (statement: FlatStatement, allowed: ReadonlySet<string>): boolean =>
  statement.actions.every((action) => allowed.has(action));

function wildcardJustifications(databaseName: string): WildcardJustification[] {
  return [
    {
      // `<Bucket.Arn>/*` or `<Bucket.Arn>/manifests/*`: objects of one named bucket.
      covers: (finding, statement) =>
        /^Resource::<[A-Za-z0-9]+\.Arn>\/([A-Za-z0-9_=-]+\/)*\*$/.test(finding) &&
        only(statement, s3ObjectActions),
      reason:
        'Object access inside one named lake bucket (or one prefix of it): the pipeline writes fresh run=<id> prefixes every run, so object keys can only be named with a trailing wildcard. Bucket-level actions name the bucket exactly.',
    },
    {
      covers: (finding, statement) =>
        finding === 'Resource::*' && statement.actions.every((action) => action in unscopableActions),
      reason: `These actions support no resource-level permissions (or, for ecs:DescribeTasks/StopTask, act on task ARNs that exist only after RunTask): ${[
        ...new Set(Object.values(unscopableActions)),
      ].join('; ')}.`,
    },
    {
      covers: (finding, statement) =>
        /^Resource::<[A-Za-z0-9]+\.Arn>:\*$/.test(finding) &&
        only(statement, new Set(['lambda:InvokeFunction'])),
      reason:
        "CDK's LambdaInvoke task grants the pipeline's own functions and their qualified ARNs (versions and aliases, suffix :*); no other function.",
    },
    {
      covers: (finding, statement) =>
        finding.startsWith('Resource::arn:') &&
        finding.endsWith(`:table/${databaseName}/*`) &&
        only(statement, glueReadActions),
      reason: `Read-only Glue metadata of the tables in this environment's database ${databaseName} and no other: queries may read any of them, and use cases add tables over time.`,
    },
  ];
}

/**
 * Every cdk-nag AwsSolutions finding the stack accepts, each with the reason it is acceptable.
 * Wildcards are acknowledged statement by statement (see wildcardJustifications.ts); a new
 * one fails `cdk synth` until it is justified here.
 */
export function acknowledgeAwsSolutionsFindings(stack: ListingsPipelineStack): void {
  acknowledgeJustifiedWildcards(stack, wildcardJustifications(stack.catalog.databaseName));

  for (const task of [stack.loader, ...stack.modelTasks.values()]) {
    Validations.of(task.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The container environment holds non-secret configuration only (bucket URIs, database name, memory limit); the pipeline has no secrets, which would go to Secrets Manager.',
    });
  }
  Validations.of(stack.schedule.deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      "It is a dead-letter queue: EventBridge Scheduler's, for daily starts that failed after every retry (a Scheduler target's DLQ, which cdk-nag only recognizes between SQS queues).",
  });
}
