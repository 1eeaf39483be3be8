import type { SourceRunFigures } from '../domain/metrics/sourceRunFigures.ts';

/** Where a run's figures go: CloudWatch (embedded metric format) in Lambda, nowhere locally. */
export interface MetricsPublisher {
  publishRunFigures(figures: readonly SourceRunFigures[]): void;
}
