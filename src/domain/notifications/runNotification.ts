import { qualityNotesOf } from '../quality/qualityNotes.ts';
import { errorNameOf, type FailureReport, failureMessageOf } from '../run/failureReport.ts';
import type { PartitionOutcome, RunOutcome } from '../run/runOutcome.ts';
import type { Notification } from './notification.ts';
import { consoleLink } from './notifications.ts';

/**
 * The one message of a finished execution: a success, or which partitions and use cases
 * failed — each with its error, what the task said, the link to its logs — and the command
 * that re-runs only those. One incident, one message: the execution's own failure (the Fail
 * state after this) raises no second one.
 */

export interface RunNotificationContext {
  readonly region: string;
  /** The command that re-drives this execution's failed part. */
  readonly redriveCommand: string;
  /** The run's HTML report, when Summarize could write one. */
  readonly reportPage?: string | undefined;
}

/** Failures told in full (message, task, logs); the rest get a line each, then a count. */
const detailedFailures = 10;
const listedFailures = 100;
/** Partition lines of a success message; a longer range is told per source. */
const listedPartitions = 31;

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n');
}

function itemName(report: FailureReport): string {
  return 'source' in report.item
    ? `${report.item.source} ${report.item.dt}`
    : `${report.item.useCase} ${report.item.dt}`;
}

function failureBlock(report: FailureReport): string {
  const lines = [
    `  ${itemName(report)}: ${errorNameOf(report)}${report.task ? ` (${report.task.category})` : ''}`,
    indent(failureMessageOf(report), '      '),
  ];
  const stop = report.stop;
  if (stop) {
    const exit = stop.exitCode === null ? '' : `exit code ${stop.exitCode}`;
    const said = [exit, stop.stoppedReason ?? ''].filter((x) => x !== '').join(', ');
    if (said) lines.push(`      Task: ${said}`);
    if (stop.logs) lines.push(`      Logs: ${stop.logs.link}`);
  }
  return lines.join('\n');
}

function partitionLine(p: PartitionOutcome): string {
  if (p.outcome !== 'loaded') return `  ${p.source} ${p.dt}: ${p.outcome}${p.error ? ` (${p.error})` : ''}`;
  const reasons = Object.entries(p.rejectedByReason ?? {})
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  return (
    `  ${p.source} ${p.dt}: read ${p.read}, kept ${p.kept}, rejected ${p.rejected}` +
    `${reasons ? ` (${reasons})` : ''}, ${((p.durationMs ?? 0) / 1000).toFixed(1)} s`
  );
}

function partitionLines(partitions: readonly PartitionOutcome[]): string[] {
  if (partitions.length <= listedPartitions) return partitions.map(partitionLine);
  const bySource = new Map<string, PartitionOutcome[]>();
  for (const p of partitions) bySource.set(p.source, [...(bySource.get(p.source) ?? []), p]);
  return [...bySource].map(([source, days]) => {
    const loaded = days.filter((d) => d.outcome === 'loaded');
    return (
      `  ${source} ${days[0]?.dt} to ${days.at(-1)?.dt}: ${loaded.length} of ${days.length} days loaded, ` +
      `read ${loaded.reduce((s, d) => s + (d.read ?? 0), 0)}, kept ${loaded.reduce((s, d) => s + (d.kept ?? 0), 0)}`
    );
  });
}

/** Up to `listedPartitions` lines, then how many more there are. */
function capped(lines: readonly string[]): string[] {
  if (lines.length <= listedPartitions) return [...lines];
  return [
    ...lines.slice(0, listedPartitions),
    `  … and ${lines.length - listedPartitions} more (see the report)`,
  ];
}

