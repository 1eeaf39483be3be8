import type { MetricsPublisher } from '../../ports/metrics.ts';

/**
 * A local run has no CloudWatch: its figures are in the run summary and report already, and
 * an embedded-metric record on stdout would only be noise in front of `--json`.
 */
export const unpublishedMetrics: MetricsPublisher = { publishRunFigures: () => {} };
