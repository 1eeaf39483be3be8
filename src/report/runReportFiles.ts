import { writeFile } from 'node:fs/promises';
import { type LakeZones, manifestUri, runIdOf } from '../domain/lake/lakeLayout.ts';
import {
  type LoadPhases,
  type RunReportData,
  readLoadPhases,
  readModelMetrics,
  readPrices,
  readReasons,
  readVolumes,
  reportSql,
  reportTableDefinitions,
  windowStart,
} from '../domain/report/runReportData.ts';
import { renderRunReportPage } from '../domain/report/runReportPage.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Logger } from '../ports/logger.ts';
import type { QueryResult } from '../ports/queryEngine.ts';
import { readChartLibrary } from './chartLibrary.ts';
import { NoRunsYetError } from './noRunsYetError.ts';

/** Where the report's data comes from: the lake's catalog and files, and its SQL engine. */
export interface ReportSource {
  /** The lake or environment as the person named it, for the page's header. */
  readonly name: string;
  readonly zones: Pick<LakeZones, 'manifests'>;
  readonly catalog: Catalog;
  readonly blobs: BlobStore;
  readonly query: (sql: string) => Promise<QueryResult>;
}

export interface ReportOptions {
  /** The day the report is about; the newest day of the run ledger when absent. */
  readonly date: string | undefined;
  /** How many days the volume and quality charts cover, ending on the date. */
  readonly days: number;
}

/** The published run's loader timings of each source's day, from its manifest. */
async function loadPhasesOf(
  lake: Omit<ReportSource, 'name' | 'query'>,
  sources: readonly string[],
  dt: string,
): Promise<LoadPhases[]> {
  const phases: LoadPhases[] = [];
  for (const source of sources) {
    const partition = await lake.catalog.getPartition('listings', { source, dt });
    const runId = partition && runIdOf(partition.location);
    if (!runId) continue;
    const text = await lake.blobs.getText(manifestUri(lake.zones, { source, dt }, runId));
    if (text !== undefined) phases.push(readLoadPhases(JSON.parse(text)));
  }
  return phases;
}

/** The days Summarize's report charts, ending on the run's newest day (`etl report --days`' default). */
export const reportDays = 30;

/** Reads everything the report shows. */
export async function gatherRunReport(source: ReportSource, options: ReportOptions): Promise<RunReportData> {
  const tables = new Set((await source.catalog.listTables()).map((t) => t.name));
  const rowsOf = async (
    { name: table }: { readonly name: string },
    sql: string,
  ): Promise<readonly unknown[]> => (tables.has(table) ? (await source.query(sql)).rows : []);
  let date = options.date;
  if (date === undefined) {
    const [newest] = await rowsOf(reportTableDefinitions.volumes, reportSql.newestDay);
    const dt = (newest as { dt?: unknown } | undefined)?.dt;
    if (typeof dt !== 'string') {
      throw new NoRunsYetError(
        `${source.name} has no run in its ledger (pipeline_runs) yet: run \`etl run\` first, or give --date.`,
      );
    }
    date = dt;
  }
  const since = windowStart(date, options.days);
  const volumes = readVolumes(await rowsOf(reportTableDefinitions.volumes, reportSql.volumes(since, date)));
  const sourcesOfDay = [...new Set(volumes.filter((v) => v.dt === date).map((v) => v.source))].sort();
  return {
    date,
    since,
    lake: source.name,
    generatedAt: new Date().toISOString(),
    volumes,
    rejectsByReason: readReasons(
      await rowsOf(reportTableDefinitions.rejectsByReason, reportSql.rejectsByReason(date)),
    ),
    pricePerSquareMeter: readPrices(
      await rowsOf(reportTableDefinitions.pricePerSquareMeter, reportSql.pricePerSquareMeter(date)),
    ),
    modelMetrics: readModelMetrics(
      await rowsOf(reportTableDefinitions.modelMetrics, reportSql.modelMetrics(date)),
    ),
    loadPhases: tables.has('listings') ? await loadPhasesOf(source, sourcesOfDay, date) : [],
  };
}

/** `etl report`: gathers the report's data and writes the page to a local file. */
export async function writeRunReport(
  source: ReportSource,
  options: ReportOptions & { readonly out: string | undefined },
): Promise<{ readonly path: string; readonly data: RunReportData }> {
  const data = await gatherRunReport(source, options);
  const path = options.out ?? `etl-report-${data.date}.html`;
  await writeFile(path, renderRunReportPage(data, await readChartLibrary()));
  return { path, data };
}

/** What Summarize gives the report: the report's source, its chart library and a logger. */
export interface RunReportPagePorts extends ReportSource {
  readonly chartLibrary: () => Promise<string>;
  readonly log: Logger;
}

/**
 * Summarize's report: the page of `date` (with the days before it) filed at `uri`. A report
 * that cannot be made is logged and left out of the message, never a failed run: the data is
 * published and the ledger written by then.
 */
export async function fileRunReportPage(
  ports: RunReportPagePorts,
  uri: string,
  date: string,
): Promise<string | undefined> {
  try {
    const data = await gatherRunReport(ports, { date, days: reportDays });
    await ports.blobs.putText(uri, renderRunReportPage(data, await ports.chartLibrary()));
    return uri;
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    ports.log.warn('run report not written', { uri, error: failure.name, errorMessage: failure.message });
    return undefined;
  }
}
