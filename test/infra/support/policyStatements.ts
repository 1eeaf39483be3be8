import type { Template } from 'aws-cdk-lib/assertions';

/** One Allow/Deny statement, resources flattened to strings like `<LakeCurated123.Arn>/*`. */
export interface FlatPolicyStatement {
  readonly effect: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions: unknown;
}

type Json = unknown;

/** Same notation as cdk-nag's findings: `<Id.Attr>` for GetAtt, `<Id>` for Ref, joins concatenated. */
export function flatten(node: Json): string {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object') {
    const record = node as Record<string, Json>;
    const join = record['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as Json[]).map(flatten).join(String(join[0]));
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    if (typeof record.Ref === 'string') return `<${record.Ref}>`;
  }
  return JSON.stringify(node);
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

interface PolicyDocument {
  Statement: { Effect: string; Action: string | string[]; Resource: Json; Condition?: unknown }[];
}

function statementsOf(document: PolicyDocument): FlatPolicyStatement[] {
  return document.Statement.map((s) => ({
    effect: s.Effect,
    actions: list(s.Action),
    resources: list(s.Resource as Json | Json[]).map(flatten),
    conditions: s.Condition,
  }));
}

/**
 * Every identity-policy statement in a template, by principal: a role's logical id (inline
 * policies and the AWS::IAM::Policy resources attached to it) or a managed policy's logical id.
 */
export function statementsByPrincipal(template: Template): Map<string, FlatPolicyStatement[]> {
  const byPrincipal = new Map<string, FlatPolicyStatement[]>();
  const add = (principal: string, statements: FlatPolicyStatement[]): void => {
    byPrincipal.set(principal, [...(byPrincipal.get(principal) ?? []), ...statements]);
  };
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    add(id, []);
    for (const policy of list(
      role.Properties?.Policies as { PolicyDocument: PolicyDocument }[] | undefined,
    )) {
      add(id, statementsOf(policy.PolicyDocument));
    }
  }
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    for (const role of list(policy.Properties.Roles as Json[])) {
      add(
        flatten(role).replace(/^<|>$/g, ''),
        statementsOf(policy.Properties.PolicyDocument as PolicyDocument),
      );
    }
  }
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))) {
    add(id, statementsOf(policy.Properties.PolicyDocument as PolicyDocument));
  }
  return byPrincipal;
}

/** Principals with an Allow of any of `actions` on a resource that `onResource` accepts (or on `*`). */
export function principalsAllowed(
  byPrincipal: ReadonlyMap<string, readonly FlatPolicyStatement[]>,
  actions: readonly string[],
  onResource: (resource: string) => boolean,
): string[] {
  const matchesAction = (granted: string): boolean =>
    actions.some(
      (wanted) =>
        granted === wanted ||
        granted === '*' ||
        (granted.endsWith('*') && wanted.startsWith(granted.slice(0, -1))),
    );
  return [...byPrincipal]
    .filter(([, statements]) =>
      statements.some(
        (s) =>
          s.effect === 'Allow' &&
          s.actions.some(matchesAction) &&
          s.resources.some((r) => r === '*' || onResource(r)),
      ),
    )
    .map(([principal]) => principal)
    .sort();
}
