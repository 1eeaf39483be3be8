import { type ReasonCode, reasonCodes } from '../cleaning/reasonCodes.ts';

/**
 * The one definition of the pipeline's CloudWatch metrics: the names Summarize publishes and
 * the alarms of the stack watch, their units, and their dimensions. Dimension values are the
 * environment and a registered source: a handful of series, whatever the runs do.
 */
export const metricDimensions = ['environment', 'source'] as const;
export type MetricDimension = (typeof metricDimensions)[number];

export const metricNames = {
  recordsRead: 'RecordsRead',
  recordsKept: 'RecordsKept',
  recordsRejected: 'RecordsRejected',
  rejectedShare: 'RejectedShare',
  loadDuration: 'LoadDuration',
} as const;

/** CloudWatch's units for the metrics (EMF and alarms must agree, or the alarm sees nothing). */
export const metricUnits = {
  RecordsRead: 'Count',
  RecordsKept: 'Count',
  RecordsRejected: 'Count',
  RejectedShare: 'None',
  LoadDuration: 'Milliseconds',
} as const satisfies Record<(typeof metricNames)[keyof typeof metricNames], string>;

/** Records rejected for one reason: one metric per reason code, a fixed set. */
export function rejectedForReasonMetric(reason: ReasonCode): string {
  return `RecordsRejected_${reason}`;
}

export const rejectedForReasonMetrics: readonly string[] = reasonCodes.map(rejectedForReasonMetric);
