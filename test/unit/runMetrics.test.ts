import { describe, expect, it } from 'vitest';
import { EmfMetricsPublisher } from '../../src/adapters/aws/emfMetricsPublisher.ts';
import { reasonCodes } from '../../src/domain/cleaning/reasonCodes.ts';
import { type SourceRunFigures, sourceRunFiguresOf } from '../../src/domain/metrics/sourceRunFigures.ts';
import type { PartitionOutcome } from '../../src/domain/run/runOutcome.ts';

const loaded = (source: string, dt: string, figures: Partial<PartitionOutcome>): PartitionOutcome => ({
  source,
  dt,
  outcome: 'loaded',
  read: 0,
  kept: 0,
  rejected: 0,
  rejectedByReason: {},
  durationMs: 0,
  ...figures,
});

describe('a run’s figures per source', () => {
  it('sums the loaded days of each source and leaves failed days out', () => {
    const figures = sourceRunFiguresOf({
      partitions: [
        loaded('pricehubble', '2024-01-15', {
          read: 100,
          kept: 60,
          rejected: 40,
          rejectedForRules: 30,
          rejectedByReason: { missing_field: 20, duplicate_id: 10, unparseable_price: 15 },
          durationMs: 1500,
        }),
        loaded('pricehubble', '2024-01-16', {
          read: 300,
          kept: 290,
          rejected: 10,
          rejectedForRules: 10,
          rejectedByReason: { missing_field: 10 },
          durationMs: 500,
        }),
        { source: 'pricehubble', dt: '2024-01-17', outcome: 'failed', error: 'DataQualityError' },
        loaded('homegate', '2024-01-15', { read: 0 }),
        { source: 'immoscout', dt: '2024-01-15', outcome: 'failed', error: 'NoRawDataError' },
      ],
    });
    expect(figures.map((f) => f.source)).toEqual(['pricehubble', 'homegate']);
    const [pricehubble, homegate] = figures;
    expect(pricehubble).toMatchObject({
      recordsRead: 400,
      recordsKept: 350,
      recordsRejected: 50,
      // 40 records failed a rule out of 400 read; duplicates are not a quality problem
      rejectedShare: 0.1,
      loadDurationMs: 2000,
    });
    expect(pricehubble?.rejectedByReason).toEqual({
      ...Object.fromEntries(reasonCodes.map((r) => [r, 0])),
      missing_field: 30,
      duplicate_id: 10,
      unparseable_price: 15,
    });
    expect(homegate?.rejectedShare).toBeNull();
  });

  it('takes the rejected count as the rule rejections of a manifest written before they were counted', () => {
    const [figures] = sourceRunFiguresOf({
      partitions: [loaded('pricehubble', '2024-01-15', { read: 10, rejected: 4 })],
    });
    expect(figures?.rejectedShare).toBe(0.4);
  });
});

describe('the embedded metric format records', () => {
  const figures: SourceRunFigures = {
    source: 'pricehubble',
    recordsRead: 400,
    recordsKept: 350,
    recordsRejected: 50,
    rejectedByReason: { ...Object.fromEntries(reasonCodes.map((r) => [r, 0])), missing_field: 30 },
    rejectedShare: 0.1,
    loadDurationMs: 2000,
  };

  function records(list: SourceRunFigures[]): Record<string, unknown>[] {
    const lines: string[] = [];
    new EmfMetricsPublisher(
      'Listings/Pipeline',
      'prod',
      (line) => lines.push(line),
      () => 1_705_305_600_000,
    ).publishRunFigures(list);
    for (const line of lines) expect(line).not.toContain('\n');
    return lines.map((line) => JSON.parse(line));
  }

  it('writes one JSON line per source, with every metric declared under environment × source', () => {
    const [record, ...more] = records([figures]);
    expect(more).toEqual([]);
    expect(record?._aws).toEqual({
      Timestamp: 1_705_305_600_000,
      CloudWatchMetrics: [
        {
          Namespace: 'Listings/Pipeline',
          Dimensions: [['environment', 'source']],
          Metrics: [
            { Name: 'RecordsRead', Unit: 'Count' },
            { Name: 'RecordsKept', Unit: 'Count' },
            { Name: 'RecordsRejected', Unit: 'Count' },
            ...reasonCodes.map((r) => ({ Name: `RecordsRejected_${r}`, Unit: 'Count' })),
            { Name: 'LoadDuration', Unit: 'Milliseconds' },
            { Name: 'RejectedShare', Unit: 'None' },
          ],
        },
      ],
    });
    expect(record).toMatchObject({
      environment: 'prod',
      source: 'pricehubble',
      RecordsRead: 400,
      RecordsKept: 350,
      RecordsRejected: 50,
      RecordsRejected_missing_field: 30,
      RecordsRejected_duplicate_id: 0,
      LoadDuration: 2000,
      RejectedShare: 0.1,
    });
    // every declared metric has its value at the root, as the format requires; no log level
    const aws = record?._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } | undefined;
    const declared = aws?.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name);
    for (const name of declared ?? []) expect(typeof record?.[name]).toBe('number');
    expect(record).not.toHaveProperty('level');
    // at most 100 metrics per record
    expect(declared?.length).toBeLessThanOrEqual(100);
  });

  it('declares no rejected share for a source that read nothing, and writes nothing for no sources', () => {
    const [record] = records([{ ...figures, recordsRead: 0, rejectedShare: null }]);
    expect(record).not.toHaveProperty('RejectedShare');
    expect(JSON.stringify(record?._aws)).not.toContain('RejectedShare');
    expect(records([])).toEqual([]);
  });
});
