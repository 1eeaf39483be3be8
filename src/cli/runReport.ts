import type { Logger } from '../ports/logger.ts';
import { rerunCommand } from './rerunCommand.ts';
import type { ValidatedRun } from './runOptions.ts';
import type { RunSummary } from './runSummary.ts';

/** The run's outcome for people (stderr): counts on success; error and re-run command on failure. */
export function reportRun(summary: RunSummary, run: ValidatedRun, log: Logger): void {
  const { totals } = summary;
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
  log.error(`Run ${summary.runId ?? ''} failed${summary.error?.state ? ` in ${summary.error.state}` : ''}.`);
  log.error(`${summary.error?.name}: ${summary.error?.message}`);
  log.info(`Re-run with: ${rerunCommand(summary, run)}`);
}
