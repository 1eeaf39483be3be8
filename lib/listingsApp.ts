import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { UseCase } from '../src/domain/useCases/useCase.ts';
import {
  type EnvironmentName,
  environmentNames,
  loadEnvironmentConfig,
  stackNameOf,
} from './config/environments.ts';
import { ListingsPipelineStack } from './listingsPipelineStack.ts';
import { repositoryRoot } from './repositoryRoot.ts';

export interface ListingsAppOptions {
  /** Which environments get a stack; default all (what `cdk ls` shows). */
  readonly environments?: readonly EnvironmentName[];
  /** Environment variables for the deploy-time settings; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Context on top of cdk.json's, e.g. `{ 'aws:cdk:bundling-stacks': [] }` to skip Lambda bundling. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Where `synth()` writes the cloud assembly; default: the CLI's `cdk.out`, or a temp dir. */
  readonly outdir?: string;
  /** Run cdk-nag's AwsSolutions checks on synth (default true: synth fails on any unacknowledged finding). */
  readonly nag?: boolean;
  /**
   * CDK's built-in CloudFormation template validation on synth (default true, as under the CLI).
   * Tests that only inspect templates may turn it off: its first run costs seconds.
   */
  readonly templateValidation?: boolean;
  /** The use cases to deploy; default: the registry's (`src/domain/useCases/registry.ts`). */
  readonly useCases?: readonly UseCase[];
}

export interface ListingsApp {
  readonly app: App;
  readonly stacks: ReadonlyMap<EnvironmentName, ListingsPipelineStack>;
}

/** cdk.json's context (feature flags), so an app built in-process behaves as under the CLI. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(repositoryRoot, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * The CDK app: one pipeline stack per environment, cdk-nag on. Used by `bin/cdk.ts`, the
 * infra tests and `synthesizedDefinition`, so all three see the same stacks.
 */
export function createListingsApp(options: ListingsAppOptions = {}): ListingsApp {
  const app = new App({
    context: { ...cdkJsonContext(), ...options.context },
    ...(options.outdir ? { outdir: options.outdir } : {}),
    builtinCloudFormationValidation: options.templateValidation ?? true,
  });
  const sources = {
    context: (key: string): unknown => app.node.tryGetContext(key),
    env: options.env ?? process.env,
  };
  const configs = (options.environments ?? environmentNames).map((environment) =>
    loadEnvironmentConfig(environment, sources),
  );
  for (const config of configs) {
    // The VPC checks its AZs against the region's, which CDK would look up in the account:
    // the configured AZs answer that lookup, so synth needs no AWS credentials.
    const lookupKey = `availability-zones:account=${config.account}:region=${config.region}`;
    if (app.node.tryGetContext(lookupKey) === undefined)
      app.node.setContext(lookupKey, config.availabilityZones);
  }
  const stacks = new Map<EnvironmentName, ListingsPipelineStack>();
  for (const config of configs) {
    const environment = config.name;
    stacks.set(
      environment,
      new ListingsPipelineStack(app, stackNameOf(environment), {
        config,
        description: `Listings pipeline (${environment}): raw offers to clean Parquet tables, use cases, alerts`,
        ...(options.useCases ? { useCases: options.useCases } : {}),
      }),
    );
  }
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stacks };
}
