import { z } from 'zod';
import type { QualityOverride } from '../run/runArguments.ts';
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

/** A re-scraped offer is expected, not a sign of a broken source: the gate never weighs it. */
const duplicateReason = 'duplicate_id';

/**
 * The share of a day's records rejected for data problems: records, not reasons (45 records
 * with two reasons each among 100 are 45%, not 90%). Duplicates are left out.
 */
export function rejectedShare(counts: RejectionCounts): number {
  if (counts.read === 0) return 0;
  return counts.rejectedForRules / counts.read;
}

/** Per reason, the share of the day's records rejected for it (duplicates left out). */
export function shareByReason(counts: RejectionCounts): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts.rejectedByReason)
      .filter(([reason]) => reason !== duplicateReason)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([reason, n]) => [reason, counts.read === 0 ? 0 : n / counts.read]),
  );
}

/**
 * What the gate decided for a day, as the manifest records it: the limit that applied and
 * where it came from (the source's contract, or this run with the reason given), the contract's
 * own limit beside it, and whether the day passed quietly or with a warning.
 */
export const qualityRecordSchema = z
  .object({
    status: z.enum(['passed', 'warned']),
    limit: z.number().min(0).max(1),
    source: z.enum(['contract', 'run']),
    /** Why the run changed the limit; only with source `run`. */
    reason: z.string().optional(),
    contractLimit: z.number().min(0).max(1),
    /** The contract's warn level, when it has one. */
    warnAt: z.number().min(0).max(1).nullable(),
    rejectedShare: z.number().min(0).max(1),
    shareByReason: z.record(z.string(), z.number()),
  })
  .strict();
export type QualityRecord = z.infer<typeof qualityRecordSchema>;

/** One limit a day went over: the whole day's (reason null) or one reason's own. */
export interface ExceededLimit {
  readonly reason: string | null;
  readonly share: number;
  readonly limit: number;
}

export type QualityVerdict =
  | { readonly status: 'passed' | 'warned'; readonly record: QualityRecord }
  | {
      readonly status: 'refused';
      readonly record: Omit<QualityRecord, 'status'>;
      readonly exceeded: readonly ExceededLimit[];
    };

/**
 * The gate. The run's limit, when given, replaces every limit of the contract (the day's and
 * each reason's): a person lifting it for a known-bad export means "publish it", and lowering
 * it means "nothing worse than this". The warn level stays the contract's: it tells people how
 * the data looks, whoever set the limit.
 */
export function judgeQuality(
  source: SourceContract,
  counts: RejectionCounts,
  override: QualityOverride | null,
): QualityVerdict {
  const share = rejectedShare(counts);
  const byReason = shareByReason(counts);
  const contract = source.quality;
  const record = {
    limit: override?.maxRejectedShare ?? contract.maxRejectedShare,
    source: override ? ('run' as const) : ('contract' as const),
    ...(override ? { reason: override.reason } : {}),
    contractLimit: contract.maxRejectedShare,
    warnAt: contract.warnRejectedShare ?? null,
    rejectedShare: share,
    shareByReason: byReason,
  };
  const reasonLimits = override ? {} : (contract.maxShareByReason ?? {});
  const exceeded: ExceededLimit[] = [
    ...(share > record.limit ? [{ reason: null, share, limit: record.limit }] : []),
    ...Object.entries(reasonLimits).flatMap(([reason, limit]) => {
      const reasonShare = byReason[reason] ?? 0;
      return reasonShare > limit ? [{ reason, share: reasonShare, limit }] : [];
    }),
  ];
  if (exceeded.length > 0) return { status: 'refused', record, exceeded };
  const warned = record.warnAt !== null && share > record.warnAt;
  return {
    status: warned ? 'warned' : 'passed',
    record: { status: warned ? 'warned' : 'passed', ...record },
  };
}

/** A share with one decimal always, as the failure messages have always said it (25.0%). */
const percentOneDecimal = (share: number): string => `${(share * 100).toFixed(1)}%`;

/** How many reasons a refusal names, each with its examples. */
const topReasonCount = 3;

/** What a refused day's DataQualityError carries for machines (the failure report keeps it). */
export interface DataQualityDetails extends Record<string, unknown> {
  readonly source: string;
  readonly dt: string;
  readonly read: number;
  readonly rejectedForRules: number;
  readonly rejectedShare: number;
  readonly limit: number;
  readonly limitSource: 'contract' | 'run';
  readonly exceeded: readonly ExceededLimit[];
  readonly topReasons: readonly {
    readonly reason: string;
    readonly records: number;
    readonly share: number;
    readonly examples: RejectionCounts['examplesByReason'][string];
  }[];
}

/**
 * A refused day's DataQualityError: the message for people (the share, the limit it went
 * over, the top reasons with examples, what to do) and the same facts for machines.
 */
export function refusalOf(
  source: SourceContract,
  day: string,
  counts: RejectionCounts,
  verdict: Extract<QualityVerdict, { status: 'refused' }>,
): { message: string; details: DataQualityDetails } {
  const { record, exceeded } = verdict;
  const top = Object.entries(counts.rejectedByReason)
    .filter(([reason]) => reason !== duplicateReason)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, topReasonCount)
    .map(([reason, records]) => ({
      reason,
      records,
      share: record.shareByReason[reason] ?? 0,
      examples: counts.examplesByReason[reason] ?? [],
    }));
  const lines = top.map(({ reason, records, examples }) => {
    const shown = examples
      .map((e) => `      ${e.sourceObject} #${e.recordNumber}: ${e.rawRecord.slice(0, 160)}`)
      .join('\n');
    return `  - ${reason}: ${records} records${shown ? `, e.g.\n${shown}` : ''}`;
  });
  const whose = record.source === 'run' ? `this run's limit (${record.reason})` : 'the limit';
  const overall = exceeded.find((e) => e.reason === null);
  const perReason = exceeded.filter((e) => e.reason !== null);
  const verdictText = [
    ...(overall ? [`above ${whose} of ${percentOneDecimal(overall.limit)}`] : []),
    ...perReason.map(
      (e) =>
        `${e.reason} alone is ${percentOneDecimal(e.share)}, above its limit of ${percentOneDecimal(e.limit)}`,
    ),
  ].join('; ');
  const message = [
    `${source.name} ${day}: ${percentOneDecimal(record.rejectedShare)} of ${counts.read} records were rejected ` +
      `(${counts.rejectedForRules} failed at least one rule; duplicates are not counted), ${verdictText}. ` +
      'The partition was not published; the previous one is unchanged.',
    'Top reasons:',
    ...lines,
    `Check the source's export for that day. If the data is right and the contract is too strict, change the rules ` +
      `or quality in src/domain/sources/${source.name}.ts and re-run the date; to publish it once as it is, ` +
      're-run the date with --max-rejected-share 1 --reason "why".',
  ].join('\n');
  return {
    message,
    details: {
      source: source.name,
      dt: day,
      read: counts.read,
      rejectedForRules: counts.rejectedForRules,
      rejectedShare: record.rejectedShare,
      limit: record.limit,
      limitSource: record.source,
      exceeded,
      topReasons: top,
    },
  };
}