/** The error that failed most items, for the subject and the `error` attribute. */
function leadingError(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const [first] = [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const others = counts.size - 1;
  return `${first?.[0] ?? 'UnknownFailure'}${others > 0 ? ` and ${others} other error${others > 1 ? 's' : ''}` : ''}`;
}

export function runNotification(
  outcome: RunOutcome,
  failures: readonly FailureReport[],
  context: RunNotificationContext,
): Notification {
  const count = <T extends { outcome: string }>(items: readonly T[], value: string): number =>
    items.filter((i) => i.outcome === value).length;
  const p = outcome.partitions;
  const u = outcome.useCases;
  const failedItems = [
    ...p.filter((x) => x.outcome === 'failed' || x.outcome === 'not-run'),
    ...u.filter((x) => x.outcome === 'failed'),
  ];
  const errorNames = failedItems.map((x) => x.error ?? 'NotRun');
  const sources = [...new Set(p.map((x) => x.source))];
  const headline =
    `Run ${outcome.runId} in ${outcome.environment}: ${count(p, 'loaded')} of ${p.length} partitions loaded` +
    `${count(p, 'failed') > 0 ? `, ${count(p, 'failed')} failed` : ''}` +
    `${count(p, 'skipped') > 0 ? `, ${count(p, 'skipped')} skipped` : ''}` +
    `${count(p, 'not-run') > 0 ? `, ${count(p, 'not-run')} not run` : ''}; ` +
    `${count(u, 'ran')} of ${u.length} use-case days ran` +
    `${count(u, 'failed') > 0 ? `, ${count(u, 'failed')} failed` : ''}` +
    `${count(u, 'skipped') > 0 ? `, ${count(u, 'skipped')} skipped (a source of the day did not load)` : ''}.`;
  const lines = [
    headline,
    `Read ${outcome.totals.read}, kept ${outcome.totals.kept}, rejected ${outcome.totals.rejected}.`,
  ];
  if (context.reportPage !== undefined) lines.push(`Report with charts: ${context.reportPage}`);
  const quality = qualityNotesOf(p.filter((x) => x.outcome === 'loaded'));
  if (quality.warnings.length > 0) {
    lines.push(
      '',
      "WARNING: published with more rejected records than the source's warn level:",
      ...capped(quality.warnings.map((w) => `  ${w}`)),
    );
  }
  if (quality.runLimits.length > 0) {
    lines.push(
      '',
      "Data-quality limit set by this run instead of the source's contract:",
      ...capped(quality.runLimits.map((n) => `  ${n}`)),
    );
  }
  if (failedItems.length > 0) {
    lines.push('', 'Failed:');
    const detailed = failures.slice(0, detailedFailures);
    lines.push(...detailed.map(failureBlock));
    const reported = new Set(detailed.map(itemName));
    const rest = failedItems
      .map((x) => ({ name: `${'source' in x ? x.source : x.useCase} ${x.dt}`, error: x.error ?? 'NotRun' }))
      .filter((x) => !reported.has(x.name));
    lines.push(...rest.slice(0, listedFailures).map((x) => `  ${x.name}: ${x.error}`));
    if (rest.length > listedFailures)
      lines.push(`  … and ${rest.length - listedFailures} more (see the report)`);
    lines.push(
      '',
      'The other days were published. To re-run only what failed, once its cause is fixed:',
      `  ${context.redriveCommand}`,
    );
  }
  lines.push(
    '',
    'Partitions:',
    ...partitionLines(p),
    '',
    `Execution: ${consoleLink(outcome.executionId, context.region)}`,
  );
  const status = failedItems.length > 0 ? 'FAILED' : 'SUCCEEDED';
  const [firstWarning, ...otherWarnings] = quality.warnings;
  const subject =
    status === 'SUCCEEDED'
      ? firstWarning !== undefined
        ? `[${outcome.environment}] listings run ${outcome.runId} succeeded with WARNING: ${firstWarning}` +
          `${otherWarnings.length > 0 ? ` (+${otherWarnings.length} more)` : ''}`
        : `[${outcome.environment}] listings run ${outcome.runId} succeeded: ${count(p, 'loaded')} partition(s) loaded`
      : `[${outcome.environment}] listings run ${outcome.runId}: ${failedItems.length} of ${p.length + u.length} ` +
        `failed: ${leadingError(errorNames)}`;
  return {
    subject,
    message: lines.join('\n'),
    attributes: {
      environment: outcome.environment,
      status,
      ...(status === 'FAILED' ? { error: leadingError(errorNames).split(' ')[0] as string } : {}),
      ...(sources.length > 0 ? { source: sources.join(',') } : {}),
    },
  };
}
