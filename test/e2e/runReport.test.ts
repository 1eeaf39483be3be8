import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etl, repositoryRoot } from '../support/cli.ts';
import { sampleFiles } from '../support/sampleOracle.ts';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it); CHROMIUM_PATH overrides. */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots people can look at after a run (CI keeps the folder as an artifact). */
const artifacts = join(repositoryRoot, 'test-artifacts');

interface FigureState {
  id: string;
  rendered: boolean;
  empty: boolean;
  /** Pixels of the canvas that are not transparent: a chart that drew nothing has none. */
  paintedPixels: number;
  /** Data points of the chart's datasets that hold a value. */
  points: number;
}

/**
 * Runs in the page (plain JavaScript: the browser's types are not the test's): each figure's
 * state, the canvas pixels that were painted and the chart's data points.
 */
const figureProbe = `[...document.querySelectorAll('figure')].map((figure) => {
  const canvas = figure.querySelector('canvas');
  let paintedPixels = 0;
  let points = 0;
  if (canvas) {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) paintedPixels++;
    for (const dataset of Chart.getChart(canvas)?.data.datasets ?? []) {
      points += dataset.data.filter((v) => v !== null).length;
    }
  }
  return {
    id: figure.id,
    rendered: figure.dataset.rendered === 'true',
    empty: figure.dataset.empty === 'true',
    paintedPixels,
    points,
  };
})`;

describe('etl report: one self-contained page whose charts render in a browser', () => {
  let scratch: string;
  let lake: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(
        `No browser at ${chromiumPath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`,
      );
    }
    scratch = await mkdtemp(join(tmpdir(), 'run-report-'));
    lake = join(scratch, 'lake');
    // two days, so that the volume and quality charts have a series, not a point
    for (const [file, date] of [
      [sampleFiles[0], '2024-01-14'],
      [sampleFiles[1], '2024-01-15'],
    ] as const) {
      const run = await etl(['run', '--input', file as string, '--date', date, '--lake', lake]);
      expect(run.code, run.stderr).toBe(0);
    }
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-background-networking'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function openReport(path: string, screenshot: string) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(path).href);
    const figures = (await page.evaluate(figureProbe)) as FigureState[];
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, screenshot), fullPage: true });
    await page.close();
    return { figures, requests, errors };
  }

  it('draws every chart of a day with data, from the page alone', async () => {
    const out = join(scratch, 'report.html');
    const report = await etl(['report', '--lake', lake, '--out', out]);
    expect(report.code, report.stderr).toBe(0);
    // the newest day of the ledger is the default
    expect(report.stderr + report.stdout).toContain(
      `Report for 2024-01-15 (2023-12-17 to 2024-01-15) written to ${out}`,
    );
    const html = await readFile(out, 'utf8');
    // nothing is fetched at view time: no script, style or image comes from elsewhere
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);

    const { figures, requests, errors } = await openReport(out, 'run-report.png');
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(out).href]);
    expect(figures.map((f) => f.id)).toEqual(['volumes', 'quality', 'reasons', 'prices', 'model', 'phases']);
    for (const figure of figures) {
      expect(figure, figure.id).toMatchObject({ rendered: true, empty: false });
      expect(figure.points, figure.id).toBeGreaterThan(0);
      expect(figure.paintedPixels, figure.id).toBeGreaterThan(1000);
    }
    // two days of one source: kept and rejected for each
    expect(figures.find((f) => f.id === 'volumes')?.points).toBe(4);
  }, 60_000);

  it("is filed by every run's Summarize in the lake's results zone, and opens the same way", async () => {
    const pages = join(lake, 'results', 'run_reports');
    const runs = await readdir(pages);
    expect(runs).toHaveLength(2);
    const [newest] = runs.sort().reverse();
    const [file] = await readdir(join(pages, newest as string));
    const { figures, errors } = await openReport(
      join(pages, newest as string, file as string),
      'run-report-summarize.png',
    );
    expect(errors).toEqual([]);
    // Summarize comes after the use cases: the model's metrics are there too
    expect(figures.filter((f) => f.rendered).map((f) => f.id)).toEqual([
      'volumes',
      'quality',
      'reasons',
      'prices',
      'model',
      'phases',
    ]);
  }, 60_000);

  it('says what is missing instead of drawing an empty chart, for a day with no run', async () => {
    const out = join(scratch, 'no-run.html');
    const report = await etl(['report', '--lake', lake, '--date', '2024-03-01', '--days', '7', '--out', out]);
    expect(report.code, report.stderr).toBe(0);
    const { figures, errors } = await openReport(out, 'run-report-no-run.png');
    expect(errors).toEqual([]);
    expect(figures.every((f) => f.empty && !f.rendered)).toBe(true);
    expect(await readFile(out, 'utf8')).toContain(
      'The run ledger (pipeline_runs) has no day from 2024-02-24 to 2024-03-01.',
    );
  }, 60_000);

  it('refuses a date that is not a day, and a lake with no run, with what to do', async () => {
    const badDate = await etl(['report', '--lake', lake, '--date', '2024-02-30']);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('--date takes a day as YYYY-MM-DD, e.g. --date 2024-01-15.');
    const empty = join(scratch, 'empty-lake');
    const noRun = await etl(['report', '--lake', empty]);
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toContain(
      'has no run in its ledger (pipeline_runs) yet: run `etl run` first, or give --date.',
    );
  });
});
