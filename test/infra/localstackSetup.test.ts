import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { stackNameOf } from '../../lib/config/environments.ts';
import { repositoryRoot } from '../../lib/repositoryRoot.ts';
import { type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

/**
 * localstack/ cannot be run here (no Docker daemon, no network): this holds its files against
 * what they must agree with. The compose file parses and runs the services the dev stack is
 * made of; the scripts parse, stop on errors, refuse bad input with exit code 2 before they
 * touch anything, and name the stack and outputs the synthesized stack really has.
 */
const folder = join(repositoryRoot, 'localstack');
const scripts = ['deploy-and-run.sh', 'land-samples.sh'] as const;

const composeSchema = z.object({
  services: z.record(
    z.string(),
    z.object({
      image: z.string(),
      ports: z.array(z.string()),
      environment: z.record(z.string(), z.union([z.string(), z.number()])),
      volumes: z.array(z.string()),
    }),
  ),
  volumes: z.record(z.string(), z.unknown()).optional(),
});
const compose = composeSchema.parse(parse(readFileSync(join(folder, 'docker-compose.yml'), 'utf8')));
const localstack = compose.services.localstack;

/**
 * LocalStack's name for the service behind each resource namespace of the stack. A namespace
 * missing here fails the test: add the service to SERVICES in docker-compose.yml, then here.
 */
const localstackServiceOfNamespace: Readonly<Record<string, string | null>> = {
  'AWS::Athena': 'athena',
  'AWS::CloudWatch': 'cloudwatch',
  'AWS::EC2': 'ec2',
  'AWS::ECS': 'ecs',
  'AWS::Glue': 'glue',
  'AWS::IAM': 'iam',
  'AWS::KMS': 'kms',
  'AWS::Lambda': 'lambda',
  'AWS::Logs': 'logs',
  'AWS::S3': 's3',
  'AWS::Scheduler': 'scheduler',
  'AWS::SNS': 'sns',
  'AWS::SQS': 'sqs',
  'AWS::Events': 'events',
  'AWS::StepFunctions': 'stepfunctions',
  Custom: 'lambda',
  'AWS::CDK': null,
};
/** What cdk bootstrap and deploy call besides the stack's resources: templates, the bootstrap version, assets, images. */
const deployServices = ['cloudformation', 'ssm', 'sts', 'iam', 's3', 'ecr'];

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  pipeline = synthesizePipeline({ environments: ['dev'] });
});

function run(script: string, args: readonly string[]) {
  return spawnSync('bash', [join(folder, script), ...args], {
    encoding: 'utf8',
    // No LocalStack on this machine: a script that got past its checks would fail on the
    // prerequisites (exit 1), so exit 2 shows it stopped before.
    env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
  });
}

describe('localstack/docker-compose.yml', () => {
  it('runs one LocalStack of a pinned release, reachable from this machine only', () => {
    expect(Object.keys(compose.services)).toEqual(['localstack']);
    const image = /^\$\{LOCALSTACK_IMAGE:-([^}]+)\}$/.exec(localstack?.image ?? '')?.[1];
    expect(image).toMatch(/^localstack\/localstack:\d{4}\.\d{2}\.\d+$/);
    expect(localstack?.ports).toContain('127.0.0.1:4566:4566');
    for (const port of localstack?.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('passes the auth token the image needs, and refuses to start without it', () => {
    expect(String(localstack?.environment.LOCALSTACK_AUTH_TOKEN)).toMatch(
      /^\$\{LOCALSTACK_AUTH_TOKEN:\?.+\}$/,
    );
  });

  it("mounts the host's Docker (ECS tasks and Lambdas run as containers) and keeps its state in a volume", () => {
    expect(localstack?.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    expect(localstack?.volumes).toContain('localstack-state:/var/lib/localstack');
    expect(Object.keys(compose.volumes ?? {})).toContain('localstack-state');
  });

  it('starts the service of every resource of the dev stack, and what the deploy calls', () => {
    const services = new Set(String(localstack?.environment.SERVICES).split(','));
    const resources = pipeline.template('dev').toJSON().Resources as Record<string, { Type: string }>;
    const types = new Set(Object.values(resources).map((r) => r.Type));
    const needed = new Set(deployServices);
    for (const type of types) {
      const namespace = type.startsWith('Custom::') ? 'Custom' : type.split('::').slice(0, 2).join('::');
      expect(namespace in localstackServiceOfNamespace, `${type}: which LocalStack service runs it?`).toBe(
        true,
      );
      const service = localstackServiceOfNamespace[namespace];
      if (service) needed.add(service);
    }
    expect([...needed].filter((s) => !services.has(s))).toEqual([]);
    // and nothing the stack does not use
    expect([...services].filter((s) => !needed.has(s))).toEqual([]);
  });
});

describe('the localstack/ scripts', () => {
  it('parse, are executable and stop on the first error', () => {
    for (const script of [...scripts, 'environment.sh']) {
      const path = join(folder, script);
      expect(spawnSync('bash', ['-n', path]).status, script).toBe(0);
      if (script !== 'environment.sh') {
        accessSync(path, constants.X_OK);
        const text = readFileSync(path, 'utf8');
        expect(text.startsWith('#!/usr/bin/env bash\n'), script).toBe(true);
        expect(text, script).toMatch(/^set -euo pipefail$/m);
      }
    }
  });

  it('name the dev stack and outputs the synthesized stack has', () => {
    const shared = readFileSync(join(folder, 'environment.sh'), 'utf8');
    const constant = (name: string) => new RegExp(`^readonly ${name}='([^']+)'$`, 'm').exec(shared)?.[1];
    expect(constant('stack_name')).toBe(stackNameOf('dev'));
    const outputs = Object.keys(pipeline.template('dev').toJSON().Outputs as Record<string, unknown>);
    expect(outputs).toContain(constant('raw_bucket_output'));
    expect(outputs).toContain(constant('state_machine_output'));
  });

  it.each(scripts)(
    '%s refuses a bad day, an unknown argument or a missing value with exit code 2',
    (script) => {
      for (const args of [
        ['--date', '2024-02-30'],
        ['--date', '24-1-1'],
        ['--date=2024-13-01'],
        ['--date'],
        ['--dry'],
      ]) {
        const result = run(script, args);
        expect(result.status, args.join(' ')).toBe(2);
        expect(result.stdout, args.join(' ')).toBe('');
        expect(result.stderr, args.join(' ')).toMatch(/--date|Unknown argument/);
        expect(result.stderr).toContain('--help');
      }
    },
  );

  it.each(scripts)('%s explains itself with --help', (script) => {
    const result = run(script, ['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage:');
    expect(result.stdout).toContain(stackNameOf('dev'));
  });
});
