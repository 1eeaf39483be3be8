import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { FileBlobStore } from '../../src/adapters/local/fileBlobStore.ts';
import { manifestUri } from '../../src/domain/lake/lakeLayout.ts';
import type { SourceRunFigures } from '../../src/domain/metrics/sourceRunFigures.ts';
import type { Notification } from '../../src/domain/notifications/notification.ts';
import { summarizeTask } from '../../src/lambdaTasks/summarize.ts';
import { readChartLibrary } from '../../src/report/chartLibrary.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { localQueryEngine } from '../../src/runtime/localRuntime.ts';

const runId = '20240115T060000Z-3f9a1c';

describe('Summarize publishes the run’s figures', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'summarize-metrics-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('once per run, per source that loaded, from the manifests', async () => {
    const blobs = new FileBlobStore();
    const lake = connectLake(root);
    const { zones } = lake;
    await blobs.putText(
      manifestUri(zones, { source: 'pricehubble', dt: '2024-01-15' }, runId),
      JSON.stringify({
        source: 'pricehubble',
        dt: '2024-01-15',
        read: 200,
        kept: 150,
        rejected: 50,
        rejectedForRules: 40,
        rejectedByReason: { missing_field: 30, duplicate_id: 10, unparseable_price: 12 },
        durationMs: 4200,
      }),
    );
    const published: SourceRunFigures[][] = [];
    const sent: Notification[] = [];
    await summarizeTask(
      {
        plan: {
          runId,
          dates: ['2024-01-15'],
          sources: ['pricehubble'],
          useCases: [],
          rerunInput: { date: '2024-01-15', useCases: [] },
        },
        useCaseDates: [],
        executionId: 'arn:aws:states:eu-central-2:000000000000:execution:listings-dev:test',
        executionName: 'test',
        executionStartTime: '2024-01-15T05:00:00Z',
      },
      {
        environment: 'dev',
        region: 'eu-central-2',
        zones,
        blobs,
        catalog: lake.catalog,
        queryEngine: localQueryEngine(lake),
        chartLibrary: readChartLibrary,
        notifier: {
          publish: async (n) => {
            sent.push(n);
            return 'm-1';
          },
        },
        metrics: { publishRunFigures: (figures) => published.push([...figures]) },
        redriveCommand: (id) => `npx etl redrive ${id}`,
        log: silentLogger,
      },
    );
    expect(published).toHaveLength(1);
    expect(published[0]).toEqual([
      expect.objectContaining({
        source: 'pricehubble',
        recordsRead: 200,
        recordsKept: 150,
        recordsRejected: 50,
        rejectedShare: 0.2,
        loadDurationMs: 4200,
        rejectedByReason: expect.objectContaining({
          missing_field: 30,
          duplicate_id: 10,
          unparseable_price: 12,
        }),
      }),
    ]);
    expect(sent.map((n) => n.attributes.status)).toEqual(['SUCCEEDED']);
  });
});
