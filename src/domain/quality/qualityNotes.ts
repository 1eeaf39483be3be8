import type { QualityRecord } from './dataQualityGate.ts';

/**
 * What people are told about the gate of the days a run published: where the run set its own
 * limit (and why), and which days passed above their source's warn level. The run summary,
 * its report on the terminal and the run's message all say it in these words.
 */

/** A share as people read it: 100%, 35%, 25.5%. */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;
}

/** "limit lifted to 100% for this run: <reason>": what a run's own limit did to the contract's. */
export function runLimitNote(record: Pick<QualityRecord, 'limit' | 'contractLimit' | 'reason'>): string {
  const change =
    record.limit > record.contractLimit ? 'lifted' : record.limit < record.contractLimit ? 'lowered' : 'set';
  return `limit ${change} to ${percent(record.limit)} for this run: ${record.reason ?? ''}`;
}

/** "unparseable_price 20%, missing_field 15%": the reasons' shares, in the order given (largest first). */
export function reasonSharesText(byReason: Readonly<Record<string, number>>): string {
  return Object.entries(byReason)
    .map(([reason, share]) => `${reason} ${percent(share)}`)
    .join(', ');
}

/** "26% rejected, above the warn level of 25% (missing_field 26%)". */
export function warningText(record: QualityRecord): string {
  const reasons = reasonSharesText(record.shareByReason);
  return (
    `${percent(record.rejectedShare)} rejected, above the warn level of ${percent(record.warnAt ?? 0)}` +
    `${reasons ? ` (${reasons})` : ''}`
  );
}

export interface PublishedDayQuality {
  readonly source: string;
  readonly dt: string;
  /** The manifest's record; absent in manifests written before the gate recorded it. */
  readonly quality?: QualityRecord | undefined;
}

export interface QualityNotes {
  /** "pricehubble 2024-01-16: limit lifted to 100% for this run: <reason>", one per day the run's limit applied to. */
  readonly runLimits: string[];
  /** "pricehubble 2024-01-16: 26% rejected, above the warn level of 25% (...)", one per day published with a warning. */
  readonly warnings: string[];
}

export function qualityNotesOf(days: readonly PublishedDayQuality[]): QualityNotes {
  const name = (day: PublishedDayQuality): string => `${day.source} ${day.dt}`;
  return {
    runLimits: days.flatMap((day) =>
      day.quality?.source === 'run' ? [`${name(day)}: ${runLimitNote(day.quality)}`] : [],
    ),
    warnings: days.flatMap((day) =>
      day.quality?.status === 'warned' ? [`${name(day)}: ${warningText(day.quality)}`] : [],
    ),
  };
}
