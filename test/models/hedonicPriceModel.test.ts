import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { connectLake, type LakeConnection } from '../../src/adapters/lakeAdapters.ts';
import { fitLine, metricsFrom, shrunkEffect } from '../../src/domain/models/hedonicPriceModel.ts';
import { runHedonicModel } from '../../src/models/runHedonicModel.ts';
import { queryCatalog } from '../support/lakeQuery.ts';
import { listing, publishListings } from '../support/listingsLake.ts';

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

describe('the price model use case', () => {
  let root: string;
  let lake: LakeConnection;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'price-model-'));
    lake = connectLake(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const query = (sql: string) => queryCatalog(lake.catalog, sql);

  it('recovers an exact hedonic relation and predicts held-back offers without error', async () => {
    // price per m² = 9000 − 1000 · ln(area) in one municipality, for 60 apartments
    const rows = Array.from({ length: 60 }, (_, i) => {
      const area = 40 + i * 3;
      const ppsqm = 9000 - 1000 * Math.log(area);
      return listing(`o${i}`, 'Bern', ppsqm, { living_area: area, price: ppsqm * area });
    });
    await publishListings(lake, 'pricehubble', '2024-01-15', rows);
    const summary = await runHedonicModel(
      { runId: 'run-1', dt: '2024-01-15' },
      { ...lake, log: silentLogger, workDir: join(root, 'work') },
    );
    expect(summary.offers).toBe(60);
    const [model] = summary.models;
    expect(model?.propertyType).toBe('apartment');
    expect(model?.intercept).toBeCloseTo(9000, 6);
    expect(model?.slope).toBeCloseTo(-1000, 6);
    expect(model?.mae).toBeLessThan(1e-6);
    expect((model?.trainOffers ?? 0) + (model?.n ?? 0)).toBe(60);
    expect(model?.n).toBeGreaterThan(0); // some offers were held back

    const metrics = await query(
      'SELECT property_type, train_offers, test_offers, municipalities FROM price_model_metrics',
    );
    expect(metrics).toEqual([
      {
        property_type: 'apartment',
        train_offers: model?.trainOffers,
        test_offers: model?.n,
        municipalities: 1,
      },
    ]);
    const [worst] = await query(
      'SELECT max(abs(price_per_square_meter - predicted_price_per_square_meter)) AS error, count(*) AS n FROM price_model_predictions',
    );
    expect(worst?.n).toBe(60);
    expect(Number(worst?.error)).toBeLessThan(1e-6);
  });

  it('adds a shrunk municipality effect where a municipality prices above the line', async () => {
    // flat line at 5000, except Zug: 10 train offers at 6000 → effect = 10·1000 / (10 + 5)
    const rows = [
      ...Array.from({ length: 40 }, (_, i) => listing(`b${i}`, 'Bern', 5000)),
      ...Array.from({ length: 14 }, (_, i) => listing(`z${i}`, 'Zug', 6000)),
    ];
    await publishListings(lake, 'pricehubble', '2024-01-15', rows);
    const summary = await runHedonicModel(
      { runId: 'run-1', dt: '2024-01-15' },
      { ...lake, log: silentLogger, workDir: join(root, 'work') },
    );
    const [line] = summary.models;
    const trainZug = await query(
      "SELECT count(*) AS n FROM price_model_predictions WHERE municipality = 'Zug' AND split = 'train'",
    );
    const trainAll = (line?.trainOffers ?? 0) as number;
    const zugTrain = trainZug[0]?.n as number;
    // all areas are equal: the line is flat at the train mean
    const mean = (zugTrain * 6000 + (trainAll - zugTrain) * 5000) / trainAll;
    expect(line?.slope).toBe(0);
    expect(line?.intercept).toBeCloseTo(mean, 9);
    const [zug] = await query(
      "SELECT DISTINCT predicted_price_per_square_meter AS p FROM price_model_predictions WHERE municipality = 'Zug'",
    );
    expect(Number(zug?.p)).toBeCloseTo(mean + (zugTrain * (6000 - mean)) / (zugTrain + 5), 9);
  });

  it('fails clearly when the day has no published listings', async () => {
    await expect(
      runHedonicModel(
        { runId: 'run-1', dt: '2024-01-15' },
        { ...lake, log: silentLogger, workDir: join(root, 'work') },
      ),
    ).rejects.toMatchObject({
      name: 'NoListingsError',
      message: expect.stringContaining('load the day first'),
    });
  });
});
