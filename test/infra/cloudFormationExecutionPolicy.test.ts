import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { environmentNames } from '../../lib/config/environments.ts';
import { repositoryRoot } from '../../lib/repositoryRoot.ts';
import { type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

/**
 * docs/deploy.md bootstraps with docs/cloudformation-execution-policy.json instead of
 * AdministratorAccess. No AWS account here to deploy with it, so this holds it against what
 * CloudFormation will be asked to create: every resource type's service is granted, and the
 * names the policy narrows S3 and IAM to are the names the stacks really get.
 */
interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: unknown;
}

const policy = JSON.parse(
  readFileSync(join(repositoryRoot, 'docs/cloudformation-execution-policy.json'), 'utf8'),
) as { Version: string; Statement: Statement[] };
const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);
const allowed = policy.Statement.filter((s) => s.Effect === 'Allow');

/**
 * The IAM service prefix CloudFormation needs for each resource namespace. A namespace missing
 * here fails the test: grant its service in the policy (and docs/deploy.md), then add it.
 */
const serviceOfNamespace: Readonly<Record<string, string | null>> = {
  'AWS::Athena': 'athena',
  'AWS::CloudWatch': 'cloudwatch',
  'AWS::EC2': 'ec2',
  'AWS::ECS': 'ecs',
  'AWS::Events': 'events',
  'AWS::Glue': 'glue',
  'AWS::IAM': 'iam',
  'AWS::KMS': 'kms',
  'AWS::Lambda': 'lambda',
  'AWS::Logs': 'logs',
  'AWS::S3': 's3',
  'AWS::Scheduler': 'scheduler',
  'AWS::SNS': 'sns',
  'AWS::SQS': 'sqs',
  'AWS::StepFunctions': 'states',
  // CloudFormation invokes a custom resource's provider function.
  Custom: 'lambda',
  // Written by the CDK CLI into the template; CloudFormation needs no permission for it.
  'AWS::CDK': null,
};

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  pipeline = synthesizePipeline();
});

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
const resourcesOf = (environment: (typeof environmentNames)[number]): Resources =>
  pipeline.template(environment).toJSON().Resources as Resources;

describe('the CloudFormation execution policy in docs/', () => {
  it('grants the service of every resource type in every stack', () => {
    const types = new Set(
      environmentNames.flatMap((environment) => Object.values(resourcesOf(environment))).map((r) => r.Type),
    );
    for (const type of types) {
      const namespace = type.startsWith('Custom::') ? 'Custom' : type.split('::').slice(0, 2).join('::');
      expect(namespace in serviceOfNamespace, `${type}: which service does CloudFormation call for it?`).toBe(
        true,
      );
      const service = serviceOfNamespace[namespace];
      if (!service) continue;
      const granted = allowed.some((s) => list(s.Action).some((action) => action.startsWith(`${service}:`)));
      expect(granted, `${type} needs ${service}: actions`).toBe(true);
    }
  });

  it('grants S3 and IAM only on names that start with the stack name, which the stacks keep to', () => {
    for (const statement of allowed) {
      const actions = list(statement.Action);
      if (actions.some((a) => a.startsWith('s3:'))) {
        for (const resource of list(statement.Resource)) {
          expect(resource).toMatch(/^arn:aws:s3:::(listings-\*|cdk-hnb659fds-assets-\*)(\/\*)?$/);
        }
      }
      if (actions.some((a) => a.startsWith('iam:'))) {
        for (const resource of list(statement.Resource)) {
          expect(resource).toMatch(
            /^arn:aws:iam::\*:(role\/Listings-\*|policy\/listings-\*|role\/aws-service-role\/ecs\.amazonaws\.com\/AWSServiceRoleForECS)$/,
          );
        }
      }
    }

    for (const environment of environmentNames) {
      // Unnamed buckets and roles get CloudFormation's `<stack name>-<logical id>-<suffix>`
      // (buckets in lower case): the patterns above hold only while no name is set by hand.
      expect(pipeline.stack(environment).stackName).toMatch(/^Listings-/);
      for (const [id, resource] of Object.entries(resourcesOf(environment))) {
        const properties = resource.Properties ?? {};
        if (resource.Type === 'AWS::S3::Bucket') expect(properties.BucketName, id).toBeUndefined();
        if (resource.Type === 'AWS::IAM::Role') expect(properties.RoleName, id).toBeUndefined();
        if (resource.Type === 'AWS::IAM::ManagedPolicy') {
          expect(properties.ManagedPolicyName, id).toMatch(/^listings-/);
          expect(properties.Path ?? '/', id).toBe('/');
        }
      }
    }
  });

  it('grants nothing on every service at once', () => {
    for (const statement of allowed) expect(list(statement.Action)).not.toContain('*');
    expect(policy.Version).toBe('2012-10-17');
  });
});
