import { PipelineError } from '../errors/pipelineError.ts';
/**
 * A hedonic price model of price per m²: per currency and property type, a line in the logarithm of the
 * living area, plus a municipality effect where the municipality has data. The effect is the
 * municipality's mean residual shrunk towards zero by `shrinkage` pseudo-offers, so a
 * municipality with two offers moves the estimate a little and one with two hundred moves it
 * almost fully ("where data allows").
 *
 *   ppsqm ≈ intercept[type] + slope[type] · ln(living_area) + effect[type, municipality]
 *
 * Fitting needs only sums (computed by SQL over any number of rows); this module does the
 * arithmetic on them.
 */

/** Sums of a simple regression of y on x over n observations. */
export interface RegressionSums {
  readonly n: number;
  readonly sumX: number;
  readonly sumY: number;
  readonly sumXX: number;
  readonly sumXY: number;
}

export interface LineFit {
  readonly intercept: number;
  readonly slope: number;
}

/** Pseudo-offers that pull a municipality's effect towards zero. */
export const municipalityShrinkage = 5;

/** Share of offers held back for evaluation, chosen by a hash of the id (stable across runs). */
export const holdoutBuckets = 5;

export class NotEnoughDataError extends PipelineError {
  override readonly name = 'NotEnoughDataError';
}

/** Ordinary least squares from sums; with no spread in x the best line is flat at the mean. */
export function fitLine(sums: RegressionSums): LineFit {
  if (sums.n === 0) throw new NotEnoughDataError('Cannot fit a line to no observations.');
  const meanX = sums.sumX / sums.n;
  const meanY = sums.sumY / sums.n;
  const varianceX = sums.sumXX / sums.n - meanX * meanX;
  if (varianceX <= 1e-12 * Math.max(1, meanX * meanX)) return { intercept: meanY, slope: 0 };
  const covariance = sums.sumXY / sums.n - meanX * meanY;
  const slope = covariance / varianceX;
  return { intercept: meanY - slope * meanX, slope };
}

/** A municipality's effect from its residuals: their sum over (count + shrinkage). */
export function shrunkEffect(residualSum: number, count: number, shrinkage = municipalityShrinkage): number {
  return residualSum / (count + shrinkage);
}

export interface ErrorSums {
  readonly n: number;
  readonly sumAbsError: number;
  readonly sumSquaredError: number;
  readonly sumAbsPercentError: number;
  readonly sumActual: number;
  readonly sumActualSquared: number;
}

export interface ModelMetrics {
  readonly n: number;
  readonly mae: number;
  readonly rmse: number;
  /** Mean absolute percentage error, as a fraction. */
  readonly mape: number;
  /** 1 − SS_res / SS_tot on the held-back offers; null when they have no spread. */
  readonly r2: number | null;
}

export function metricsFrom(sums: ErrorSums): ModelMetrics {
  if (sums.n === 0) return { n: 0, mae: Number.NaN, rmse: Number.NaN, mape: Number.NaN, r2: null };
  const meanActual = sums.sumActual / sums.n;
  const totalSquares = sums.sumActualSquared - sums.n * meanActual * meanActual;
  return {
    n: sums.n,
    mae: sums.sumAbsError / sums.n,
    rmse: Math.sqrt(sums.sumSquaredError / sums.n),
    mape: sums.sumAbsPercentError / sums.n,
    r2: totalSquares > 1e-9 ? 1 - sums.sumSquaredError / totalSquares : null,
  };
}
