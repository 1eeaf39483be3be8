import { describe, expect, it } from 'vitest';
import {
  environmentNames,
  InvalidEnvironmentConfigError,
  loadEnvironmentConfig,
  type PipelineConfig,
  pipelineConfigSchema,
  placeholderAccount,
  stackNameOf,
} from '../../lib/config/environments.ts';

const valid = (): PipelineConfig => loadEnvironmentConfig('preprod');

describe('environment configuration', () => {
  it.each(environmentNames)(
    '%s validates with offline placeholders and the Zurich schedule',
    (environment) => {
      const config = loadEnvironmentConfig(environment);
      expect(config.name).toBe(environment);
      expect(config.account).toBe(placeholderAccount);
      expect(config.region).toBe('eu-central-2');
      expect(config.availabilityZones).toEqual(['eu-central-2a', 'eu-central-2b']);
      expect(config.schedule).toMatchObject({ cron: 'cron(0 6 * * ? *)', timeZone: 'Europe/Zurich' });
      expect(config.alertEmails).toHaveLength(1);
      expect(stackNameOf(environment)).toBe(`Listings-${environment}`);
    },
  );

  it('retains data in prod only', () => {
    expect(environmentNames.map((e) => [e, loadEnvironmentConfig(e).retainData])).toEqual([
      ['dev', false],
      ['preprod', false],
      ['prod', true],
    ]);
  });

  it('logs at debug level in dev only', () => {
    expect(environmentNames.map((e) => [e, loadEnvironmentConfig(e).logLevel])).toEqual([
      ['dev', 'debug'],
      ['preprod', 'info'],
      ['prod', 'info'],
    ]);
  });

  it('gives every loader task room for its DuckDB limit plus the measured overhead', () => {
    for (const environment of environmentNames) {
      const { loader } = loadEnvironmentConfig(environment);
      const limitMiB = (Number.parseInt(loader.duckdbMemoryLimit, 10) * 1e9) / 2 ** 20; // '4GB': DuckDB's GB is 10^9
      expect(loader.memoryMiB).toBeGreaterThanOrEqual(limitMiB + 896);
    }
  });

  it('sizes every merge part within the task disk: 0.75 × the part, at most', () => {
    expect(environmentNames.map((e) => [e, loadEnvironmentConfig(e).loader.mergePartMaxMiB])).toEqual([
      ['dev', 32_768],
      ['preprod', 131_072],
      ['prod', 131_072],
    ]);
    // the largest part a disk takes is allowed; one MiB more is not
    const withPart = (ephemeralStorageGiB: number, mergePartMaxMiB: number) =>
      pipelineConfigSchema.safeParse({
        ...valid(),
        loader: { ...valid().loader, ephemeralStorageGiB, mergePartMaxMiB },
      }).success;
    expect(withPart(30, 40_960)).toBe(true);
    expect(withPart(30, 40_961)).toBe(false);
    expect(withPart(100, 136_533)).toBe(true);
    expect(withPart(100, 136_534)).toBe(false);
  });

  it('refuses a task too small for its DuckDB limit, and says what size would do', () => {
    const small = {
      ...valid(),
      loader: { ...valid().loader, cpu: 1024, memoryMiB: 2048, duckdbMemoryLimit: '2GB' },
    };
    const result = pipelineConfigSchema.safeParse(small);
    expect(result.success).toBe(false);
    const message = result.error?.issues.map((i) => i.message).join('; ');
    // 2GB = 1907 MiB, + 896 MiB = 2803 MiB: 1 vCPU tasks come in steps of 1024 MiB
    expect(message).toContain('give the task at least 3072 MiB');
  });

  it('reads account, region, AZs and e-mails from context first, then LISTINGS_<ENV>_* variables', () => {
    const context: Record<string, unknown> = {
      'listings:prod:account': '111122223333',
      'listings:prod:alertEmails': ['oncall@company.ch'],
    };
    const config = loadEnvironmentConfig('prod', {
      context: (key) => context[key],
      env: {
        LISTINGS_PROD_ACCOUNT: '999999999999',
        LISTINGS_PROD_REGION: 'eu-west-1',
        LISTINGS_PROD_AVAILABILITY_ZONES: 'eu-west-1b, eu-west-1c',
        LISTINGS_PROD_ALERT_EMAILS: 'ignored@company.ch',
      },
    });
    expect(config).toMatchObject({
      account: '111122223333',
      region: 'eu-west-1',
      availabilityZones: ['eu-west-1b', 'eu-west-1c'],
      alertEmails: ['oncall@company.ch'],
    });
  });

  it('derives the AZs from a configured region', () => {
    expect(
      loadEnvironmentConfig('dev', { env: { LISTINGS_DEV_REGION: 'eu-west-1' } }).availabilityZones,
    ).toEqual(['eu-west-1a', 'eu-west-1b']);
  });

  it('rejects bad deploy-time settings with every problem named', () => {
    const load = () =>
      loadEnvironmentConfig('dev', {
        env: { LISTINGS_DEV_ACCOUNT: '12345', LISTINGS_DEV_ALERT_EMAILS: 'not-an-address' },
      });
    expect(load).toThrow(InvalidEnvironmentConfigError);
    expect(load).toThrow(/account: an AWS account id has 12 digits.*alertEmails\.0/);
  });

  it.each([
    [
      'a CPU/memory pair Fargate does not offer',
      { loader: { ...valid().loader, cpu: 1024, memoryMiB: 1024 } },
      /not a Fargate task size/,
    ],
    [
      'a DuckDB limit near the whole task memory',
      { loader: { ...valid().loader, duckdbMemoryLimit: '8GB' } },
      /cannot hold DuckDB's 8GB plus the loader's measured 896 MiB/,
    ],
    [
      'a DuckDB limit far below the task memory',
      { loader: { ...valid().loader, duckdbMemoryLimit: '1GB' } },
      /would spill while the task's memory lies idle/,
    ],
    [
      'a shard larger than a quarter of the task disk',
      { loader: { ...valid().loader, ephemeralStorageGiB: 100, shardMaxMiB: 25_601 } },
      /a shard of 25601 MiB needs 4× its size of task disk; 100 GiB holds shards of 25600 MiB at most/,
    ],
    [
      'a merge part whose 0.75× does not fit the task disk',
      { loader: { ...valid().loader, ephemeralStorageGiB: 30, mergePartMaxMiB: 40_961 } },
      /a merge part of 40961 MiB needs 0\.75× its size of task disk; 30 GiB holds merge parts of 40960 MiB at most/,
    ],
    [
      'a merge part size that is not a positive whole number',
      { loader: { ...valid().loader, mergePartMaxMiB: 0 } },
      /mergePartMaxMiB/,
    ],
    ['a log retention CloudWatch does not offer', { logRetentionDays: 8 }, /retention/],
    [
      'an unknown time zone',
      { schedule: { ...valid().schedule, timeZone: 'Europe/Atlantis' } },
      /IANA time zone/,
    ],
    ['a rate() schedule', { schedule: { ...valid().schedule, cron: 'rate(1 day)' } }, /cron\(/],
    ['an Athena cut-off below 10 MB', { athenaBytesScannedCutoff: 1024 }, /10485760/],
    ['a prod that deletes its data', { name: 'prod', retainData: false }, /prod must retain its data/],
    [
      'a prod that logs at debug level',
      { name: 'prod', retainData: true, logLevel: 'debug' },
      /prod does not log at debug level/,
    ],
    ['an unknown log level', { logLevel: 'verbose' }, /logLevel/],
  ])('rejects %s', (_label, change, message) => {
    const result = pipelineConfigSchema.safeParse({ ...valid(), ...change });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });
});
