/**
 * Just enough of IAM's evaluation of a resource policy to ask a synthesized one "may this
 * service do this, in this context?": an explicit Deny wins, otherwise an Allow is needed.
 * Principals, actions and resources are matched; the condition operators the stack uses are
 * evaluated, and any other makes the question fail loudly rather than be answered wrongly.
 */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action: string | readonly string[];
  readonly Resource: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface PolicyDocument {
  readonly Statement: readonly PolicyStatement[];
}

export interface ServiceRequest {
  /** A service principal, e.g. `cloudwatch.amazonaws.com`. */
  readonly service: string;
  readonly action: string;
  /** As the template names it: `*` or a `{ Ref: ... }` of the resource. */
  readonly resource: unknown;
  /** Request context keys, e.g. `aws:SourceAccount`; looked up case-insensitively, as IAM does. */
  readonly context: Readonly<Record<string, string | boolean>>;
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** IAM's `*` and `?` wildcards, case-sensitive unless told otherwise. */
function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

function principalMatches(principal: unknown, service: string): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const { AWS, Service } = principal as { AWS?: unknown; Service?: unknown };
  if (AWS === '*') return true;
  return asList(Service).includes(service);
}

function literal(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  throw new Error(
    `A condition value is not a literal (a CloudFormation function?): ${JSON.stringify(value)}`,
  );
}

function conditionHolds(
  operator: string,
  key: string,
  expected: unknown,
  context: ServiceRequest['context'],
) {
  const entry = Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase());
  // A key absent from the request makes every operator here false (no ...IfExists is used).
  if (entry === undefined) return false;
  const actual = String(entry[1]);
  const values = asList(expected).map(literal);
  switch (operator) {
    case 'StringEquals':
    case 'ArnEquals':
      return values.includes(actual);
    case 'StringLike':
    case 'ArnLike':
      return values.some((pattern) => globMatches(pattern, actual));
    case 'Bool':
      return values.some((value) => value.toLowerCase() === actual.toLowerCase());
    default:
      throw new Error(`policyEvaluation does not know the condition operator ${operator}`);
  }
}

function statementApplies(statement: PolicyStatement, request: ServiceRequest): boolean {
  if (!principalMatches(statement.Principal, request.service)) return false;
  if (!asList(statement.Action).some((a) => globMatches(String(a), request.action, true))) return false;
  const resourceMatches = asList(statement.Resource).some(
    (r) => r === '*' || JSON.stringify(r) === JSON.stringify(request.resource),
  );
  if (!resourceMatches) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, expected, request.context)),
  );
}

/** Whether the resource policy lets the request through (same-account IAM policies aside). */
export function policyAllows(policy: PolicyDocument, request: ServiceRequest): boolean {
  const applying = policy.Statement.filter((s) => statementApplies(s, request));
  return !applying.some((s) => s.Effect === 'Deny') && applying.some((s) => s.Effect === 'Allow');
}
