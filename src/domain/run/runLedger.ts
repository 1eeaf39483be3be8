import type { SourceDay } from '../lake/lakeLayout.ts';
import type { QualityOverride } from './runArguments.ts';
import type { PartitionOutcome, RunOutcome } from './runOutcome.ts';

/**
 * The rows an execution adds to the run ledger (`pipeline_runs`): one per partition it planned,
 * from the same outcome Summarize reports, so the table and the JSON report cannot disagree.
 * Pure: Summarize decides where they go.
 */

/** A row's stored columns, named as `pipelineRunsTable` names them (a test holds them together). */
export interface RunLedgerColumns {
  readonly run_id: string;
  readonly execution_id: string;
  readonly execution_name: string;
  readonly environment: string;
  readonly status: PartitionOutcome['outcome'];
  readonly run_status: RunOutcome['status'];
  readonly records_read: number | null;
  readonly records_kept: number | null;
  readonly records_rejected: number | null;
  readonly rejected_for_rules: number | null;
  readonly rejected_by_reason: Readonly<Record<string, number>> | null;
  readonly rejected_share: number | null;
  readonly quality_status: string | null;
  readonly quality_limit: number;
  readonly contract_limit: number;
  readonly quality_override_share: number | null;
  readonly quality_override_reason: string | null;
  readonly error_name: string | null;
  readonly error_message: string | null;
  readonly load_duration_ms: number | null;
  readonly run_duration_ms: number;
  readonly started_at: string;
  readonly finished_at: string;
  readonly redrive_of: string | null;
}

/** A ledger row: its partition (in the object key, not the file) and its columns. */
export interface RunLedgerRow {
  readonly partition: SourceDay;
  readonly columns: RunLedgerColumns;
}

export interface RunLedgerContext {
  readonly executionName: string;
  /** The run's own data-quality limit, when it set one. */
  readonly override: QualityOverride | null;
  /** The source contract's limit: what applied to a day that has no verdict of its own. */
  readonly contractLimitOf: (source: string) => number;
}

/**
 * `YYYY-MM-DD HH:MM:SS.sss` in UTC: the one timestamp text Hive's JSON SerDe (Athena) reads
 * without a format of its own, and DuckDB reads as TIMESTAMP.
 */
export function ledgerTimestamp(iso: string): string {
  return new Date(iso).toISOString().replace('T', ' ').replace('Z', '');
}

export function runLedgerRowsOf(outcome: RunOutcome, context: RunLedgerContext): RunLedgerRow[] {
  const runDurationMs = Math.max(0, Date.parse(outcome.finishedAt) - Date.parse(outcome.startedAt));
  return outcome.partitions.map((p) => {
    const verdict = p.quality;
    // A loaded day's verdict says which limit applied then (an earlier execution of the run may
    // have loaded it); any other day is under the limit this execution would have applied.
    const override =
      verdict === undefined
        ? context.override
        : verdict.source === 'run'
          ? { maxRejectedShare: verdict.limit, reason: verdict.reason ?? '' }
          : null;
    const contractLimit = verdict?.contractLimit ?? context.contractLimitOf(p.source);
    return {
      partition: { source: p.source, dt: p.dt },
      columns: {
        run_id: outcome.runId,
        execution_id: outcome.executionId,
        execution_name: context.executionName,
        environment: outcome.environment,
        status: p.outcome,
        run_status: outcome.status,
        records_read: p.read ?? null,
        records_kept: p.kept ?? null,
        records_rejected: p.rejected ?? null,
        rejected_for_rules: p.rejectedForRules ?? null,
        rejected_by_reason: p.rejectedByReason ? { ...p.rejectedByReason } : null,
        rejected_share: verdict?.rejectedShare ?? null,
        quality_status: verdict?.status ?? null,
        quality_limit: verdict?.limit ?? override?.maxRejectedShare ?? contractLimit,
        contract_limit: contractLimit,
        quality_override_share: override?.maxRejectedShare ?? null,
        quality_override_reason: override?.reason ?? null,
        error_name: p.error ?? null,
        error_message: p.message ?? null,
        load_duration_ms: p.durationMs === undefined ? null : Math.round(p.durationMs),
        run_duration_ms: runDurationMs,
        started_at: ledgerTimestamp(outcome.startedAt),
        finished_at: ledgerTimestamp(outcome.finishedAt),
        redrive_of: outcome.input.redriveOf ?? null,
      },
    };
  });
}
