import { z } from 'zod';
import { type LakeZones, runReportPageUri, runReportUri } from '../domain/lake/lakeLayout.ts';
import { sourceRunFiguresOf } from '../domain/metrics/sourceRunFigures.ts';
import { runNotification } from '../domain/notifications/runNotification.ts';
import {
  partitionOutcomeOf,
  redriveInputOf,
  runStatusOf,
  summaryOutputOf,
  useCaseOutcomesOf,
} from '../domain/run/outcomes.ts';
import { qualityOverrideSchema, runArgumentsSchema } from '../domain/run/runArguments.ts';
import { runLedgerRowsOf } from '../domain/run/runLedger.ts';
import type { RunOutcome, RunSummaryOutput } from '../domain/run/runOutcome.ts';
import { sourceNamed } from '../domain/sources/registry.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Logger } from '../ports/logger.ts';
import type { MetricsPublisher } from '../ports/metrics.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { QueryEngine } from '../ports/queryEngine.ts';
import { fileRunLedger } from '../publishing/runLedgerFiles.ts';
import { fileRunReportPage } from '../report/runReportFiles.ts';
import { partitionFactsOf, type RunFactsPorts, useCaseFailuresOf } from './runFacts.ts';
import { parseTaskEvent } from './taskEvent.ts';

export interface SummarizePorts extends RunFactsPorts {
  /**
   * The manifests, the curated zone the run ledger (`pipeline_runs`) lives in, and the results
   * zone the run's HTML report goes to.
   */
  readonly zones: Pick<LakeZones, 'manifests' | 'curated' | 'results'>;
  /** Where the run ledger's partitions are registered. */
  readonly catalog: Catalog;
  readonly environment: string;
  /** For console links. */
  readonly region: string;
  readonly notifier: Notifier;
  /** Each source's figures of the run, for dashboards and the volume and quality alarms. */
  readonly metrics: MetricsPublisher;
  /** The command that re-drives an execution's failed part, in the world it ran in. */
  readonly redriveCommand: (executionId: string) => string;
  /** The run report's SQL: Athena in AWS, DuckDB over the local catalog on a laptop. */
  readonly queryEngine: Pick<QueryEngine, 'query'>;
  /** Chart.js, which the report's page inlines. */
  readonly chartLibrary: () => Promise<string>;
  readonly log: Logger;
}

const summarizeEvent = z.object({
  plan: z.object({
    runId: z.string(),
    dates: z.array(z.string()),
    sources: z.array(z.string()),
    useCases: z.array(z.string()),
    quality: qualityOverrideSchema.nullable().optional(),
    rerunInput: runArgumentsSchema,
  }),
  useCaseDates: z.array(z.string()),
  executionId: z.string(),
  executionName: z.string(),
  executionStartTime: z.string(),
});

/**
 * Summarize: what became of every partition and use case of the execution, from the lake;
 * files the run's report beside the manifests and its rows of the run ledger (`pipeline_runs`),
 * publishes each source's figures as metrics, sends one message (success, or what failed with
 * each error, its log and the re-drive command), and returns the compact summary.
 */
export async function summarizeTask(event: unknown, ports: SummarizePorts): Promise<RunSummaryOutput> {
  const { plan, useCaseDates, executionId, executionName, executionStartTime } = parseTaskEvent(
    'Summarize',
    summarizeEvent,
    event,
  );
  const facts = await partitionFactsOf(ports, plan, executionId);
  const partitions = facts.map((f) => partitionOutcomeOf(f, sourceNamed(f.source).onFailedDay));
  const useCaseFailures = await useCaseFailuresOf(ports, plan, executionId);
  const useCases = useCaseOutcomesOf(plan, useCaseDates, useCaseFailures);
  const loaded = partitions.filter((p) => p.outcome === 'loaded');
  const outcome: RunOutcome = {
    runId: plan.runId,
    environment: ports.environment,
    executionId,
    status: runStatusOf(partitions, useCases),
    startedAt: executionStartTime,
    finishedAt: new Date().toISOString(),
    input: plan.rerunInput,
    partitions,
    useCases,
    totals: {
      read: loaded.reduce((sum, p) => sum + (p.read ?? 0), 0),
      kept: loaded.reduce((sum, p) => sum + (p.kept ?? 0), 0),
      rejected: loaded.reduce((sum, p) => sum + (p.rejected ?? 0), 0),
    },
    redriveInput: redriveInputOf({ ...plan, quality: plan.quality ?? null }, partitions, useCases),
  };
  const reportUri = runReportUri(ports.zones, plan.runId, executionName);
  await ports.blobs.putText(reportUri, `${JSON.stringify(outcome, null, 2)}\n`);
  // Before the message: a ledger that cannot be written fails the step loudly (a retry or a
  // re-drive writes it again, replacing this execution's files), rather than leave a gap.
  const ledgerFiles = await fileRunLedger(
    ports,
    { runId: plan.runId, executionName },
    runLedgerRowsOf(outcome, {
      executionName,
      override: plan.quality ?? null,
      contractLimitOf: (source) => sourceNamed(source).quality.maxRejectedShare,
    }),
  );
  // After the ledger, which it charts; the newest day the run loaded is the report's day.
  const reportDay = loaded
    .map((p) => p.dt)
    .sort()
    .at(-1);
  const reportPage =
    reportDay === undefined
      ? undefined
      : await fileRunReportPage(
          { ...ports, name: ports.environment, query: (sql) => ports.queryEngine.query(sql) },
          runReportPageUri(ports.zones, plan.runId, executionName),
          reportDay,
        );
  ports.metrics.publishRunFigures(sourceRunFiguresOf(outcome));
  const failures = [...facts.flatMap((f) => (f.failure ? [f.failure] : [])), ...useCaseFailures.values()];
  const messageId = await ports.notifier.publish(
    runNotification(outcome, failures, {
      region: ports.region,
      redriveCommand: ports.redriveCommand(executionId),
      reportPage,
    }),
  );
  ports.log.info(outcome.status === 'SUCCEEDED' ? 'run succeeded' : 'run finished with failures', {
    runId: plan.runId,
    ...outcome.totals,
    report: reportUri,
    reportPage,
    ledgerFiles: ledgerFiles.length,
    messageId,
  });
  return summaryOutputOf(outcome, reportUri);
}
