import { z } from 'zod';
import { PipelineError } from '../errors/pipelineError.ts';
import { sourceNamePattern } from '../sources/sourceContract.ts';
import { maxDaysPerExecution } from './executionBudget.ts';
import { newRunId, runIdPattern } from './runId.ts';

/**
 * What a person, a script or the schedule passes to StartExecution, and the plan ParseArgs
 * turns it into. Names end up in S3 keys and SQL, so they are checked against allow-lists.
 */

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    {
      message: 'not a real calendar date',
    },
  );

const executionArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:states:[^:]*:\d{12}:execution:[^:]+:[^:]+$/, 'an execution ARN');

/** A run's own data-quality limit instead of each source contract's, and why. */
export const qualityOverrideSchema = z
  .object({
    maxRejectedShare: z.number().min(0).max(1),
    reason: z.string().trim().min(3, 'say why the limit is changed for this run').max(500),
  })
  .strict();
export type QualityOverride = z.infer<typeof qualityOverrideSchema>;

/** The most days one request may name (it runs as several executions, see {@link planRun}). */
export const maxDaysPerRequest = 3653;

export const runArgumentsSchema = z
  .object({
    /** One day to (re)load. */
    date: isoDay.optional(),
    /** A backfill: every day from `from` to `to`, inclusive. */
    from: isoDay.optional(),
    to: isoDay.optional(),
    /** Exactly these days (a re-drive of the failed days of a run), in any order, each once. */
    dates: z.array(isoDay).min(1).optional(),
    /** Defaults to every known source; [] loads none (a re-drive of use cases only). */
    sources: z.array(z.string().regex(sourceNamePattern)).optional(),
    /** Defaults to every registered use case; [] runs none. */
    useCases: z.array(z.string().regex(/^[a-z][a-z0-9_]{1,60}$/)).optional(),
    /** Set by the EventBridge schedule: `<aws.scheduler.scheduled-time>`. */
    scheduledTime: z.string().datetime({ offset: true }).optional(),
    /** Optional: reuse a run id (re-driving a run); generated otherwise. */
    runId: z.string().regex(runIdPattern).optional(),
    /**
     * This run's data-quality limit instead of the source contract's, and why (recorded in the
     * manifest, the summary and the message).
     */
    quality: qualityOverrideSchema.optional(),
    /** The execution whose failed partitions this run re-drives (lineage for people and `etl runs`). */
    redriveOf: executionArn.optional(),
    /** The execution of the range's previous part, when this one goes on with the rest of a long range. */
    continues: executionArn.optional(),
  })
  .strict()
  .refine((a) => !(a.date && (a.from || a.to)), { message: 'give either date or from/to, not both' })
  .refine((a) => !(a.dates && (a.date || a.from || a.to)), {
    message: 'dates lists every day itself: give it without date or from/to',
  })
  .refine((a) => a.dates === undefined || new Set(a.dates).size === a.dates.length, {
    message: 'dates must not repeat a day',
  })
  .refine((a) => (a.from === undefined) === (a.to === undefined), { message: 'from and to go together' })
  .refine((a) => !(a.from && a.to && a.from > a.to), { message: 'from must not be after to' })
  // Longer ranges run in parts; this bound only catches a mistyped year (2204 for 2024).
  .refine((a) => !(a.from && a.to && dayCount(a.from, a.to) > maxDaysPerRequest), {
    message: `a backfill covers at most ${maxDaysPerRequest} days (ten years): split it, or check the years`,
  });

/** Days between two ISO days, both included. */
function dayCount(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
}

export type RunArguments = z.infer<typeof runArgumentsSchema>;

/**
 * The zone whose calendar days the runs are for: the schedule fires at 06:00 there, and a run
 * without a date loads that day. One definition, used by the stacks and the local runs.
 */
export const pipelineTimeZone = 'Europe/Zurich';

export interface PlannedPartition {
  readonly source: string;
  readonly dt: string;
}

/**
 * ParseArgs' output: everything later states need, and the input that re-runs this run. Only
 * names and dates: the state machine crosses dates with sources and use cases in nested Maps,
 * so the plan stays small whatever the range (no SQL, no per-partition records).
 */
