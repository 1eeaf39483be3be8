import { describe, expect, it } from 'vitest';
import { fitLine, metricsFrom, shrunkEffect } from '../../src/domain/useCases/hedonicPriceModel.ts';

describe('hedonic price model arithmetic', () => {
  it('fits the least-squares line from sums', () => {
    // points (1, 3), (2, 5), (3, 7): y = 1 + 2x
    expect(fitLine({ n: 3, sumX: 6, sumY: 15, sumXX: 14, sumXY: 34 })).toEqual({ intercept: 1, slope: 2 });
    // (0, 1), (1, 1), (2, 4): slope 1.5, intercept 0.5 (hand-computed: x̄ = 1, ȳ = 2, Sxy = 3, Sxx = 2)
    const fit = fitLine({ n: 3, sumX: 3, sumY: 6, sumXX: 5, sumXY: 9 });
    expect(fit.slope).toBeCloseTo(1.5, 12);
    expect(fit.intercept).toBeCloseTo(0.5, 12);
  });

  it('falls back to the mean when every area is the same', () => {
    expect(fitLine({ n: 2, sumX: 4, sumY: 10, sumXX: 8, sumXY: 20 })).toEqual({ intercept: 5, slope: 0 });
    expect(() => fitLine({ n: 0, sumX: 0, sumY: 0, sumXX: 0, sumXY: 0 })).toThrow('no observations');
  });

  it('shrinks a municipality effect by its number of offers', () => {
    expect(shrunkEffect(100, 5, 5)).toBe(10); // 5 offers, 20 above the line each → 100 / 10
    expect(shrunkEffect(2000, 195, 5)).toBe(10); // many offers: close to the raw mean of ~10.26
  });

  it('computes MAE, RMSE, MAPE and R² from error sums', () => {
    // actual 100, 200, 300; predicted 110, 190, 330 → errors 10, 10, 30
    const metrics = metricsFrom({
      n: 3,
      sumAbsError: 50,
      sumSquaredError: 1100,
      sumAbsPercentError: 0.1 + 0.05 + 0.1,
      sumActual: 600,
      sumActualSquared: 140000,
    });
    expect(metrics.mae).toBeCloseTo(50 / 3, 12);
    expect(metrics.rmse).toBeCloseTo(Math.sqrt(1100 / 3), 12);
    expect(metrics.mape).toBeCloseTo(0.25 / 3, 12);
    expect(metrics.r2).toBeCloseTo(1 - 1100 / 20000, 12); // SS_tot = 140000 − 3·200² = 20000
  });
});
