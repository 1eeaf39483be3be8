import type { Notification } from '../domain/notifications/notification.ts';
import type { QualityNotes } from '../domain/quality/qualityNotes.ts';
import type { QualityOverride } from '../domain/run/runArguments.ts';
import type { PartitionOutcome, UseCaseOutcome } from '../domain/run/runOutcome.ts';
import type { LoadSummary } from '../jobs/loader/loadPartition.ts';
import type { StateDuration } from '../orchestrator/localStateMachine.ts';

/** What `etl run --json` prints: the run's outcome, for scripts and people alike. */
export interface RunSummary {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly runId: string | null;
  /** The (first) execution; a range longer than one execution holds ran as several, in `executions`. */
  readonly executionId: string;
  readonly executions: readonly string[];
  readonly lake: string;
  /** The execution input (re-running with it repeats the run). */
  readonly input: Record<string, unknown>;
  readonly totals: {
    readonly read: number;
    readonly kept: number;
    readonly rejected: number;
    readonly rejectedByReason: Record<string, number>;
  };
  readonly partitions: readonly LoadSummary[];
  /**
   * The data-quality limit the run set (null: each contract's), and what the gate said of the
   * days it published: where the run's limit applied, and which passed above their warn level.
   */
  readonly quality: { readonly override: QualityOverride | null } & QualityNotes;
  /** What became of every partition and use case (Summarize's reports in the lake). */
  readonly outcomes: {
    readonly partitions: readonly PartitionOutcome[];
    readonly useCases: readonly UseCaseOutcome[];
  };
  /** Use-case steps planned (one per use case and run date). */
  readonly useCases: readonly {
    readonly name: string;
    readonly dt: string;
    readonly kind: 'sql' | 'model';
  }[];
  /** States the execution went through, by their names in the definition, in order. */
  readonly states: readonly string[];
  /** Time in each state of each execution (Map iterations summed), in the order first entered. */
  readonly stateDurations: readonly StateDuration[];
  /** On failure: the error, and the state it happened in. */
  readonly error: { readonly name: string; readonly message: string; readonly state: string | null } | null;
  /** On failure: the Catch target the execution reached. */
  readonly caughtBy: string | null;
  /** On failure: the command that re-runs only what failed. */
  readonly redriveCommand: string | null;
  /** The last notification sent (success summary or failure message). */
  readonly notification: Notification | null;
  readonly durationMs: number;
}

export function totalsOf(partitions: readonly LoadSummary[]): RunSummary['totals'] {
  const rejectedByReason: Record<string, number> = {};
  for (const p of partitions) {
    for (const [reason, count] of Object.entries(p.rejectedByReason)) {
      rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + count;
    }
  }
  return {
    read: partitions.reduce((sum, p) => sum + p.read, 0),
    kept: partitions.reduce((sum, p) => sum + p.kept, 0),
    rejected: partitions.reduce((sum, p) => sum + p.rejected, 0),
    rejectedByReason,
  };
}
