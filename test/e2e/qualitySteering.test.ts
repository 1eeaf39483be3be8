import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { OutboxNotifier } from '../../src/adapters/local/outboxNotifier.ts';
import type { RunSummary } from '../../src/cli/runSummary.ts';
import { failureReportUri } from '../../src/domain/lake/lakeLayout.ts';
import { failureReportSchema } from '../../src/domain/run/failureReport.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { etl } from '../support/cli.ts';
import { refusedDayLines } from '../support/refusedDay.ts';

/** The day of test/support/refusedDay.ts: refused as it is; published when a run lifts the limit. */
const reason = 'vendor export mislabels flats as studios, ticket DATA-42';

let work: string;
let offers: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quality-steering-'));
  offers = join(work, 'offers.jsonl');
  await writeFile(offers, refusedDayLines);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const day = ['--date', '2024-01-16', '--source', 'pricehubble', '--no-use-cases'];

describe("etl run with the run's own data-quality limit", () => {
  it('publishes a day the gate refuses, and the manifest, the summary and the message say why', async () => {
    const lake = join(work, 'lake');
    // Refused first: nothing published, the failure report keeps the top reasons for machines.
    const refused = await etl(['run', '--input', offers, ...day, '--lake', lake, '--json']);
    expect(refused.code, refused.stderr).toBe(1);
    const refusedSummary = JSON.parse(refused.stdout) as RunSummary;
    expect(refusedSummary.outcomes.partitions).toMatchObject([
      { source: 'pricehubble', dt: '2024-01-16', outcome: 'failed', error: 'DataQualityError' },
    ]);
    expect(refusedSummary.quality).toEqual({ override: null, runLimits: [], warnings: [] });
    const connection = connectLake(lake);
    const reportUri = failureReportUri(
      connection.zones,
      { source: 'pricehubble', dt: '2024-01-16' },
      refusedSummary.runId as string,
    );
    const report = failureReportSchema.parse(JSON.parse((await connection.blobs.getText(reportUri)) ?? '{}'));
    expect(report.task).toMatchObject({
      error: 'DataQualityError',
      details: {
        source: 'pricehubble',
        dt: '2024-01-16',
        read: 5,
        rejectedForRules: 4,
        rejectedShare: 0.8,
        limit: 0.5,
        limitSource: 'contract',
        exceeded: [{ reason: null, share: 0.8, limit: 0.5 }],
        topReasons: [
          { reason: 'unsupported_property_type', records: 3, share: 0.6 },
          { reason: 'malformed_record', records: 1, share: 0.2 },
        ],
      },
    });
    const topReasons = (report.task?.details?.topReasons ?? []) as { examples: { rawRecord: string }[] }[];
    const studioExamples = topReasons[0]?.examples;
    expect(studioExamples?.map((e) => JSON.parse(e.rawRecord).id)).toContain('s1');

    // The same day with the limit lifted for this run: published, and said so everywhere.
    const lifted = await etl([
      'run',
      ...day,
      '--lake',
      lake,
      '--max-rejected-share',
      '1',
      '--reason',
      reason,
      '--json',
    ]);
    expect(lifted.code, lifted.stderr).toBe(0);
    const summary = JSON.parse(lifted.stdout) as RunSummary;
    const note = `pricehubble 2024-01-16: limit lifted to 100% for this run: ${reason}`;
    expect(summary).toMatchObject({
      status: 'SUCCEEDED',
      input: { quality: { maxRejectedShare: 1, reason } },
      quality: { override: { maxRejectedShare: 1, reason }, runLimits: [note], warnings: [] },
      totals: { read: 5, kept: 1, rejected: 4 },
    });
    expect(lifted.stderr).toContain(`Data quality: ${note}`);

    const manifestUri = summary.partitions[0]?.manifest as string;
    const manifest = JSON.parse(await readFile(manifestUri, 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      read: 5,
      kept: 1,
      rejectedForRules: 4,
      rejectedShare: 0.8,
      quality: {
        status: 'passed',
        limit: 1,
        source: 'run',
        reason,
        contractLimit: 0.5,
        rejectedShare: 0.8,
        shareByReason: { unsupported_property_type: 0.6, malformed_record: 0.2 },
      },
    });

    const sent = await new OutboxNotifier(connection.blobs, lake, silentLogger).sent();
    const message = sent.at(-1);
    expect(message?.attributes).toMatchObject({ status: 'SUCCEEDED' });
    expect(message?.message).toContain(`  ${note}`);
    expect(message).toEqual(expect.objectContaining({ subject: summary.notification?.subject }));

    const listings = await etl(['query', '--lake', lake, '--format', 'json', 'SELECT id FROM listings']);
    expect(JSON.parse(listings.stdout)).toEqual([{ id: 'ok' }]);
  });

  it('refuses a lifted limit without a reason before anything is landed or started', async () => {
    const lake = join(work, 'lake-usage');
    const run = await etl(['run', '--input', offers, ...day, '--lake', lake, '--max-rejected-share', '1']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('say why with --reason');
    await expect(readFile(join(lake, 'outbox'))).rejects.toThrow(/ENOENT/);
  });
});
