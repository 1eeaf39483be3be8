import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  // With the plugin registered, synth itself fails on any unacknowledged finding (as `cdk synth` does).
  pipeline = synthesizePipeline({ asTheCliDoes: true });
});

/** Every cdk-nag acknowledgement in the tree (aws-cdk-lib adds its own for CloudFormation-Validate rules). */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      )
      .filter((ack) => ack.id.startsWith('AwsSolutions-')),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding in any environment', () => {
    const report = new AwsSolutionsChecks().validateScope(pipeline.app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges only reviewed kinds of findings, each with a real reason', () => {
    const acks = acknowledgements(pipeline.app);
    expect(acks.length).toBeGreaterThan(0);
    const kinds = new Set(acks.map((a) => a.id.replace(/\[.*\]$/, '')));
    // No AwsSolutions-L1: the Lambdas run the newest Node runtime aws-cdk-lib knows. A later
    // aws-cdk-lib that adds a newer one makes L1 fire, and synth fail, until .nvmrc moves on.
    // SQS3 only for the schedule's dead-letter queue, which cdk-nag does not see as one.
    expect([...kinds].sort()).toEqual(['AwsSolutions-ECS2', 'AwsSolutions-IAM5', 'AwsSolutions-SQS3']);
    expect(acks.filter((a) => a.id.startsWith('AwsSolutions-SQS3')).map((a) => a.path)).toEqual(
      expect.arrayContaining([expect.stringContaining('/Schedule/DeadLetterQueue')]),
    );
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(60);
    }
  });

  it('acknowledges wildcards only for S3 objects, unscopable actions, Lambda versions and catalog reads', () => {
    const wildcards = acknowledgements(pipeline.app)
      .filter((a) => a.id.startsWith('AwsSolutions-IAM5['))
      .map((a) => a.id.slice('AwsSolutions-IAM5['.length, -1));
    for (const finding of wildcards) {
      expect(finding).toMatch(
        /^Resource::(\*|<[A-Za-z0-9]+\.Arn>(\/manifests(\/runs|\/useCase=[a-z0-9_]+)?|\/pipeline_runs|\/_shards|\/run_reports|\/listings|\/listings_rejected|\/price_model_metrics)?\/\*|<Functions[A-Za-z0-9]+\.Arn>:\*|arn:aws:glue:[a-z0-9-]+:\d{12}:table\/listings_(dev|preprod|prod)\/\*)$/,
      );
    }
  });
});
