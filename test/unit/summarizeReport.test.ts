import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonLogger } from '../../src/adapters/jsonLogger.ts';
import { manifestUri, runReportPagesPrefix, runReportPageUri } from '../../src/domain/lake/lakeLayout.ts';
import type { Notification } from '../../src/domain/notifications/notification.ts';
import { type SummarizePorts, summarizeTask } from '../../src/lambdaTasks/summarize.ts';
import { SqlQueryFailedError } from '../../src/ports/queryEngine.ts';
import { readChartLibrary } from '../../src/report/chartLibrary.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { localQueryEngine } from '../../src/runtime/localRuntime.ts';

const runId = '20240115T060000Z-3f9a1c';
const executionName = 'local-test';

describe("Summarize files the run's HTML report", () => {
  let root: string;
  let lake: LakeConnection;
  let sent: Notification[];
  let logged: Record<string, unknown>[];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'summarize-report-'));
    lake = connectLake(root);
    sent = [];
    logged = [];
    await lake.blobs.putText(
      manifestUri(lake.zones, { source: 'pricehubble', dt: '2024-01-15' }, runId),
      JSON.stringify({
        source: 'pricehubble',
        dt: '2024-01-15',
        read: 10,
        kept: 8,
        rejected: 2,
        rejectedByReason: { duplicate_id: 2 },
        durationMs: 900,
      }),
    );
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const summarize = (queryEngine: SummarizePorts['queryEngine']) =>
    summarizeTask(
      {
        plan: {
          runId,
          dates: ['2024-01-15'],
          sources: ['pricehubble'],
          useCases: [],
          rerunInput: { date: '2024-01-15', useCases: [] },
        },
        useCaseDates: [],
        executionId: `arn:aws:states:local:000000000000:execution:listings-local:${executionName}`,
        executionName,
        executionStartTime: '2024-01-15T05:00:00Z',
      },
      {
        environment: 'local',
        region: 'local',
        zones: lake.zones,
        blobs: lake.blobs,
        catalog: lake.catalog,
        notifier: {
          publish: async (n) => {
            sent.push(n);
            return 'm-1';
          },
        },
        metrics: { publishRunFigures: () => undefined },
        redriveCommand: (id) => `npx etl redrive ${id}`,
        queryEngine,
        chartLibrary: readChartLibrary,
        log: new JsonLogger({}, (line) => logged.push(JSON.parse(line) as Record<string, unknown>)),
      },
    );

  it('beside the results, charting the ledger it has just written, and links it in the message', async () => {
    const summary = await summarize(localQueryEngine(lake));
    expect(summary.status).toBe('SUCCEEDED');
    const page = runReportPageUri(lake.zones, runId, executionName);
    const html = (await lake.blobs.getText(page)) ?? '';
    expect(html).toContain('<title>Listings pipeline: run report for 2024-01-15</title>');
    // the ledger row of the day is in the chart data: 8 kept, 2 rejected
    expect(html).toMatch(
      /"label":"pricehubble kept","stack":"pricehubble","backgroundColor":"[^"]+","data":\[8\]/,
    );
    expect(sent[0]?.message).toContain(`Report with charts: ${page}`);
  });

  it('a report the engine cannot make leaves the run summarized and messaged, without a link, and says why in the log', async () => {
    const failing = {
      query: async (): Promise<never> => {
        throw new SqlQueryFailedError('injected: Athena is unavailable');
      },
    };
    const summary = await summarize(failing);
    expect(summary.status).toBe('SUCCEEDED');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.message).not.toContain('Report with charts');
    expect(await readdir(runReportPagesPrefix(lake.zones)).catch(() => [])).toEqual([]);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'run report not written',
        error: 'SqlQueryFailedError',
        errorMessage: 'injected: Athena is unavailable',
      }),
    );
  });
});
