import { PipelineError } from '../src/domain/errors/pipelineError.ts';
import type { SynthesizedDefinition } from './synthesizedDefinition.ts';

/** A CloudFormation token found in the definition: `{ Ref }` or `{ "Fn::GetAtt": [id, attribute] }`. */
export type DefinitionToken =
  | { readonly kind: 'ref'; readonly logicalId: string; readonly resourceType: string | undefined }
  | {
      readonly kind: 'getAtt';
      readonly logicalId: string;
      readonly attribute: string;
      readonly resourceType: string | undefined;
    };

/** Returns the value of a token, or undefined to fall back to the placeholder. */
export type TokenResolver = (token: DefinitionToken) => string | undefined;

/** An Amazon States Language document (JSONPath), as far as the tools here need it. */
export interface StateMachineDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly Comment?: string;
  readonly QueryLanguage?: string;
  readonly TimeoutSeconds?: number;
}

export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Resource?: string;
  readonly Comment?: string;
  readonly Catch?: readonly {
    readonly ErrorEquals: readonly string[];
    readonly Next: string;
    readonly ResultPath?: string | null;
  }[];
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[] }[];
  readonly ItemsPath?: string;
  readonly ItemProcessor?: StateMachineDefinition & { readonly ProcessorConfig?: { readonly Mode?: string } };
  readonly Iterator?: StateMachineDefinition;
  readonly Branches?: readonly StateMachineDefinition[];
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Default?: string;
  readonly [field: string]: unknown;
}

export class UnresolvableDefinitionError extends PipelineError {
  override readonly name = 'UnresolvableDefinitionError';
}

const pseudoParameters = (synth: SynthesizedDefinition): Readonly<Record<string, string>> => ({
  'AWS::Partition': synth.partition,
  'AWS::Region': synth.region,
  'AWS::AccountId': synth.account,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': synth.stackName,
});

/**
 * Placeholders shaped like the real values (ARNs where the real value is an ARN), so the
 * resolved definition passes asl-validator's ARN checks; the names keep the logical id,
 * which tells a reader which resource was meant.
 */
function placeholder(token: DefinitionToken, synth: SynthesizedDefinition): string {
  const arn = (service: string, resource: string): string =>
    `arn:${synth.partition}:${service}:${synth.region}:${synth.account}:${resource}`;
  const id = token.logicalId;
  switch (token.resourceType) {
    case 'AWS::Lambda::Function':
      return token.kind === 'getAtt' ? arn('lambda', `function:${id}`) : id;
    case 'AWS::ECS::Cluster':
      return token.kind === 'getAtt' ? arn('ecs', `cluster/${id}`) : id;
    case 'AWS::ECS::TaskDefinition':
      return arn('ecs', `task-definition/${id}:1`);
    case 'AWS::EC2::Subnet':
      return `subnet-${id}`;
    case 'AWS::EC2::SecurityGroup':
      return `sg-${id}`;
    case 'AWS::S3::Bucket':
      return token.kind === 'getAtt' && token.attribute === 'Arn'
        ? `arn:${synth.partition}:s3:::${id.toLowerCase()}`
        : id.toLowerCase();
    case 'AWS::SNS::Topic':
      return arn('sns', id);
    default: {
      const service = (token.resourceType?.split('::')[1] ?? 'unknown').toLowerCase();
      return token.kind === 'getAtt' && token.attribute === 'Arn' ? arn(service, id) : id;
    }
  }
}

/**
 * The definition as a JSON string, every token replaced: by `resolve` where it answers,
 * else by a placeholder. Throws on intrinsics other than Fn::Join, Ref and Fn::GetAtt.
 */
export function resolveDefinitionString(
  synth: SynthesizedDefinition,
  resolve: TokenResolver = () => undefined,
): string {
  const pseudo = pseudoParameters(synth);
  const visit = (node: unknown): string => {
    if (typeof node === 'string') return node;
    if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      const join = record['Fn::Join'];
      if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
        return (join[1] as unknown[]).map(visit).join(join[0]);
      }
      const ref = record.Ref;
      if (typeof ref === 'string') {
        if (ref in pseudo) return pseudo[ref] as string;
        const token: DefinitionToken = {
          kind: 'ref',
          logicalId: ref,
          resourceType: synth.resourceTypes[ref],
        };
        return resolve(token) ?? placeholder(token, synth);
      }
      const getAtt = record['Fn::GetAtt'];
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') {
        const token: DefinitionToken = {
          kind: 'getAtt',
          logicalId: getAtt[0],
          attribute: getAtt[1],
          resourceType: synth.resourceTypes[getAtt[0]],
        };
        return resolve(token) ?? placeholder(token, synth);
      }
    }
    throw new UnresolvableDefinitionError(
      `Cannot resolve ${JSON.stringify(node)} in the state machine definition`,
    );
  };
  return visit(synth.definitionString);
}

/** The definition as an object, tokens resolved (see {@link resolveDefinitionString}). */
export function resolveDefinition(
  synth: SynthesizedDefinition,
  resolve?: TokenResolver,
): StateMachineDefinition {
  return JSON.parse(resolveDefinitionString(synth, resolve)) as StateMachineDefinition;
}
