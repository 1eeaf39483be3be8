import { reasonCodes } from '../../domain/cleaning/reasonCodes.ts';
import {
  metricDimensions,
  metricNames,
  metricUnits,
  rejectedForReasonMetric,
} from '../../domain/metrics/pipelineMetrics.ts';
import type { SourceRunFigures } from '../../domain/metrics/sourceRunFigures.ts';
import type { MetricsPublisher } from '../../ports/metrics.ts';

type Sink = (line: string) => void;

/**
 * A run's figures as CloudWatch embedded metric format records, one per source, each one JSON
 * line on stdout: CloudWatch Logs turns them into metrics, with no API call and no permission
 * beyond the log group's. Written to the stream, not through `console`, which the Lambda
 * runtime wraps in its own JSON when the function logs JSON, and CloudWatch would not find
 * the record. Carries no `level`: Lambda counts it as INFO, which every environment keeps.
 */
export class EmfMetricsPublisher implements MetricsPublisher {
  constructor(
    private readonly namespace: string,
    private readonly environment: string,
    private readonly sink: Sink = (line) => process.stdout.write(`${line}\n`),
    private readonly now: () => number = Date.now,
  ) {}

  publishRunFigures(figures: readonly SourceRunFigures[]): void {
    for (const source of figures) this.sink(JSON.stringify(this.record(source)));
  }

  private record(figures: SourceRunFigures): Record<string, unknown> {
    const values: [string, string, number][] = [
      [metricNames.recordsRead, metricUnits.RecordsRead, figures.recordsRead],
      [metricNames.recordsKept, metricUnits.RecordsKept, figures.recordsKept],
      [metricNames.recordsRejected, metricUnits.RecordsRejected, figures.recordsRejected],
      ...reasonCodes.map((reason): [string, string, number] => [
        rejectedForReasonMetric(reason),
        'Count',
        figures.rejectedByReason[reason] ?? 0,
      ]),
      [metricNames.loadDuration, metricUnits.LoadDuration, figures.loadDurationMs],
    ];
    // No share of nothing: a day without records must not look like a day without rejections.
    if (figures.rejectedShare !== null)
      values.push([metricNames.rejectedShare, metricUnits.RejectedShare, figures.rejectedShare]);
    return {
      _aws: {
        Timestamp: this.now(),
        CloudWatchMetrics: [
          {
            Namespace: this.namespace,
            Dimensions: [[...metricDimensions]],
            Metrics: values.map(([name, unit]) => ({ Name: name, Unit: unit })),
          },
        ],
      },
      environment: this.environment,
      source: figures.source,
      ...Object.fromEntries(values.map(([name, , value]) => [name, value])),
    };
  }
}
