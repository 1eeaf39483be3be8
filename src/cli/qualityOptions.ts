import { Option } from 'commander';
import { z } from 'zod';
import { type QualityOverride, qualityOverrideSchema } from '../domain/run/runArguments.ts';
import { UsageError } from './usageError.ts';

/**
 * A run's own data-quality limit, for every command that starts a run: the options, and the
 * check that turns them into the execution input's `quality`.
 */

const maxRejectedShareFlag = '--max-rejected-share';
const reasonFlag = '--reason';

export function qualityOptions(): Option[] {
  return [
    new Option(
      `${maxRejectedShareFlag} <share>`,
      "this run's data-quality limit instead of each source contract's: the share of a day's records that may " +
        "be rejected, from 0 to 1 (1 publishes the day whatever was rejected); with --reason (default: none: each contract's limits)",
    ),
    new Option(
      `${reasonFlag} <text>`,
      `why this run changes the limit (kept in the manifest, the summary and the message); with ${maxRejectedShareFlag} (default: none)`,
    ),
  ];
}

/** The two options as commander hands them over (spread into a command's flags schema). */
export const qualityFlagsShape = {
  maxRejectedShare: z.string().optional(),
  reason: z.string().optional(),
};

export type QualityFlags = z.infer<z.ZodObject<typeof qualityFlagsShape>>;

/** A decimal number: `1`, `0.8`, `.25`, `1e-3`; not `0x1`, `50%`, `Infinity` or an empty string. */
const decimal = /^(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i;

/**
 * The run's `quality`, or undefined when neither option is given. Both or neither: a limit
 * without a reason (or a reason without a limit) is a usage error, and so is a share outside
 * 0..1 or a reason of fewer than 3 characters.
 */
export function qualityOverrideFrom(flags: QualityFlags): QualityOverride | undefined {
  const { maxRejectedShare, reason } = flags;
  if (maxRejectedShare === undefined && reason === undefined) return undefined;
  if (maxRejectedShare === undefined) {
    throw new UsageError(
      `${reasonFlag} says why a run changes its data-quality limit: give ${maxRejectedShareFlag} SHARE with it (e.g. ${maxRejectedShareFlag} 1).`,
    );
  }
  if (reason === undefined) {
    throw new UsageError(
      `${maxRejectedShareFlag} changes the data-quality limit for this run: say why with ${reasonFlag} "TEXT" (it is kept in the manifest and the message).`,
    );
  }
  const share = maxRejectedShare.trim();
  if (!decimal.test(share) || Number(share) > 1) {
    throw new UsageError(
      `${maxRejectedShareFlag} ${JSON.stringify(maxRejectedShare)} is not a share from 0 to 1: give e.g. 0.8 (80% may be rejected) or 1 (publish whatever was rejected).`,
    );
  }
  const parsed = qualityOverrideSchema.safeParse({ maxRejectedShare: Number(share), reason });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.path[0] === 'reason') {
      throw new UsageError(
        `${reasonFlag} ${JSON.stringify(reason)}: ${issue.message} (3 to 500 characters, e.g. ${reasonFlag} "vendor export lost its prices, ticket 123").`,
      );
    }
    throw new UsageError(
      `${maxRejectedShareFlag} ${JSON.stringify(maxRejectedShare)}: ${issue?.message ?? 'invalid'}.`,
    );
  }
  return parsed.data;
}
