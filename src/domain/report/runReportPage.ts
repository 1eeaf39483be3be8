import type { RunReportData } from './runReportData.ts';

/**
 * The run report as one self-contained HTML page: the data, the chart library and the styles
 * are inlined, so the page opens from a mail attachment or an S3 download with no network.
 * Charts are Chart.js configurations built here from the data; the page's only script draws
 * them (without animation, so that a chart is complete as soon as the page has loaded) and
 * marks each figure `data-rendered` once its chart exists.
 */

/** Chart.js's self-contained build, the file the page inlines (shipped beside the Summarize bundle). */
export const chartLibraryFileName = 'chart.umd.min.js';

/** A chart of the page: its id, title, what it shows, and its Chart.js configuration (plain JSON). */
export interface ReportChart {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  /** null: nothing to draw (the page says why instead). */
  readonly config: Record<string, unknown> | null;
  readonly empty: string;
}

const palette = ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b83280', '#2c7a7b', '#975a16', '#4a5568'];
const colorOf = (index: number): string => palette[index % palette.length] as string;
const lighter = (color: string): string => `${color}66`;

/** A category axis that names every bar (Chart.js skips labels it thinks crowded). */
const everyLabel = { ticks: { autoSkip: false } };

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** The days and sources of the ledger's window, sorted, and the row of one source's day. */
function volumeGrid(data: RunReportData) {
  return {
    days: unique(data.volumes.map((v) => v.dt)).sort(),
    sources: unique(data.volumes.map((v) => v.source)).sort(),
    dayOf: (source: string, dt: string) => data.volumes.find((v) => v.source === source && v.dt === dt),
  };
}

function volumesChart(data: RunReportData): ReportChart {
  const { days, sources, dayOf } = volumeGrid(data);
  const recordsOf = (source: string, dt: string, field: 'kept' | 'rejected'): number | null =>
    dayOf(source, dt)?.[field] ?? null;
  return {
    id: 'volumes',
    title: 'Records per day and source',
    caption: `Kept and rejected records from ${data.since} to ${data.date}, stacked per source (the newest execution of each day).`,
    empty: `The run ledger (pipeline_runs) has no day from ${data.since} to ${data.date}.`,
    config:
      days.length === 0
        ? null
        : {
            type: 'bar',
            data: {
              labels: days,
              datasets: sources.flatMap((source, i) => [
                {
                  label: `${source} kept`,
                  stack: source,
                  backgroundColor: colorOf(i),
                  data: days.map((dt) => recordsOf(source, dt, 'kept')),
                },
                {
                  label: `${source} rejected`,
                  stack: source,
                  backgroundColor: lighter(colorOf(i)),
                  data: days.map((dt) => recordsOf(source, dt, 'rejected')),
                },
              ]),
            },
            options: {
              scales: {
                x: { stacked: true },
                y: { stacked: true, title: { display: true, text: 'records' } },
              },
            },
          },
  };
}

function qualityChart(data: RunReportData): ReportChart {
  const { days, sources, dayOf } = volumeGrid(data);
  const series = (source: string, pick: (share: number | null, limit: number | null) => number | null) =>
    days.map((dt) => {
      const day = dayOf(source, dt);
      return day ? pick(day.rejectedShare, day.qualityLimit) : null;
    });
  const percent = (share: number | null): number | null => (share === null ? null : share * 100);
  return {
    id: 'quality',
    title: 'Rejected share against its limit',
    caption:
      'Records rejected for a rule, in % of records read, per source and day; dashed: the limit that applied.',
    empty: `No loaded day from ${data.since} to ${data.date}.`,
    config:
      days.length === 0
        ? null
        : {
            type: 'line',
            data: {
              labels: days,
              datasets: sources.flatMap((source, i) => [
                {
                  label: `${source} rejected %`,
                  borderColor: colorOf(i),
                  backgroundColor: colorOf(i),
                  data: series(source, (share) => percent(share)),
                },
                {
                  label: `${source} limit %`,
                  borderColor: colorOf(i),
                  borderDash: [6, 4],
                  // a dash per day: visible on a report of one day too, where no line can be drawn
                  pointStyle: 'line',
                  pointRadius: 8,
                  data: series(source, (_share, limit) => percent(limit)),
                },
              ]),
            },
            options: {
              scales: { y: { min: 0, grace: '10%', title: { display: true, text: '% of records read' } } },
            },
          },
  };
}

