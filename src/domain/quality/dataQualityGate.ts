import type { SourceContract } from '../sources/sourceContract.ts';

export interface RejectionCounts {
  readonly read: number;
  /**
   * Records rejected for at least one rule, each counted once however many rules it failed;
   * de-duplication losers are not in it. The engine counts it (the loader's rejected file).
   */
  readonly rejectedForRules: number;
  /** Records per reason: a record with two reasons is in two of these, so they are not summed. */
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly examplesByReason: Readonly<
    Record<string, readonly { sourceObject: string; recordNumber: number; rawRecord: string }[]>
  >;
}

/**
 * The share of a day's records rejected for data problems: records, not reasons (45 records
 * with two reasons each among 100 are 45%, not 90%). Duplicates are left out: a re-scraped
 * offer is expected, not a sign of a broken source.
 */
export function rejectedShare(counts: RejectionCounts): number {
  if (counts.read === 0) return 0;
  return counts.rejectedForRules / counts.read;
}

/**
 * Undefined when the day may be published; otherwise the message of the DataQualityError:
 * the share, the threshold, the top reasons with examples, and what to do.
 */
export function dataQualityProblem(
  source: SourceContract,
  day: string,
  counts: RejectionCounts,
): string | undefined {
  const share = rejectedShare(counts);
  const limit = source.quality.maxRejectedShare;
  if (share <= limit) return undefined;
  const top = Object.entries(counts.rejectedByReason)
    .filter(([reason]) => reason !== 'duplicate_id')
    .sort(([, a], [, b]) => b - a)
    .slice(0, 3);
  const lines = top.map(([reason, n]) => {
    const examples = (counts.examplesByReason[reason] ?? [])
      .map((e) => `      ${e.sourceObject} #${e.recordNumber}: ${e.rawRecord.slice(0, 160)}`)
      .join('\n');
    return `  - ${reason}: ${n} records${examples ? `, e.g.\n${examples}` : ''}`;
  });
  const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;
  return [
    `${source.name} ${day}: ${percent(share)} of ${counts.read} records were rejected ` +
      `(${counts.rejectedForRules} failed at least one rule; duplicates are not counted), above the limit of ${percent(limit)}. ` +
      'The partition was not published; the previous one is unchanged.',
    'Top reasons:',
    ...lines,
    `Check the source's export for that day. If the data is right and the contract is too strict, change the rules ` +
      `or quality.maxRejectedShare in src/domain/sources/${source.name}.ts and re-run the date.`,
  ].join('\n');
}
