import { AspectPriority, Aspects, CfnResource, type IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
// The function cdk-nag itself uses to name IAM5 findings: the same code gives the same names.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** An Allow statement as cdk-nag sees it, with resources flattened to strings like `<Bucket.Arn>/*`. */
export interface FlatStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/**
 * A reason why a wildcard is the least privilege possible, and the statements it applies to.
 * `covers` gets one wildcard of one statement (`Action::x*` or `Resource::...`).
 */
export interface WildcardJustification {
  readonly covers: (finding: string, statement: FlatStatement) => boolean;
  readonly reason: string;
}

interface PolicyDocumentJson {
  Statement?: { Effect?: string; Action?: string | string[]; Resource?: unknown }[];
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function policyDocuments(node: CfnResource): PolicyDocumentJson[] {
  const stack = Stack.of(node);
  if (node instanceof iam.CfnRole) {
    const policies = asArray(
      stack.resolve(node.policies) as { PolicyDocument?: unknown; policyDocument?: unknown }[],
    );
    return policies.map((p) => stack.resolve(p.PolicyDocument ?? p.policyDocument) as PolicyDocumentJson);
  }
  if (node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy) {
    return [stack.resolve(node.policyDocument) as PolicyDocumentJson];
  }
  return [];
}

/** The wildcard findings (cdk-nag AwsSolutions-IAM5 ids) of a resource, with the statements that cause each. */
export function wildcardFindings(node: CfnResource): Map<string, FlatStatement[]> {
  const findings = new Map<string, FlatStatement[]>();
  for (const document of policyDocuments(node)) {
    for (const statement of document.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      const flat: FlatStatement = {
        actions: asArray(statement.Action),
        resources: asArray(statement.Resource).map((r) => flattenCfnReference(r)),
      };
      const wildcards = [
        ...flat.actions.filter((a) => a.includes('*')).map((a) => `Action::${a}`),
        ...flat.resources.filter((r) => r.includes('*')).map((r) => `Resource::${r}`),
      ];
      for (const finding of wildcards) findings.set(finding, [...(findings.get(finding) ?? []), flat]);
    }
  }
  return findings;
}

/**
 * Acknowledges an IAM5 finding only where every statement causing it is covered by a
 * justification, with that justification's reason. Anything else stays a cdk-nag error:
 * a new wildcard has to be justified here (or removed), never silenced in bulk.
 * Runs as a last aspect, when every grant has been added.
 */
class WildcardAcknowledger implements IAspect {
  constructor(private readonly justifications: readonly WildcardJustification[]) {}

  visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    for (const [finding, statements] of wildcardFindings(node)) {
      const reasons = statements.map((s) => this.justifications.find((j) => j.covers(finding, s))?.reason);
      if (reasons.some((r) => r === undefined)) continue;
      Validations.of(node).acknowledge({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: [...new Set(reasons)].join(' '),
      });
    }
  }
}

/** Applies the justifications to every IAM policy in scope. */
export function acknowledgeJustifiedWildcards(
  scope: IConstruct,
  justifications: readonly WildcardJustification[],
): void {
  Aspects.of(scope).add(new WildcardAcknowledger(justifications), { priority: AspectPriority.READONLY });
}
