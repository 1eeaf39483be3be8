import { createLogUpdate } from 'log-update';
import { progressLine, type TaskProgress } from '../domain/run/taskProgress.ts';

export interface ProgressOutput {
  write(text: string): void;
  /** A terminal: lines are redrawn in place. Anything else (CI, a file, a pipe) gets plain lines. */
  readonly isTerminal: boolean;
  /** The terminal's width, which live lines are wrapped to. */
  readonly columns?: number;
}

/**
 * Progress of a local run on stderr. On a terminal, one live line per running task, redrawn
 * in place (log-update) below the log lines; elsewhere, a plain line per task at most every
 * `everyMs`, so that a CI log shows the run moving without a line per second.
 */
export class ProgressDisplay {
  private readonly live = new Map<string, string>();
  private readonly lastPrinted = new Map<string, number>();
  private readonly update: ReturnType<typeof createLogUpdate> | undefined;

  constructor(
    private readonly output: ProgressOutput,
    private readonly everyMs = 5_000,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (output.isTerminal) {
      const stream = {
        write: (text: string) => output.write(text),
        isTTY: true,
        columns: output.columns ?? 80,
      } as unknown as NodeJS.WriteStream;
      this.update = createLogUpdate(stream, { showCursor: true });
    }
  }

  /** A task's progress: its live line changes, or a plain line is printed when due. */
  show(progress: TaskProgress): void {
    if (progress.stage === 'done') {
      this.live.delete(progress.task);
      this.lastPrinted.delete(progress.task);
      this.render();
      return;
    }
    const line = progressLine(progress);
    if (this.update) {
      this.live.set(progress.task, line);
      this.render();
      return;
    }
    const last = this.lastPrinted.get(progress.task);
    if (last !== undefined && this.now() - last < this.everyMs) return;
    this.lastPrinted.set(progress.task, this.now());
    this.output.write(`${line}\n`);
  }

  /** A log line: printed above the live lines, which are drawn again below it. */
  print(line: string): void {
    this.update?.clear();
    this.output.write(`${line}\n`);
    this.render();
  }

  /** The live lines drawn now, one per running task. */
  liveLines(): string[] {
    return [...this.live.values()];
  }

  /** Removes the live lines (the run is over). */
  close(): void {
    this.live.clear();
    this.update?.clear();
  }

  private render(): void {
    if (!this.update) return;
    if (this.live.size === 0) this.update.clear();
    else this.update([...this.live.values()].join('\n'));
  }
}
