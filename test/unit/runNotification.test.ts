import { describe, expect, it } from 'vitest';
import { runNotification } from '../../src/domain/notifications/runNotification.ts';
import type { QualityRecord } from '../../src/domain/quality/dataQualityGate.ts';
import type { PartitionOutcome, RunOutcome } from '../../src/domain/run/runOutcome.ts';

const context = { region: 'eu-central-2', redriveCommand: 'etl redrive EXECUTION' };

function loaded(dt: string, quality?: QualityRecord): PartitionOutcome {
  return {
    source: 'pricehubble',
    dt,
    outcome: 'loaded',
    read: 100,
    kept: 70,
    rejected: 30,
    rejectedByReason: { unparseable_price: 20, missing_field: 10 },
    durationMs: 1200,
    ...(quality ? { quality } : {}),
  };
}

function outcome(partitions: PartitionOutcome[]): RunOutcome {
  return {
    runId: '20240115T060000Z-abcdef',
    environment: 'prod',
    executionId: 'arn:aws:states:eu-central-2:123456789012:execution:listings-prod:run-1',
    status: 'SUCCEEDED',
    startedAt: '2024-01-15T05:00:00Z',
    finishedAt: '2024-01-15T05:10:00Z',
    input: { date: '2024-01-15' },
    partitions,
    useCases: [],
    totals: { read: 100 * partitions.length, kept: 70 * partitions.length, rejected: 30 * partitions.length },
    redriveInput: null,
  };
}

const contractGate: QualityRecord = {
  status: 'passed',
  limit: 0.5,
  source: 'contract',
  contractLimit: 0.5,
  warnAt: 0.4,
  rejectedShare: 0.3,
  shareByReason: { unparseable_price: 0.2, missing_field: 0.1 },
};
const warned: QualityRecord = { ...contractGate, status: 'warned', warnAt: 0.25 };
const lifted: QualityRecord = {
  ...contractGate,
  limit: 1,
  source: 'run',
  reason: 'vendor export lost its prices',
};

describe('the run message and the data-quality gate', () => {
  it('a quiet day: a plain success', () => {
    const n = runNotification(outcome([loaded('2024-01-15', contractGate)]), [], context);
    expect(n.subject).toBe('[prod] listings run 20240115T060000Z-abcdef succeeded: 1 partition(s) loaded');
    expect(n.attributes.status).toBe('SUCCEEDED');
    expect(n.message).not.toContain('WARNING');
    expect(n.message).not.toContain('for this run');
  });

  it('a day above the warn level: still a success, the subject says WARNING with the shares per reason', () => {
    const n = runNotification(
      outcome([
        loaded('2024-01-15', warned),
        loaded('2024-01-16', contractGate),
        loaded('2024-01-17', warned),
      ]),
      [],
      context,
    );
    expect(n.attributes).toEqual({ environment: 'prod', status: 'SUCCEEDED', source: 'pricehubble' });
    expect(n.subject).toBe(
      '[prod] listings run 20240115T060000Z-abcdef succeeded with WARNING: pricehubble 2024-01-15: ' +
        '30% rejected, above the warn level of 25% (unparseable_price 20%, missing_field 10%) (+1 more)',
    );
    expect(n.message).toContain(
      "WARNING: published with more rejected records than the source's warn level:\n" +
        '  pricehubble 2024-01-15: 30% rejected, above the warn level of 25% (unparseable_price 20%, missing_field 10%)\n' +
        '  pricehubble 2024-01-17: 30% rejected',
    );
  });

  it("a day under the run's own limit: the message says the limit was lifted and why", () => {
    const n = runNotification(outcome([loaded('2024-01-15', lifted)]), [], context);
    expect(n.attributes.status).toBe('SUCCEEDED');
    expect(n.message).toContain(
      "Data-quality limit set by this run instead of the source's contract:\n" +
        '  pricehubble 2024-01-15: limit lifted to 100% for this run: vendor export lost its prices',
    );
  });

  it('a manifest from before the gate recorded its verdict says nothing of it', () => {
    const n = runNotification(outcome([loaded('2024-01-15')]), [], context);
    expect(n.subject).toContain('succeeded: 1 partition(s) loaded');
  });
});
