import { z } from 'zod';

/**
 * Where a running task of an execution is: a loader's stage with its counts and rates, the
 * use cases done so far. The local runner reads it from the tasks' `progress` log lines
 * (jobs/progressTicker.ts writes them) and the CLI shows it; `stage: 'done'` ends a task's line.
 */
/** The message of a progress log line: what the local runner (and a CloudWatch filter) looks for. */
export const progressMessage = 'progress';

export const taskProgressSchema = z.object({
  /** What is running, as a person names it: `pricehubble 2024-01-15`, `use cases`. */
  task: z.string(),
  stage: z.string(),
  records: z.number().optional(),
  recordsPerSecond: z.number().optional(),
  bytes: z.number().optional(),
  mbPerSecond: z.number().optional(),
  percent: z.number().optional(),
  done: z.number().optional(),
  total: z.number().optional(),
  elapsedMs: z.number(),
  /** On a task's `done`: the most memory its process held (what its task size must hold). */
  peakRssBytes: z.number().optional(),
});

export type TaskProgress = z.infer<typeof taskProgressSchema>;

const count = (n: number): string => n.toLocaleString('en-US');

/** One line for people: `[pricehubble 2024-01-15] staging 1,200,000 records · 180 MB · 45.1 MB/s · 4.1 s`. */
export function progressLine(progress: TaskProgress): string {
  const parts = [
    progress.stage,
    ...(progress.done !== undefined && progress.total !== undefined
      ? [`${progress.done}/${progress.total}`]
      : []),
    ...(progress.records !== undefined ? [`${count(progress.records)} records`] : []),
    ...(progress.bytes !== undefined ? [`${Math.round(progress.bytes / 1e6)} MB`] : []),
    ...(progress.mbPerSecond !== undefined ? [`${progress.mbPerSecond} MB/s`] : []),
    ...(progress.recordsPerSecond !== undefined && progress.stage === 'staging'
      ? [`${count(progress.recordsPerSecond)} records/s`]
      : []),
    ...(progress.percent !== undefined ? [`${Math.round(progress.percent)}%`] : []),
    `${(progress.elapsedMs / 1000).toFixed(1)} s`,
  ];
  return `[${progress.task}] ${parts.join(' · ')}`;
}
