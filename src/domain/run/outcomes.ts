import type { QualityRecord } from '../quality/dataQualityGate.ts';
import { errorNameOf, type FailureReport, failureMessageOf } from './failureReport.ts';
import { daysArguments, type RunArguments, type RunPlan } from './runArguments.ts';
import {
  failedShown,
  type PartitionOutcome,
  partitionOutcomes,
  type RunOutcome,
  type RunSummaryOutput,
  type UseCaseOutcome,
  useCaseOutcomes,
} from './runOutcome.ts';

/**
 * From what the lake holds after a run's tasks (manifests, failure reports) to what became of
 * each partition and use case, which days the use cases run for, the run's status and the
 * input that re-drives what failed. Pure: ReviewLoads and Summarize read the lake, this decides.
 */

/** What a source does with a day whose load failed (the source contract's `onFailedDay`). */
export type FailedDayPolicy = 'report' | 'skip' | 'fail-run';

/** What a partition's manifest says, as far as outcomes need it. */
export interface ManifestFacts {
  readonly read: number;
  readonly kept: number;
  readonly rejected: number;
  /** Records rejected for a rule, each once, duplicates left out: what the quality gate measures. */
  readonly rejectedForRules?: number | undefined;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly durationMs: number;
  /** Absent in manifests written before the gate recorded its verdict. */
  readonly quality?: QualityRecord | undefined;
}

export interface PartitionFacts {
  readonly source: string;
  readonly dt: string;
  /** The run's manifest of the partition: the loader finished and published. */
  readonly manifest: ManifestFacts | null;
  /** This execution's failure report of the partition. */
  readonly failure: FailureReport | null;
}

/**
 * A manifest means loaded (an earlier execution of the same run may have loaded it); else a
 * failure report means failed, or skipped when the source says so; else the task never ran.
 */
export function partitionOutcomeOf(facts: PartitionFacts, policy: FailedDayPolicy): PartitionOutcome {
  const { source, dt } = facts;
  if (facts.manifest) {
    const { read, kept, rejected, rejectedForRules, rejectedByReason, durationMs, quality } = facts.manifest;
    return {
      source,
      dt,
      outcome: 'loaded',
      read,
      kept,
      rejected,
      ...(rejectedForRules === undefined ? {} : { rejectedForRules }),
      rejectedByReason: { ...rejectedByReason },
      durationMs,
      ...(quality ? { quality } : {}),
    };
  }
  if (facts.failure) {
    return {
      source,
      dt,
      outcome: policy === 'skip' ? 'skipped' : 'failed',
      error: errorNameOf(facts.failure),
      message: firstLine(failureMessageOf(facts.failure)),
    };
  }
  return { source, dt, outcome: 'not-run' };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** The days every planned source loaded: their use cases run; a day missing a source would mislead them. */
export function useCaseDatesOf(
  plan: Pick<RunPlan, 'dates' | 'sources'>,
  partitions: readonly PartitionOutcome[],
): string[] {
  const loaded = new Set(partitions.filter((p) => p.outcome === 'loaded').map((p) => `${p.source}/${p.dt}`));
  return plan.dates.filter((dt) => plan.sources.every((source) => loaded.has(`${source}/${dt}`)));
}

/** Failed partitions whose source stops the whole run rather than go on without the day. */
export function runStoppingFailures(
  partitions: readonly PartitionOutcome[],
  policyOf: (source: string) => FailedDayPolicy,
): PartitionOutcome[] {
  return partitions.filter((p) => p.outcome === 'failed' && policyOf(p.source) === 'fail-run');
}

export function useCaseOutcomesOf(
  plan: Pick<RunPlan, 'dates' | 'useCases'>,
  useCaseDates: readonly string[],
  failures: ReadonlyMap<string, FailureReport>,
): UseCaseOutcome[] {
  const eligible = new Set(useCaseDates);
  return plan.dates.flatMap((dt) =>
    plan.useCases.map((useCase): UseCaseOutcome => {
      const failure = failures.get(`${useCase}/${dt}`);
      if (failure) {
        return {
          useCase,
          dt,
          outcome: 'failed',
          error: errorNameOf(failure),
          message: firstLine(failureMessageOf(failure)),
        };
      }
      return { useCase, dt, outcome: eligible.has(dt) ? 'ran' : 'skipped' };
    }),
  );
}

/** Nothing failed or never ran: skipped days are a source's choice, not a failure. */
export function runStatusOf(
  partitions: readonly PartitionOutcome[],
  useCases: readonly UseCaseOutcome[],
): RunOutcome['status'] {
  const bad =
    partitions.some((p) => p.outcome === 'failed' || p.outcome === 'not-run') ||
    useCases.some((u) => u.outcome === 'failed');
  return bad ? 'FAILED' : 'SUCCEEDED';
}

/**
 * The input that re-runs exactly what is left, with the same run id: the failed (or never
 * run) partitions, and the use cases of their days and of the days a use case failed. Partitions
 * of those days that did load are loaded again only when a day has several sources and one of
 * them failed (the plan crosses days with sources); a partition the run published is not
 * written twice (see publishRun).
 */
export function redriveInputOf(
  plan: Pick<RunPlan, 'runId' | 'useCases' | 'quality'>,
  partitions: readonly PartitionOutcome[],
  useCases: readonly UseCaseOutcome[],
): RunArguments | null {
  const unloaded = partitions.filter((p) => p.outcome === 'failed' || p.outcome === 'not-run');
  const failedUseCases = useCases.filter((u) => u.outcome === 'failed');
  if (unloaded.length === 0 && failedUseCases.length === 0) return null;
  const sources = [...new Set(unloaded.map((p) => p.source))].sort();
  const days = new Set([...unloaded.map((p) => p.dt), ...failedUseCases.map((u) => u.dt)]);
  // The use cases of a re-loaded day run again (they were skipped); a failed one on its own day.
  const useCaseNames =
    unloaded.length > 0 ? [...plan.useCases] : [...new Set(failedUseCases.map((u) => u.useCase))];
  return {
    ...daysArguments([...days].sort()),
    sources,
    useCases: useCaseNames,
    runId: plan.runId,
    ...(plan.quality ? { quality: plan.quality } : {}),
  };
}

function countBy<T extends string>(keys: readonly T[], values: readonly T[]): Record<T, number> {
  const counts = Object.fromEntries(keys.map((key) => [key, 0])) as Record<T, number>;
  for (const value of values) counts[value] += 1;
  return counts;
}

/** What the execution returns: counts, the first failures and where the whole report is. */
export function summaryOutputOf(outcome: RunOutcome, reportUri: string): RunSummaryOutput {
  const failed = [
    ...outcome.partitions
      .filter((p) => p.outcome === 'failed' || p.outcome === 'not-run')
      .map((p) => ({ source: p.source, dt: p.dt, error: p.error ?? 'NotRun' })),
    ...outcome.useCases
      .filter((u) => u.outcome === 'failed')
      .map((u) => ({ useCase: u.useCase, dt: u.dt, error: u.error ?? 'UnknownFailure' })),
  ];
  return {
    runId: outcome.runId,
    status: outcome.status,
    totals: outcome.totals,
    counts: {
      partitions: countBy(
        partitionOutcomes,
        outcome.partitions.map((p) => p.outcome),
      ),
      useCases: countBy(
        useCaseOutcomes,
        outcome.useCases.map((u) => u.outcome),
      ),
    },
    failed: failed.slice(0, failedShown),
    redriveInput: outcome.redriveInput,
    report: reportUri,
  };
}
