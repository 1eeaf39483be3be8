import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from '../../src/cli/progressDisplay.ts';
import { progressLine, type TaskProgress } from '../../src/domain/run/taskProgress.ts';

const staging = (records: number, elapsedMs: number): TaskProgress => ({
  task: 'pricehubble 2024-01-15',
  stage: 'staging',
  records,
  recordsPerSecond: 250_000,
  bytes: 36_000_000,
  mbPerSecond: 45.2,
  elapsedMs,
});

/** A display writing into a list, with a clock the test moves. */
function displayOn(isTerminal: boolean) {
  const written: string[] = [];
  const clock = { now: 0 };
  const display = new ProgressDisplay(
    { write: (t) => written.push(t), isTerminal, columns: 200 },
    5_000,
    () => clock.now,
  );
  return { display, written, clock };
}

describe('progress of a local run', () => {
  it('says the stage, counts, sizes, rates and elapsed time in one line', () => {
    expect(progressLine(staging(1_200_000, 4_100))).toBe(
      '[pricehubble 2024-01-15] staging · 1,200,000 records · 36 MB · 45.2 MB/s · 250,000 records/s · 4.1 s',
    );
    expect(
      progressLine({ task: 'use cases', stage: 'use cases', done: 2, total: 4, elapsedMs: 12_340 }),
    ).toBe('[use cases] use cases · 2/4 · 12.3 s');
    expect(
      progressLine({ task: 'pricehubble 2024-01-15', stage: 'checking', percent: 45.4, elapsedMs: 6_000 }),
    ).toBe('[pricehubble 2024-01-15] checking · 45% · 6.0 s');
  });

  it('without a terminal, prints a task at most once every few seconds, as plain lines', () => {
    const { display, written, clock } = displayOn(false);
    display.show(staging(100, 1_000));
    clock.now = 1_000;
    display.show(staging(200, 2_000));
    clock.now = 4_999;
    display.show(staging(300, 5_999));
    clock.now = 5_000;
    display.show(staging(400, 6_000));
    display.show({ task: 'use cases', stage: 'use cases', done: 1, total: 2, elapsedMs: 10 });
    expect(written).toEqual([
      `${progressLine(staging(100, 1_000))}\n`,
      `${progressLine(staging(400, 6_000))}\n`,
      '[use cases] use cases · 1/2 · 0.0 s\n',
    ]);
    expect(written.join('')).not.toContain('\u001b');
  });

  it('on a terminal, redraws one live line per running task below the log lines, and drops a finished one', () => {
    const { display, written } = displayOn(true);
    display.show(staging(100, 1_000));
    display.show({ task: 'use cases', stage: 'use cases', done: 1, total: 2, elapsedMs: 10 });
    display.show(staging(200, 2_000));
    expect(display.liveLines()).toEqual([
      progressLine(staging(200, 2_000)),
      '[use cases] use cases · 1/2 · 0.0 s',
    ]);
    const before = written.length;
    display.print('loaded pricehubble 2024-01-15');
    // the live lines are erased, the log line written whole, then the live lines drawn again
    expect(written[before]).toContain('\u001b[2K');
    expect(written).toContain('loaded pricehubble 2024-01-15\n');
    expect(written.at(-1)).toContain(progressLine(staging(200, 2_000)));
    display.show({ task: 'pricehubble 2024-01-15', stage: 'done', elapsedMs: 0 });
    expect(display.liveLines()).toEqual(['[use cases] use cases · 1/2 · 0.0 s']);
    display.close();
    expect(display.liveLines()).toEqual([]);
  });
});
