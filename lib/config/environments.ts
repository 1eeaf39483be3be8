import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { type EnvironmentName, environmentNames } from '../../src/domain/deployment/pipelineStack.ts';
import { PipelineError } from '../../src/domain/errors/pipelineError.ts';
import { defaultMergePartMaxMiB, defaultShardMaxMiB } from '../../src/domain/ingest/shardPlan.ts';
import { pipelineTimeZone } from '../../src/domain/run/runArguments.ts';
import {
  duckdbMemoryLimitHint,
  duckdbMemoryLimitMiB,
  isDuckdbMemoryLimit,
  loaderMemoryOverheadMiB,
  plannedLoaderMemoryMiB,
} from '../../src/domain/sql/duckdbMemoryLimit.ts';
import { logLevelSchema } from '../../src/domain/taskEnvironments/logLevel.ts';

/**
 * The one place for per-environment settings of the deployed pipeline. Everything a stack
 * needs to differ between dev, preprod and prod is here, validated before any construct
 * is created, so a typo fails `cdk synth` with a message instead of a broken deploy.
 *
 * Account, region and alert e-mails come from the CDK context or the environment
 * (see {@link loadEnvironmentConfig}); the rest is reviewed code.
 */

export {
  type EnvironmentName,
  environmentNames,
  stackNameOf,
} from '../../src/domain/deployment/pipelineStack.ts';

/**
 * Used when no account is configured. No AWS account has this id, so a deploy that forgot
 * to set the account fails at the CLI instead of landing in whatever account the current
 * credentials belong to, while `cdk synth` still works offline.
 */
export const placeholderAccount = '000000000000';

const mib = 1024 * 1024;

/** Fargate's valid CPU units and, for each, the task memory range and step in MiB. */
const fargateMemoryByCpu: Readonly<Record<number, { min: number; max: number; step: number }>> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

function isValidFargateSize(cpu: number, memoryMiB: number): boolean {
  const range = fargateMemoryByCpu[cpu];
  if (!range || memoryMiB < range.min || memoryMiB > range.max) return false;
  // 256 CPU allows 512, 1024, 2048: all multiples of 512 within the range.
  return memoryMiB % range.step === 0;
}

/** The smallest task memory Fargate offers with `cpu` that holds `neededMiB`, if any. */
function smallestFargateMemory(cpu: number, neededMiB: number): number | undefined {
  const range = fargateMemoryByCpu[cpu];
  if (!range) return undefined;
  const size = Math.max(range.min, Math.ceil(neededMiB / range.step) * range.step);
  return size <= range.max ? size : undefined;
}

/** Task disk per byte of a shard: staged records, checked rows, DuckDB's spill, the outputs. */
const shardDiskFactor = 4;

/**
 * Task disk per raw byte of a merge part: its checked rows (measured 0.42× the raw bytes) plus
 * the part's output tables, about 0.6× in all; 0.75 leaves head room above that.
 */
