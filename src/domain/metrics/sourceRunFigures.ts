import { reasonCodes } from '../cleaning/reasonCodes.ts';
import { rejectedShare } from '../quality/dataQualityGate.ts';
import type { RunOutcome } from '../run/runOutcome.ts';

/**
 * The figures of one run for one source, over the days it loaded: what Summarize publishes as
 * metrics and what the alarms watch. Per source, not per day: the dimensions stay
 * environment × source (a backfill of a year adds no new series), and a scheduled run loads one day.
 */
export interface SourceRunFigures {
  readonly source: string;
  readonly recordsRead: number;
  readonly recordsKept: number;
  readonly recordsRejected: number;
  /** Every reason code, 0 when none: a metric that is missing cannot be told from a quiet reason. */
  readonly rejectedByReason: Readonly<Record<string, number>>;
  /** As the quality gate measures it (records, not reasons; duplicates left out); null when nothing was read. */
  readonly rejectedShare: number | null;
  /** The loads' time, summed over the days. */
  readonly loadDurationMs: number;
}

/** One entry per source with a loaded day, in the order the run lists them; none when nothing loaded. */
export function sourceRunFiguresOf(outcome: Pick<RunOutcome, 'partitions'>): SourceRunFigures[] {
  const bySource = new Map<string, RunOutcome['partitions']>();
  for (const p of outcome.partitions) {
    if (p.outcome !== 'loaded') continue;
    bySource.set(p.source, [...(bySource.get(p.source) ?? []), p]);
  }
  return [...bySource].map(([source, days]) => {
    const sum = (pick: (p: RunOutcome['partitions'][number]) => number | undefined) =>
      days.reduce((total, p) => total + (pick(p) ?? 0), 0);
    const read = sum((p) => p.read);
    // A manifest written before the loader counted rule rejections: its rejected count stands in.
    const rejectedForRules = sum((p) => p.rejectedForRules ?? p.rejected);
    const rejectedByReason = Object.fromEntries(
      reasonCodes.map((reason) => [reason, sum((p) => p.rejectedByReason?.[reason])]),
    );
    return {
      source,
      recordsRead: read,
      recordsKept: sum((p) => p.kept),
      recordsRejected: sum((p) => p.rejected),
      rejectedByReason,
      rejectedShare:
        read === 0 ? null : rejectedShare({ read, rejectedForRules, rejectedByReason, examplesByReason: {} }),
      loadDurationMs: sum((p) => p.durationMs),
    };
  });
}