function reasonsChart(data: RunReportData): ReportChart {
  return {
    id: 'reasons',
    title: `Rejects per reason on ${data.date}`,
    caption: 'A record rejected for two reasons counts in both.',
    empty: `No rejected record on ${data.date}.`,
    config:
      data.rejectsByReason.length === 0
        ? null
        : {
            type: 'bar',
            data: {
              labels: data.rejectsByReason.map((r) => r.reason),
              datasets: [
                {
                  label: 'records',
                  backgroundColor: colorOf(1),
                  data: data.rejectsByReason.map((r) => r.records),
                },
              ],
            },
            options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { y: everyLabel } },
          },
  };
}

function pricesChart(data: RunReportData): ReportChart {
  const rows = data.pricePerSquareMeter;
  const currencies = unique(rows.map((r) => r.currency)).sort();
  const labels = unique(rows.map((r) => r.municipality));
  return {
    id: 'prices',
    title: `Price per m² by municipality on ${data.date}`,
    caption:
      'Mean price per m² of the kept offers, in each currency, for the municipalities with the most offers.',
    empty: `No kept offer on ${data.date}.`,
    config:
      rows.length === 0
        ? null
        : {
            type: 'bar',
            data: {
              labels,
              datasets: currencies.map((currency, i) => ({
                label: currency,
                backgroundColor: colorOf(i),
                data: labels.map(
                  (m) =>
                    rows.find((r) => r.municipality === m && r.currency === currency)
                      ?.meanPricePerSquareMeter ?? null,
                ),
              })),
            },
            options: {
              indexAxis: 'y',
              scales: { x: { title: { display: true, text: 'price per m²' } }, y: everyLabel },
            },
          },
  };
}

function modelChart(data: RunReportData): ReportChart {
  const rows = data.modelMetrics;
  return {
    id: 'model',
    title: `Price model error on ${data.date}`,
    caption:
      'Mean absolute and root mean squared error of the price per m², on the offers held back from fitting: one model per property type and currency.',
    empty: `The price model has no metrics for ${data.date}.`,
    config:
      rows.length === 0
        ? null
        : {
            type: 'bar',
            data: {
              labels: rows.map((r) => `${r.propertyType} (${r.currency})`),
              datasets: [
                { label: 'MAE', backgroundColor: colorOf(0), data: rows.map((r) => r.mae) },
                { label: 'RMSE', backgroundColor: colorOf(2), data: rows.map((r) => r.rmse) },
              ],
            },
            options: { scales: { y: { title: { display: true, text: 'price per m²' } } } },
          },
  };
}

function phasesChart(data: RunReportData): ReportChart {
  const phases = unique(data.loadPhases.flatMap((p) => Object.keys(p.phasesMs)));
  return {
    id: 'phases',
    title: `Load phases on ${data.date}`,
    caption: 'Seconds each phase of the loader took, per source (the published run’s manifest).',
    empty: `No published load on ${data.date}.`,
    config:
      data.loadPhases.length === 0
        ? null
        : {
            type: 'bar',
            data: {
              labels: data.loadPhases.map((p) => p.source),
              datasets: phases.map((phase, i) => ({
                label: phase,
                backgroundColor: colorOf(i),
                data: data.loadPhases.map((p) => (p.phasesMs[phase] ?? 0) / 1000),
              })),
            },
            options: {
              indexAxis: 'y',
              scales: {
                x: { stacked: true, title: { display: true, text: 'seconds' } },
                y: { stacked: true },
              },
            },
          },
  };
}

