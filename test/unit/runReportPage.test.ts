import { describe, expect, it } from 'vitest';
import {
  type RunReportData,
  readLoadPhases,
  readModelMetrics,
  readVolumes,
  windowStart,
} from '../../src/domain/report/runReportData.ts';
import { renderRunReportPage, reportCharts } from '../../src/domain/report/runReportPage.ts';

const data: RunReportData = {
  date: '2024-01-15',
  since: '2024-01-14',
  lake: '/lakes/<main>',
  generatedAt: '2024-01-15T07:00:00.000Z',
  volumes: [
    {
      source: 'a',
      dt: '2024-01-14',
      status: 'loaded',
      read: 10,
      kept: 8,
      rejected: 2,
      rejectedShare: 0.2,
      qualityLimit: 0.5,
    },
    {
      source: 'a',
      dt: '2024-01-15',
      status: 'loaded',
      read: 20,
      kept: 15,
      rejected: 5,
      rejectedShare: 0.25,
      qualityLimit: 0.3,
    },
    {
      source: 'b',
      dt: '2024-01-15',
      status: 'failed',
      read: null,
      kept: null,
      rejected: null,
      rejectedShare: null,
      qualityLimit: 0.5,
    },
  ],
  rejectsByReason: [{ reason: 'missing_field', records: 5 }],
  pricePerSquareMeter: [
    {
      municipality: '</script><script>alert(1)</script>',
      currency: 'CHF',
      offers: 3,
      meanPricePerSquareMeter: 7000,
    },
    { municipality: 'Bern', currency: 'EUR', offers: 2, meanPricePerSquareMeter: 6000 },
  ],
  modelMetrics: [],
  loadPhases: [{ source: 'a', durationMs: 1500, phasesMs: { stage: 500, check: 1000 } }],
};

const chart = (id: string) => {
  const found = reportCharts(data).find((c) => c.id === id);
  if (!found) throw new Error(`no chart ${id}`);
  return found;
};
type Datasets = { label: string; data: (number | null)[]; stack?: string }[];
const datasetsOf = (id: string): Datasets => {
  const config = chart(id).config;
  if (config === null) throw new Error(`chart ${id} has nothing to draw`);
  return (config.data as { datasets: Datasets }).datasets;
};

describe('the run report page', () => {
  it('stacks kept and rejected per source and day; a day a source did not load has no bar', () => {
    expect(datasetsOf('volumes').map((d) => [d.label, d.stack, d.data])).toEqual([
      ['a kept', 'a', [8, 15]],
      ['a rejected', 'a', [2, 5]],
      ['b kept', 'b', [null, null]],
      ['b rejected', 'b', [null, null]],
    ]);
  });

  it('draws the rejected share and the limit that applied, in percent', () => {
    expect(datasetsOf('quality').map((d) => [d.label, d.data])).toEqual([
      ['a rejected %', [20, 25]],
      ['a limit %', [50, 30]],
      ['b rejected %', [null, null]],
      ['b limit %', [null, 50]],
    ]);
  });

  it('puts each currency in a series of its own, never one bar of mixed prices', () => {
    expect(datasetsOf('prices').map((d) => [d.label, d.data])).toEqual([
      ['CHF', [7000, null]],
      ['EUR', [null, 6000]],
    ]);
  });

  it('shows load phases in seconds', () => {
    expect(datasetsOf('phases').map((d) => [d.label, d.data])).toEqual([
      ['stage', [0.5]],
      ['check', [1]],
    ]);
  });

  it('says why a chart is missing instead of drawing it empty', () => {
    expect(chart('model')).toMatchObject({
      config: null,
      empty: 'The price model has no metrics for 2024-01-15.',
    });
    const page = renderRunReportPage(data, '/* chart library */');
    expect(page).toContain('<figure id="model" data-empty="true">');
    expect(page).toContain('<canvas data-chart="volumes">');
  });

  it('cannot be broken out of by a value: text is escaped, data cannot close its script element', () => {
    const page = renderRunReportPage(data, 'var library = "</script>";');
    // the library's own closing tag is neutralised, and the hostile name appears only escaped
    expect(page.match(/<\/script>/g)).toHaveLength(3);
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('\\u003c/script>\\u003cscript>alert(1)\\u003c/script>');
    expect(page).toContain('Lake: /lakes/&#60;main&#62;');
  });

  it('totals the day in its header from the loaded sources', () => {
    expect(renderRunReportPage(data, '')).toContain('On 2024-01-15: 20 records read, 15 kept, 5 rejected.');
  });
});

describe('the run report data', () => {
  it('counts a window of days back from the date, across month ends and leap days', () => {
    expect(windowStart('2024-01-15', 1)).toBe('2024-01-15');
    expect(windowStart('2024-03-01', 7)).toBe('2024-02-24');
    expect(windowStart('2024-03-01', 30)).toBe('2024-02-01');
    expect(windowStart('2023-03-01', 30)).toBe('2023-01-31');
  });

  it('reads what each engine answers: numbers as numbers, bigints and decimal text too', () => {
    expect(
      readVolumes([
        {
          source: 'a',
          dt: '2024-01-15',
          status: 'loaded',
          records_read: 10n,
          records_kept: '8',
          records_rejected: 2,
          rejected_share: '0.2',
          quality_limit: null,
        },
      ]),
    ).toEqual([
      {
        source: 'a',
        dt: '2024-01-15',
        status: 'loaded',
        read: 10,
        kept: 8,
        rejected: 2,
        rejectedShare: 0.2,
        qualityLimit: null,
      },
    ]);
    expect(
      readModelMetrics([
        { currency: 'CHF', property_type: 'house', test_offers: 4n, mae: 1, rmse: 2, mape: 0.1, r2: null },
      ]),
    ).toEqual([
      { currency: 'CHF', propertyType: 'house', testOffers: 4, mae: 1, rmse: 2, mape: 0.1, r2: null },
    ]);
  });

  it('refuses a row or manifest it does not understand, by field', () => {
    expect(() => readVolumes([{ source: 'a' }])).toThrow(/dt/);
    expect(() => readLoadPhases({ source: 'a', durationMs: 'soon', phasesMs: {} })).toThrow(/durationMs/);
  });
});
