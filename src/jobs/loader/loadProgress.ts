import type { StagingStats } from '../../domain/ingest/recordStager.ts';
import type { Logger } from '../../ports/logger.ts';
import type { ProgressSample } from '../progressTicker.ts';

/** Measures where a load's time goes, phase by phase. */
export class PhaseClock {
  readonly phasesMs: Record<string, number> = {};
  private last = performance.now();
  readonly started = this.last;

  constructor(private readonly log: Logger) {}

  done(phase: string): void {
    const now = performance.now();
    this.phasesMs[phase] = Math.round(now - this.last);
    this.last = now;
    this.log.debug('phase done', {
      phase,
      ms: this.phasesMs[phase],
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    });
  }
}

/** The engine's phases (ContractChecker's onPhase) and the stage a person sees after each. */
const nextStage: Record<string, string> = {
  check: 'de-duplicating',
  dedupe: 'writing listings',
  writeListings: 'writing rejects',
  writeRejected: 'summarizing',
};

/** The stage a person sees once the engine finished `phase` (unchanged after any other). */
export function stageAfter(phase: string, current: string): string {
  return nextStage[phase] ?? current;
}

/** What a load has done so far, for its progress lines (ProgressTicker). */
export class LoadProgress {
  stage = 'staging';
  /** The object being staged: its counts grow as it streams. */
  staging: StagingStats | undefined;
  /** The engine at work (ContractChecker), once staging is over: how far its query is. */
  checker: { progressPercent(): number | null } | undefined;
  /** False in a merge part: its share of the day's records is known only once it is written. */
  knowsRecords = true;
  private stagedRecords = 0;
  private stagedBytes = 0;

  /** An object is staged: its counts join the total. */
  staged(stats: Pick<StagingStats, 'records' | 'bytes'>): void {
    this.stagedRecords += stats.records;
    this.stagedBytes += stats.bytes.read;
    this.staging = undefined;
  }

  sample(): ProgressSample {
    if (this.stage === 'staging') {
      return {
        stage: this.stage,
        records: this.stagedRecords + (this.staging?.records ?? 0),
        bytes: this.stagedBytes + (this.staging?.bytes.read ?? 0),
      };
    }
    const percent = this.checker?.progressPercent() ?? null;
    return {
      stage: this.stage,
      ...(this.knowsRecords ? { records: this.stagedRecords } : {}),
      ...(percent === null ? {} : { percent }),
    };
  }
}
