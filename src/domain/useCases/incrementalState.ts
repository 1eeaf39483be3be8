/**
 * Where an incremental use case (one whose SQL goes on from its own table's latest partition
 * before the run date) stands for a run date, from the dates its table and its input have
 * partitions for. The days have to run in order; this names the days a run out of order left
 * behind, so that a person (or a backfill) can re-run them in order.
 */
export interface IncrementalPosition {
  /** The state partition the run goes on from; undefined: none before the run date, an empty state. */
  readonly previousDate: string | undefined;
  /**
   * Days after the run date that already have a state partition: each went on from a state
   * this run replaces, so each is stale until it is re-run, in order, after this one.
   */
  readonly staleLaterDays: readonly string[];
  /**
   * Days between the previous state and the run date that have input but no state partition
   * (a day whose use case failed or never ran): their offers are not in the state this run
   * goes on from. Re-run them in order, then this day. A day without input is no gap: there
   * was nothing to see.
   */
  readonly skippedDays: readonly string[];
}

export function incrementalPosition(
  runDate: string,
  stateDates: readonly string[],
  inputDates: readonly string[],
): IncrementalPosition {
  const earlier = [...new Set(stateDates)].filter((d) => d < runDate).sort();
  const previousDate = earlier.at(-1);
  const stateSet = new Set(stateDates);
  const skippedDays = [...new Set(inputDates)]
    .filter((d) => d < runDate && (previousDate === undefined || d > previousDate) && !stateSet.has(d))
    .sort();
  const staleLaterDays = [...stateSet].filter((d) => d > runDate).sort();
  return { previousDate, staleLaterDays, skippedDays };
}
