import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { runPriceModel } from '../../src/jobs/priceModel/runPriceModel.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { queryCatalog } from '../support/lakeQuery.ts';
import { listing, publishListings } from '../support/listingsLake.ts';

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

  const query = (sql: string) => queryCatalog(lake, sql);

  it('recovers an exact hedonic relation and predicts held-back offers without error', async () => {
    // price per m² = 9000 − 1000 · ln(area) in one municipality, for 60 apartments
    const rows = Array.from({ length: 60 }, (_, i) => {
      const area = 40 + i * 3;
      const ppsqm = 9000 - 1000 * Math.log(area);
      return listing(`o${i}`, 'Bern', ppsqm, { living_area: area, price: ppsqm * area });
    });
    await publishListings(lake, 'pricehubble', '2024-01-15', rows);
    const summary = await runPriceModel(
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
    const summary = await runPriceModel(
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

  it('fits one model per currency: prices in two currencies never share a line', async () => {
    // CHF: 9000 − 1000 · ln(area); EUR: 3000 − 200 · ln(area); same municipality, same areas
    const rows = ['CHF', 'EUR'].flatMap((currency) =>
      Array.from({ length: 60 }, (_, i) => {
        const area = 40 + i * 3;
        const ppsqm = currency === 'CHF' ? 9000 - 1000 * Math.log(area) : 3000 - 200 * Math.log(area);
        return listing(`${currency}${i}`, 'Basel', ppsqm, {
          living_area: area,
          price: ppsqm * area,
          currency,
        });
      }),
    );
    await publishListings(lake, 'pricehubble', '2024-01-15', rows);
    const summary = await runPriceModel(
      { runId: 'run-1', dt: '2024-01-15' },
      { ...lake, log: silentLogger, workDir: join(root, 'work') },
    );
    expect(summary.models.map((m) => [m.currency, m.propertyType])).toEqual([
      ['CHF', 'apartment'],
      ['EUR', 'apartment'],
    ]);
    const [chf, eur] = summary.models;
    expect(chf?.intercept).toBeCloseTo(9000, 6);
    expect(chf?.slope).toBeCloseTo(-1000, 6);
    expect(eur?.intercept).toBeCloseTo(3000, 6);
    expect(eur?.slope).toBeCloseTo(-200, 6);
    expect(await query('SELECT currency, property_type FROM price_model_metrics ORDER BY currency')).toEqual([
      { currency: 'CHF', property_type: 'apartment' },
      { currency: 'EUR', property_type: 'apartment' },
    ]);
    const errors = await query(`SELECT currency, count(*) AS n,
        max(abs(price_per_square_meter - predicted_price_per_square_meter)) AS error
      FROM price_model_predictions GROUP BY currency ORDER BY currency`);
    expect(errors.map((e) => [e.currency, e.n])).toEqual([
      ['CHF', 60],
      ['EUR', 60],
    ]);
    for (const e of errors) expect(Number(e.error)).toBeLessThan(1e-6);
  });

  it('models listings written before the currency column as of unknown currency', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => listing(`o${i}`, 'Bern', 5000));
    await publishListings(lake, 'pricehubble', '2024-01-15', rows, { without: ['currency'] });
    const summary = await runPriceModel(
      { runId: 'run-1', dt: '2024-01-15' },
      { ...lake, log: silentLogger, workDir: join(root, 'work') },
    );
    expect(summary.models.map((m) => [m.currency, m.propertyType, m.intercept])).toEqual([
      ['unknown', 'apartment', 5000],
    ]);
    expect(await query('SELECT DISTINCT currency FROM price_model_predictions')).toEqual([
      { currency: 'unknown' },
    ]);
  });

  it('fails clearly when the day has no published listings', async () => {
    await expect(
      runPriceModel(
        { runId: 'run-1', dt: '2024-01-15' },
        { ...lake, log: silentLogger, workDir: join(root, 'work') },
      ),
    ).rejects.toMatchObject({
      name: 'NoListingsError',
      message: expect.stringContaining('load the day first'),
    });
  });
});
