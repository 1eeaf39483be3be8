import { progressMessage } from '../domain/run/taskProgress.ts';
import type { Logger } from '../ports/logger.ts';

/** Where a long job is now: its stage and what it has done so far in it. */
export interface ProgressSample {
  readonly stage: string;
  readonly records?: number;
  readonly bytes?: number;
  /** 0–100, when the stage can tell (DuckDB's estimate for one statement). */
  readonly percent?: number;
}

/**
 * Logs a job's progress every `intervalMs` as a structured line (`progress`, with the
 * stage, counts, rates and elapsed time), so that a person following the task's log, or
 * the local runner's live line, sees it working. Rates are over the stage so far.
 */
export class ProgressTicker {
  private timer: NodeJS.Timeout | undefined;
  private readonly started: number;
  private stageStarted: number;
  private lastTick: number;
  private stage: string | undefined;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly sample: () => ProgressSample,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
    this.stageStarted = this.started;
    this.lastTick = this.started;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): void {
    const now = this.now();
    const sample = this.sample();
    if (sample.stage !== this.stage) {
      // The stage began after the last tick (the first one when the job began): rates over
      // the stage count from then, never from this tick, which would make them near infinite.
      this.stage = sample.stage;
      this.stageStarted = this.lastTick;
    }
    this.lastTick = now;
    const seconds = Math.max((now - this.stageStarted) / 1000, 0.001);
    this.log.info(progressMessage, {
      stage: sample.stage,
      ...(sample.records !== undefined
        ? { records: sample.records, recordsPerSecond: Math.round(sample.records / seconds) }
        : {}),
      ...(sample.bytes !== undefined
        ? { bytes: sample.bytes, mbPerSecond: Math.round((sample.bytes / 1e6 / seconds) * 10) / 10 }
        : {}),
      ...(sample.percent !== undefined ? { percent: Math.round(sample.percent) } : {}),
      elapsedMs: Math.round(now - this.started),
    });
  }
}