const mergePartDiskFactor = 0.75;

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const retentionDays = new Set(Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'));

export const pipelineConfigSchema = z
  .object({
    name: z.enum(environmentNames),
    /** 12-digit AWS account id; {@link placeholderAccount} until configured. */
    account: z.string().regex(/^\d{12}$/, 'an AWS account id has 12 digits'),
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'an AWS region like eu-central-2'),
    /**
     * Given explicitly so the VPC needs no context lookup (synth stays offline and
     * deterministic). Two are enough: the loader is a batch task, not a service.
     */
    availabilityZones: z.array(z.string().min(1)).min(2),
    schedule: z.object({
      /** EventBridge Scheduler cron, evaluated in `timeZone` (so 06:00 stays 06:00 across DST). */
      cron: z
        .string()
        .regex(/^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/, 'cron(min hour day-of-month month day-of-week year)'),
      timeZone: z.string().refine(isTimeZone, 'an IANA time zone like Europe/Zurich'),
      enabled: z.boolean(),
    }),
    loader: z.object({
      /** Fargate CPU units (1024 = 1 vCPU). */
      cpu: z.number().int(),
      memoryMiB: z.number().int(),
      /** DuckDB `memory_limit`; the task's memory must hold it plus the loader's measured overhead. */
      duckdbMemoryLimit: z.string().refine(isDuckdbMemoryLimit, duckdbMemoryLimitHint),
      /** One partition's load must finish within this; a hung task should not block the run for a day. */
      timeoutMinutes: z
        .number()
        .int()
        .min(5)
        .max(24 * 60),
      /** Task disk: inputs are downloaded, staged and written as Parquet locally (no httpfs in DuckDB). */
      ephemeralStorageGiB: z.number().int().min(21).max(200),
      /**
       * A day whose raw objects (stored bytes) exceed this is cut into shards of at most this
       * size, each cleaned by its own task (an object larger than it is a shard of its own).
       */
      shardMaxMiB: z.number().int().min(1),
      /**
       * A sharded day whose raw objects (stored bytes) exceed this is merged in several parts of
       * at most this size, split by a hash of the id, each de-duplicated and written by its own task.
       */
      mergePartMaxMiB: z.number().int().min(1),
    }),
    /** CloudWatch namespace of the run figures Summarize publishes (dimensions: environment, source). */
    metricsNamespace: z
      .string()
      .regex(/^[A-Za-z0-9._/#:-]{1,255}$/, 'a CloudWatch namespace like Listings/Pipeline'),
    /** The least severe level the Lambdas and containers write (LOG_LEVEL); prod never logs debug. */
    logLevel: logLevelSchema,
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => retentionDays.has(d), 'one of CloudWatch Logs retention values'),
    /** Who hears about failures: SNS e-mail subscriptions (each must be confirmed once). */
    alertEmails: z.array(z.email()),
    /** prod keeps buckets, key, catalog and logs when the stack is deleted; others clean up. */
    retainData: z.boolean(),
    maxConcurrency: z.object({
      /** Parallel loader tasks: bounded by Fargate quotas and the raw bucket's request rate. */
      loads: z.number().int().min(1).max(40),
      /** Parallel Athena queries: bounded by the account's active DML query quota. */
      useCases: z.number().int().min(1).max(20),
      /** Parallel shard tasks of one day: with `loads`, up to loads × shards Fargate tasks at once. */
      shards: z.number().int().min(1).max(40),
    }),
    /** Athena's per-query bytes-scanned cut-off (minimum 10 MB): a runaway query is cancelled, not billed. */
    athenaBytesScannedCutoff: z
      .number()
      .int()
      .min(10 * mib),
  })
  .superRefine((config, ctx) => {
    if (!isValidFargateSize(config.loader.cpu, config.loader.memoryMiB)) {
      ctx.addIssue({
        code: 'custom',
        path: ['loader'],
        message: `cpu ${config.loader.cpu} with ${config.loader.memoryMiB} MiB is not a Fargate task size`,
      });
    }
    const planned = plannedLoaderMemoryMiB(config.loader.duckdbMemoryLimit);
    if (config.loader.memoryMiB < planned) {
      ctx.addIssue({
        code: 'custom',
        path: ['loader', 'memoryMiB'],
        message:
          `${config.loader.memoryMiB} MiB cannot hold DuckDB's ${config.loader.duckdbMemoryLimit} plus the loader's measured ` +
          `${loaderMemoryOverheadMiB} MiB beyond it: give the task at least ${smallestFargateMemory(config.loader.cpu, planned) ?? planned} MiB ` +
          'or lower the limit',
      });
    }
    // A shard's task holds its raw bytes staged, checked and spilled: four times its size on disk.
    if (config.loader.shardMaxMiB * shardDiskFactor > config.loader.ephemeralStorageGiB * 1024) {
      ctx.addIssue({
        code: 'custom',
        path: ['loader', 'shardMaxMiB'],
        message:
          `a shard of ${config.loader.shardMaxMiB} MiB needs ${shardDiskFactor}× its size of task disk; ` +
          `${config.loader.ephemeralStorageGiB} GiB holds shards of ${Math.floor((config.loader.ephemeralStorageGiB * 1024) / shardDiskFactor)} MiB at most`,
      });
    }
    // A merge part's task holds its share of the checked rows and writes its share of both tables.
    if (config.loader.mergePartMaxMiB * mergePartDiskFactor > config.loader.ephemeralStorageGiB * 1024) {
      ctx.addIssue({
        code: 'custom',
        path: ['loader', 'mergePartMaxMiB'],
        message:
          `a merge part of ${config.loader.mergePartMaxMiB} MiB needs ${mergePartDiskFactor}× its size of task disk; ` +
          `${config.loader.ephemeralStorageGiB} GiB holds merge parts of ${Math.floor((config.loader.ephemeralStorageGiB * 1024) / mergePartDiskFactor)} MiB at most`,
      });
    }
    const ratio = duckdbMemoryLimitMiB(config.loader.duckdbMemoryLimit) / config.loader.memoryMiB;
    if (ratio < 0.3) {
      ctx.addIssue({
        code: 'custom',
        path: ['loader', 'duckdbMemoryLimit'],
        message: `${config.loader.duckdbMemoryLimit} is ${Math.round(ratio * 100)}% of the task memory: DuckDB would spill while the task's memory lies idle`,
      });
    }
    if (config.name === 'prod' && config.logLevel === 'debug') {
      ctx.addIssue({ code: 'custom', path: ['logLevel'], message: 'prod does not log at debug level' });
    }
    if (config.name === 'prod' && !config.retainData) {
      ctx.addIssue({ code: 'custom', path: ['retainData'], message: 'prod must retain its data' });
    }
  });

/** A validated environment configuration. */
export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;

/** The parts that are reviewed code, per environment; account, region and e-mails are resolved at synth. */
type ReviewedSettings = Omit<
  PipelineConfig,
  'name' | 'account' | 'region' | 'availabilityZones' | 'alertEmails'
>;

const gib = 1024 * mib;

/** Every morning at 06:00 Zurich time: the raw files of the day have landed by then. */
const dailySchedule = { cron: 'cron(0 6 * * ? *)', timeZone: pipelineTimeZone } as const;

/**
 * One namespace for every environment: the `environment` dimension tells them apart (and
 * preprod's alarms are then prod's, on another dimension value).
 */
const metricsNamespace = 'Listings/Pipeline';

/** preprod rehearses prod: the same task size, so a load that fits there fits in prod. */
const productionSizedLoader = {
  cpu: 2048,
  memoryMiB: 8192,
  duckdbMemoryLimit: '4GB',
  timeoutMinutes: 120,
  ephemeralStorageGiB: 100,
  // About two minutes of a 2-vCPU task's cleaning (docs/capacity.md).
  shardMaxMiB: 4096,
  // 0.75 × 128 GiB = 96 GiB of the 100 GiB disk; 16 parts merge a day of 2 TiB.
  mergePartMaxMiB: 131072,
} as const;

const reviewedSettings: Readonly<Record<EnvironmentName, ReviewedSettings>> = {
  dev: {
    // dev runs on demand (manual executions); switch on to try the schedule.
    schedule: { ...dailySchedule, enabled: false },
    loader: {
      cpu: 1024,
      memoryMiB: 4096,
      duckdbMemoryLimit: '2GB',
      timeoutMinutes: 60,
      ephemeralStorageGiB: 30,
      shardMaxMiB: defaultShardMaxMiB,
      mergePartMaxMiB: defaultMergePartMaxMiB,
    },
    logLevel: 'debug',
    metricsNamespace,
    logRetentionDays: RetentionDays.TWO_WEEKS,
    retainData: false,
    maxConcurrency: { loads: 4, useCases: 2, shards: 4 },
    athenaBytesScannedCutoff: 1 * gib,
  },
  preprod: {
    schedule: { ...dailySchedule, enabled: true },
    loader: productionSizedLoader,
    logLevel: 'info',
    metricsNamespace,
    logRetentionDays: RetentionDays.ONE_MONTH,
    retainData: false,
    maxConcurrency: { loads: 8, useCases: 4, shards: 8 },
    athenaBytesScannedCutoff: 10 * gib,
  },
  prod: {
    schedule: { ...dailySchedule, enabled: true },
    loader: productionSizedLoader,
    logLevel: 'info',
    metricsNamespace,
    logRetentionDays: RetentionDays.THREE_MONTHS,
    retainData: true,
    maxConcurrency: { loads: 8, useCases: 4, shards: 8 },
    athenaBytesScannedCutoff: 50 * gib,
  },
};

/** Zurich: the data and the people are there (and the schedule's time zone). */
const defaultRegion = 'eu-central-2';

/** Where deploy-time values come from: CDK context (`-c key=value`) first, then environment variables. */
export interface ConfigSources {
  /** e.g. `(key) => app.node.tryGetContext(key)`. */
  readonly context?: (key: string) => unknown;
  /** e.g. `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The context key and environment variable of one setting, e.g. `listings:prod:account` / `LISTINGS_PROD_ACCOUNT`. */
export function settingKeys(
  environment: EnvironmentName,
  setting: 'account' | 'region' | 'alertEmails' | 'availabilityZones',
) {
  const envSuffix = setting.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
  return {
    context: `listings:${environment}:${setting}`,
    env: `LISTINGS_${environment.toUpperCase()}_${envSuffix}`,
  };
}

function lookup(sources: ConfigSources, keys: { context: string; env: string }): unknown {
  const fromContext = sources.context?.(keys.context);
  if (fromContext !== undefined && fromContext !== '') return fromContext;
  const fromEnv = sources.env?.[keys.env];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/** Lists may be given as arrays (cdk.json) or comma-separated strings (`-c`, env vars). */
function asList(value: unknown): unknown {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0)
    : value;
}

export class InvalidEnvironmentConfigError extends PipelineError {
  override readonly name = 'InvalidEnvironmentConfigError';
}

/**
 * The validated configuration of one environment. Throws {@link InvalidEnvironmentConfigError}
 * listing every problem.
 */
export function loadEnvironmentConfig(
  environment: EnvironmentName,
  sources: ConfigSources = {},
): PipelineConfig {
  const region = lookup(sources, settingKeys(environment, 'region')) ?? defaultRegion;
  const candidate = {
    name: environment,
    ...reviewedSettings[environment],
    account: lookup(sources, settingKeys(environment, 'account')) ?? placeholderAccount,
    region,
    availabilityZones: asList(lookup(sources, settingKeys(environment, 'availabilityZones'))) ?? [
      `${String(region)}a`,
      `${String(region)}b`,
    ],
    alertEmails: asList(lookup(sources, settingKeys(environment, 'alertEmails'))) ?? [
      // example.com never delivers: a placeholder that is harmless if deployed by mistake.
      `listings-alerts+${environment}@example.com`,
    ],
  };
  const parsed = pipelineConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`)
      .join('; ');
    throw new InvalidEnvironmentConfigError(`Configuration of ${environment} is invalid: ${problems}`);
  }
  return parsed.data;
}
