import { z } from 'zod';
import { qualityRecordSchema } from '../quality/dataQualityGate.ts';
import { runArgumentsSchema } from './runArguments.ts';

/**
 * What became of a run, partition by partition and use case by use case: what Summarize
 * writes to the lake (one report per execution) and returns, what `etl runs` lists and what
 * `etl redrive` re-runs. The lake is the record: an execution's own history expires, the
 * report stays beside the manifests.
 */

export const partitionOutcomes = ['loaded', 'failed', 'skipped', 'not-run'] as const;
export const useCaseOutcomes = ['ran', 'failed', 'skipped'] as const;

/** A source's day: loaded (a manifest), failed (a failure report), skipped by policy, or not run. */
export const partitionOutcomeSchema = z
  .object({
    source: z.string(),
    dt: z.string(),
    outcome: z.enum(partitionOutcomes),
    /** The error's name when it failed or was skipped (e.g. DataQualityError, NoRawFilesError). */
    error: z.string().optional(),
    /** One line people can act on. */
    message: z.string().optional(),
    read: z.number().int().nonnegative().optional(),
    kept: z.number().int().nonnegative().optional(),
    rejected: z.number().int().nonnegative().optional(),
    /** Rejected for a rule, each record once, duplicates left out: the share the quality gate limits. */
    rejectedForRules: z.number().int().nonnegative().optional(),
    rejectedByReason: z.record(z.string(), z.number()).optional(),
    durationMs: z.number().nonnegative().optional(),
    /** The data-quality gate's verdict of a loaded day (from its manifest). */
    quality: qualityRecordSchema.optional(),
  })
  .strict();
export type PartitionOutcome = z.infer<typeof partitionOutcomeSchema>;

/** A use case's day: ran, failed, or skipped because a source of the day did not load. */
export const useCaseOutcomeSchema = z
  .object({
    useCase: z.string(),
    dt: z.string(),
    outcome: z.enum(useCaseOutcomes),
    error: z.string().optional(),
    message: z.string().optional(),
  })
  .strict();
export type UseCaseOutcome = z.infer<typeof useCaseOutcomeSchema>;

export const runStatuses = ['SUCCEEDED', 'FAILED'] as const;

/** The whole report, in the lake. */
export const runOutcomeSchema = z
  .object({
    runId: z.string(),
    environment: z.string(),
    executionId: z.string(),
    /** SUCCEEDED when nothing failed (skipped days included); FAILED otherwise. */
    status: z.enum(runStatuses),
    startedAt: z.string(),
    finishedAt: z.string(),
    input: runArgumentsSchema,
    partitions: z.array(partitionOutcomeSchema),
    useCases: z.array(useCaseOutcomeSchema),
    totals: z.object({ read: z.number(), kept: z.number(), rejected: z.number() }).strict(),
    /** The input that re-runs exactly what failed (same run id), or null when nothing did. */
    redriveInput: runArgumentsSchema.nullable(),
  })
  .strict();
export type RunOutcome = z.infer<typeof runOutcomeSchema>;

/**
 * What the execution returns (its output's `summary`): small whatever the range, so it fits
 * the state; the failed items are capped and the full report is in the lake at `report`.
 */
export const runSummaryOutputSchema = z
  .object({
    runId: z.string(),
    status: z.enum(runStatuses),
    totals: z.object({ read: z.number(), kept: z.number(), rejected: z.number() }).strict(),
    counts: z
      .object({
        partitions: z.record(z.enum(partitionOutcomes), z.number()),
        useCases: z.record(z.enum(useCaseOutcomes), z.number()),
      })
      .strict(),
    /** At most `failedShown` failed partitions and use cases, for messages and `etl runs`. */
    failed: z.array(
      z.object({
        source: z.string().optional(),
        useCase: z.string().optional(),
        dt: z.string(),
        error: z.string(),
      }),
    ),
    redriveInput: runArgumentsSchema.nullable(),
    /** The URI of the full report (RunOutcome) in the lake. */
    report: z.string(),
  })
  .strict();
export type RunSummaryOutput = z.infer<typeof runSummaryOutputSchema>;

export const failedShown = 20;