export interface RunPlan {
  readonly runId: string;
  readonly environment: string;
  readonly dates: readonly string[];
  readonly sources: readonly string[];
  readonly useCases: readonly string[];
  /** The data-quality limit given for this run, or null: each source contract's own. */
  readonly quality: RunArguments['quality'] | null;
  /** The input that runs this execution's days again. */
  readonly rerunInput: RunArguments;
  /** The input of the range's next part (a new execution), or null when this part is the last. */
  readonly next: RunArguments | null;
}

/** Every source and day the plan loads, day by day. */
export function partitionsOf(plan: Pick<RunPlan, 'dates' | 'sources'>): PlannedPartition[] {
  return plan.dates.flatMap((dt) => plan.sources.map((source) => ({ source, dt })));
}

export interface PlanContext {
  readonly environment: string;
  /** Execution start, the fallback when neither a date nor a scheduled time is given. */
  readonly executionStartTime: string;
  /** IANA zone of the schedule: the "day" of a scheduled run is its day there. */
  readonly timeZone: string;
  readonly knownSources: readonly string[];
  readonly knownUseCases: readonly string[];
  /** This execution, the one a next part continues. */
  readonly executionId: string;
  /** Days one execution may plan; default: what the execution history allows ({@link maxDaysPerExecution}). */
  readonly maxDaysPerExecution?: number;
}

export class InvalidRunArgumentsError extends PipelineError {
  override readonly name = 'InvalidRunArgumentsError';
}

/** The calendar day of an instant in a time zone. */
export function dayIn(instant: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** Validates raw execution input and plans the run. Throws InvalidRunArgumentsError. */
export function planRun(input: unknown, context: PlanContext): RunPlan {
  const parsed = runArgumentsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
      .join('; ');
    throw new InvalidRunArgumentsError(
      `Invalid run arguments: ${problems}. Input was ${JSON.stringify(input)}.`,
    );
  }
  const args = parsed.data;
  const unknownSources = (args.sources ?? []).filter((s) => !context.knownSources.includes(s));
  if (unknownSources.length > 0) {
    throw new InvalidRunArgumentsError(
      `Unknown source(s) ${unknownSources.join(', ')}; known: ${context.knownSources.join(', ')}.`,
    );
  }
  const unknownUseCases = (args.useCases ?? []).filter((u) => !context.knownUseCases.includes(u));
  if (unknownUseCases.length > 0) {
    throw new InvalidRunArgumentsError(
      `Unknown use case(s) ${unknownUseCases.join(', ')}; known: ${context.knownUseCases.join(', ')}.`,
    );
  }
  const sources = args.sources ?? context.knownSources;
  const useCases = args.useCases ?? context.knownUseCases;
  const defaultDay = dayIn(args.scheduledTime ?? context.executionStartTime, context.timeZone);
  const maxDays = context.maxDaysPerExecution ?? maxDaysPerExecution(sources.length, useCases.length);
  const allDates =
    args.dates !== undefined
      ? [...args.dates].sort()
      : args.from && args.to
        ? daysBetween(args.from, args.to)
        : [args.date ?? defaultDay];
  const runId = args.runId ?? newRunId(new Date(context.executionStartTime));
  // Step Functions keeps 25,000 events per execution: a longer range runs in parts, each
  // part an execution that starts the next when it is done, all under one run id.
  const dates = allDates.slice(0, maxDays);
  const rest = allDates.slice(maxDays);
  const kept = {
    sources: [...sources],
    useCases: [...useCases],
    ...(args.quality ? { quality: args.quality } : {}),
  };
  const lineage = {
    ...(args.redriveOf ? { redriveOf: args.redriveOf } : {}),
    ...(args.continues ? { continues: args.continues } : {}),
  };
  return {
    runId,
    environment: context.environment,
    dates,
    sources,
    useCases,
    quality: args.quality ?? null,
    rerunInput: { ...daysArguments(dates), ...kept, ...lineage },
    next: rest.length > 0 ? { ...daysArguments(rest), ...kept, runId, continues: context.executionId } : null,
  };
}

/** The shortest arguments naming exactly these days (sorted): one date, a range, or the list. */
export function daysArguments(
  dates: readonly string[],
): Pick<RunArguments, 'date' | 'from' | 'to' | 'dates'> {
  const first = dates[0] as string;
  const last = dates.at(-1) as string;
  if (dates.length === 1) return { date: first };
  const contiguous = daysBetween(first, last).length === dates.length;
  return contiguous ? { from: first, to: last } : { dates: [...dates] };
}
