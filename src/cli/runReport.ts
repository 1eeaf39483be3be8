import type { Logger } from '../ports/logger.ts';
import { rerunCommand } from './rerunCommand.ts';
import type { ValidatedRun } from './runOptions.ts';
import type { RunSummary } from './runSummary.ts';

/** The run's outcome for people (stderr): counts on success; error and re-run command on failure. */
export function reportRun(summary: RunSummary, run: ValidatedRun, log: Logger): void {
  const { totals } = summary;
  for (const note of summary.quality.runLimits) log.info(`Data quality: ${note}`);
  for (const warning of summary.quality.warnings) log.warn(`WARNING: data quality: ${warning}`);
  if (summary.status === 'SUCCEEDED') {
    log.info(
      `Done in ${(summary.durationMs / 1000).toFixed(1)} s: read ${totals.read}, kept ${totals.kept}, rejected ${totals.rejected}` +
        (totals.rejected > 0
          ? ` (${Object.entries(totals.rejectedByReason)
              .map(([r, n]) => `${r} ${n}`)
              .join(', ')})`
          : ''),
    );
    return;
  }
  const failedDays = [
    ...summary.outcomes.partitions.filter((p) => p.outcome === 'failed' || p.outcome === 'not-run'),
    ...summary.outcomes.useCases.filter((u) => u.outcome === 'failed'),
  ];
  if (failedDays.length > 0) {
    const loaded = summary.outcomes.partitions.filter((p) => p.outcome === 'loaded').length;
    log.error(
      `Run ${summary.runId ?? ''}: ${failedDays.length} failed; ${loaded} of ${summary.outcomes.partitions.length} partitions loaded and published.`,
    );
    for (const item of failedDays.slice(0, 20)) {
      const name = 'source' in item ? item.source : item.useCase;
      log.error(
        `  ${name} ${item.dt}: ${item.error ?? item.outcome}${item.message ? `: ${item.message}` : ''}`,
      );
    }
    if (failedDays.length > 20)
      log.error(`  … and ${failedDays.length - 20} more (etl runs --lake ${summary.lake})`);
    if (summary.redriveCommand) log.info(`Once fixed, re-run only what failed: ${summary.redriveCommand}`);
    log.info(`Or re-run every day of it with: ${rerunCommand(summary, run)}`);
    return;
  }
  log.error(`Run ${summary.runId ?? ''} failed${summary.error?.state ? ` in ${summary.error.state}` : ''}.`);
  log.error(`${summary.error?.name}: ${summary.error?.message}`);
  log.info(`Re-run with: ${rerunCommand(summary, run)}`);
}
