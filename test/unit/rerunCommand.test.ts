import { describe, expect, it } from 'vitest';
import { rerunArguments, rerunCommand } from '../../src/cli/rerunCommand.ts';
import type { ValidatedRun } from '../../src/cli/runOptions.ts';
import type { RunSummary } from '../../src/cli/runSummary.ts';
import { shellQuote } from '../../src/cli/shellCommand.ts';
import type { CatalogKind } from '../../src/runtime/lakeConnection.ts';

function failedRun(input: Record<string, unknown>, lake = '/work/lake'): RunSummary {
  return {
    status: 'FAILED',
    runId: '20240115T060000Z-abcdef',
    executionId: 'local-1',
    executions: ['local-1'],
    lake,
    input,
    totals: { read: 0, kept: 0, rejected: 0, rejectedByReason: {} },
    partitions: [],
    quality: { override: null, runLimits: [], warnings: [] },
    outcomes: { partitions: [], useCases: [] },
    useCases: [],
    states: ['ParseArgs', 'LoadPartitions', 'Load', 'NotifyFailure', 'PipelineFailed'],
    stateDurations: [],
    error: { name: 'States.TaskFailed', message: 'NoRawDataError: ...', state: 'Load' },
    caughtBy: 'NotifyFailure',
    redriveCommand: null,
    notification: null,
    durationMs: 1000,
  };
}

function validated(
  options: Partial<ValidatedRun['options']> = {},
  defaultCatalog: CatalogKind = 'local',
): ValidatedRun {
  return {
    options: {
      inputs: [],
      lake: '/work/lake',
      catalog: defaultCatalog,
      workDir: '/tmp/work',
      duckdbMemoryLimit: '1GB',
      ...options,
    },
    json: false,
    defaultCatalog,
  };
}

describe('the re-run command', () => {
  it("repeats the run's own data-quality limit and its reason, quoted for the shell", () => {
    const summary = failedRun({
      date: '2024-01-15',
      sources: ['pricehubble'],
      useCases: [],
      quality: { maxRejectedShare: 1, reason: "vendor's export lost its prices" },
    });
    expect(rerunArguments(summary, validated())).toEqual([
      '--date',
      '2024-01-15',
      '--source',
      'pricehubble',
      '--no-use-cases',
      '--max-rejected-share',
      '1',
      '--reason',
      "vendor's export lost its prices",
      '--lake',
      '/work/lake',
    ]);
    expect(rerunCommand(summary, validated())).toContain(
      `--max-rejected-share 1 --reason ${shellQuote("vendor's export lost its prices")}`,
    );
  });

  it('repeats the planned day, every source and every use case, and the lake', () => {
    const summary = failedRun({
      date: '2024-01-15',
      sources: ['pricehubble'],
      useCases: ['market_stats_monthly', 'price_model'],
    });
    expect(rerunArguments(summary, validated())).toEqual([
      '--date',
      '2024-01-15',
      '--source',
      'pricehubble',
      '--use-case',
      'market_stats_monthly',
      '--use-case',
      'price_model',
      '--lake',
      '/work/lake',
    ]);
  });

  it('repeats a range, no use case, and the memory limit, leaving out the default catalog', () => {
    const summary = failedRun(
      { from: '2024-01-01', to: '2024-01-03', sources: ['pricehubble'], useCases: [] },
      's3://bucket/lake',
    );
    const run = validated({ lake: 's3://bucket/lake', catalog: 'glue', duckdbMemoryLimit: '512MB' }, 'glue');
    expect(rerunArguments(summary, run)).toEqual([
      '--from',
      '2024-01-01',
      '--to',
      '2024-01-03',
      '--source',
      'pricehubble',
      '--no-use-cases',
      '--lake',
      's3://bucket/lake',
      '--memory-limit',
      '512MB',
    ]);
  });

  it('names the day even when the run was for "today", so that it repeats tomorrow too', () => {
    const [flag, day] = rerunArguments(failedRun({}), validated());
    expect(flag).toBe('--date');
    expect(day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('quotes for the shell only what needs it', () => {
    expect(shellQuote('/work/lake-1/x.jsonl')).toBe('/work/lake-1/x.jsonl');
    expect(shellQuote('s3://bucket/lake')).toBe('s3://bucket/lake');
    expect(shellQuote('/tmp/a lake')).toBe("'/tmp/a lake'");
    expect(shellQuote("/tmp/it's")).toBe("'/tmp/it'\\''s'");
    expect(shellQuote('$HOME')).toBe("'$HOME'");
    expect(shellQuote('')).toBe("''");
    expect(rerunCommand(failedRun({ date: '2024-01-15' }, '/tmp/a lake'), validated())).toBe(
      "npm run --silent etl -- run --date 2024-01-15 --lake '/tmp/a lake'",
    );
  });
});