/** Every chart of the report, in page order. */
export function reportCharts(data: RunReportData): ReportChart[] {
  return [
    volumesChart(data),
    qualityChart(data),
    reasonsChart(data),
    pricesChart(data),
    modelChart(data),
    phasesChart(data),
  ];
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON inside a script element: `<` escaped, so that no value can close the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

/** `chartLibrary`: Chart.js's UMD build, inlined as it is. */
export function renderRunReportPage(data: RunReportData, chartLibrary: string): string {
  const charts = reportCharts(data);
  const loaded = data.volumes.filter((v) => v.dt === data.date);
  const totals = loaded.reduce(
    (sum, v) => ({
      read: sum.read + (v.read ?? 0),
      kept: sum.kept + (v.kept ?? 0),
      rejected: sum.rejected + (v.rejected ?? 0),
    }),
    { read: 0, kept: 0, rejected: 0 },
  );
  const statusRows = loaded
    .map(
      (v) =>
        `<tr><td>${escapeHtml(v.source)}</td><td>${escapeHtml(v.status)}</td><td>${v.read ?? '–'}</td>` +
        `<td>${v.kept ?? '–'}</td><td>${v.rejected ?? '–'}</td></tr>`,
    )
    .join('');
  const figures = charts
    .map((chart) =>
      chart.config === null
        ? `<figure id="${chart.id}" data-empty="true"><h2>${escapeHtml(chart.title)}</h2><p class="empty">${escapeHtml(chart.empty)}</p></figure>`
        : `<figure id="${chart.id}"><h2>${escapeHtml(chart.title)}</h2><div class="plot"><canvas data-chart="${chart.id}"></canvas></div>` +
          `<figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`,
    )
    .join('\n');
  const configs = Object.fromEntries(charts.flatMap((c) => (c.config === null ? [] : [[c.id, c.config]])));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Listings pipeline: run report for ${escapeHtml(data.date)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1a202c; }
header p { color: #4a5568; margin: 0.2rem 0; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(32rem, 1fr)); gap: 1.5rem; }
figure { margin: 0; border: 1px solid #e2e8f0; border-radius: 6px; padding: 1rem; }
figure h2 { font-size: 1.05rem; margin: 0 0 0.5rem; }
.plot { position: relative; height: 20rem; }
figcaption, .empty { color: #4a5568; font-size: 0.9rem; margin-top: 0.5rem; }
table { border-collapse: collapse; margin: 1rem 0; }
td, th { border-bottom: 1px solid #e2e8f0; padding: 0.25rem 0.75rem; text-align: right; }
td:first-child, th:first-child, td:nth-child(2), th:nth-child(2) { text-align: left; }
</style>
</head>
<body>
<header>
<h1>Run report: ${escapeHtml(data.date)}</h1>
<p>Lake: ${escapeHtml(data.lake)} · days ${escapeHtml(data.since)} to ${escapeHtml(data.date)} · generated ${escapeHtml(data.generatedAt)}</p>
<p>On ${escapeHtml(data.date)}: ${totals.read} records read, ${totals.kept} kept, ${totals.rejected} rejected.</p>
<table><thead><tr><th>source</th><th>status</th><th>read</th><th>kept</th><th>rejected</th></tr></thead><tbody>${statusRows}</tbody></table>
</header>
<main>
${figures}
</main>
<script>${chartLibrary.replace(/<\/script/gi, '<\\/script')}</script>
<script type="application/json" id="report-charts">${scriptJson(configs)}</script>
<script>
(function () {
  var configs = JSON.parse(document.getElementById('report-charts').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
    var id = canvas.getAttribute('data-chart');
    new Chart(canvas, configs[id]);
    document.getElementById(id).setAttribute('data-rendered', 'true');
  });
})();
</script>
</body>
</html>
`;
}
