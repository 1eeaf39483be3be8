import { z } from 'zod';
import { sqlString } from '../sql/sqlLiteral.ts';
import {
  listingsRejectedTable,
  listingsTable,
  pipelineRunsTable,
  type TableDefinition,
} from '../tables/tableSchema.ts';
import { priceModelMetricsTable } from '../useCases/registry.ts';

/**
 * What the run report (`etl report`) shows, and the SQL that reads it from the catalog's tables.
 * The SQL is Athena's dialect and runs on the local engine too: the same statements answer for a
 * laptop's lake and a deployed environment.
 */

export interface DayVolume {
  readonly source: string;
  readonly dt: string;
  /** The day's newest execution: loaded, failed, skipped, … (pipeline_runs.status). */
  readonly status: string;
  readonly read: number | null;
  readonly kept: number | null;
  readonly rejected: number | null;
  readonly rejectedShare: number | null;
  /** The data-quality limit that applied to the day. */
  readonly qualityLimit: number | null;
}

export interface ReasonCount {
  readonly reason: string;
  readonly records: number;
}

export interface MunicipalityPrice {
  readonly municipality: string;
  readonly currency: string;
  readonly offers: number;
  readonly meanPricePerSquareMeter: number;
}

export interface ModelMetrics {
  /** The model's currency: one model per currency and property type. */
  readonly currency: string;
  readonly propertyType: string;
  readonly testOffers: number;
  readonly mae: number | null;
  readonly rmse: number | null;
  readonly mape: number | null;
  readonly r2: number | null;
}

export interface LoadPhases {
  readonly source: string;
  readonly durationMs: number;
  /** Milliseconds per loader phase, in the order they ran (the partition's manifest). */
  readonly phasesMs: Readonly<Record<string, number>>;
}

export interface RunReportData {
  /** The day the report is about. */
  readonly date: string;
  /** First day of the window the volume charts cover. */
  readonly since: string;
  /** The lake or environment, as the person named it. */
  readonly lake: string;
  readonly generatedAt: string;
  readonly volumes: readonly DayVolume[];
  readonly rejectsByReason: readonly ReasonCount[];
  readonly pricePerSquareMeter: readonly MunicipalityPrice[];
  readonly modelMetrics: readonly ModelMetrics[];
  readonly loadPhases: readonly LoadPhases[];
}

/** The first day of a window of `days` days (1 or more) that ends on `date` (YYYY-MM-DD), both included. */
export function windowStart(date: string, days: number): string {
  const start = new Date(`${date}T00:00:00Z`);
  start.setUTCDate(start.getUTCDate() - (days - 1));
  return start.toISOString().slice(0, 10);
}

/** Municipalities shown in the price chart: the ones with the most offers. */
export const municipalitiesShown = 15;

export const reportSql = {
  /** The newest day the ledger has: the default date of a report. */
  newestDay: 'SELECT max(dt) AS dt FROM pipeline_runs',
  /** Per source and day, the newest execution's row of the ledger. */
  volumes: (since: string, date: string): string => `
SELECT source, dt, status, records_read, records_kept, records_rejected, rejected_share, quality_limit
FROM (
  SELECT *, row_number() OVER (PARTITION BY source, dt ORDER BY finished_at DESC, execution_name DESC) AS newest
  FROM pipeline_runs
  WHERE dt BETWEEN ${sqlString(since)} AND ${sqlString(date)}
)
WHERE newest = 1
ORDER BY dt, source`,
  /**
   * Records per reason (a record counts once for each reason it failed). The records are
   * counted per set of reasons first and only those few sets unnested: unnesting every rejected
   * record made DuckDB decorrelate the lateral join over the table's view, 1.6–1.9 s of CPU for
   * 570k rejects against 0.04 s this way.
   */
  rejectsByReason: (date: string): string => `
SELECT reason, CAST(sum(records) AS BIGINT) AS records
FROM (
  SELECT reasons, count(*) AS records
  FROM listings_rejected
  WHERE dt = ${sqlString(date)}
  GROUP BY reasons
) AS reason_sets
CROSS JOIN UNNEST(reasons) AS t (reason)
GROUP BY reason
ORDER BY records DESC, reason`,
  pricePerSquareMeter: (date: string): string => `
SELECT municipality, coalesce(currency, 'unknown') AS currency, count(*) AS offers,
       avg(price_per_square_meter) AS mean_price_per_square_meter
FROM listings
WHERE dt = ${sqlString(date)}
GROUP BY municipality, coalesce(currency, 'unknown')
ORDER BY offers DESC, municipality, currency
LIMIT ${municipalitiesShown}`,
  modelMetrics: (date: string): string => `
SELECT coalesce(currency, 'unknown') AS currency, property_type, test_offers, mae, rmse, mape, r2
FROM price_model_metrics
WHERE dt = ${sqlString(date)}
ORDER BY currency, property_type`,
} as const;

/** The tables each part of the report reads: a part whose table does not exist yet is empty. */
export const reportTableDefinitions = {
  volumes: pipelineRunsTable,
  rejectsByReason: listingsRejectedTable,
  pricePerSquareMeter: listingsTable,
  modelMetrics: priceModelMetricsTable,
} as const satisfies Record<string, TableDefinition>;

// Engines answer numbers as numbers, strings or bigints: read them at the edge, once.
const count = z.union([z.number(), z.bigint(), z.string()]).transform(Number);
const measure = z.union([z.number(), z.string(), z.null()]).transform((v) => (v === null ? null : Number(v)));
const optionalCount = z.union([count, z.null()]);

const volumeRow = z.object({
  source: z.string(),
  dt: z.string(),
  status: z.string(),
  records_read: optionalCount,
  records_kept: optionalCount,
  records_rejected: optionalCount,
  rejected_share: measure,
  quality_limit: measure,
});

export const readVolumes = (rows: readonly unknown[]): DayVolume[] =>
  rows.map((row) => {
    const r = volumeRow.parse(row);
    return {
      source: r.source,
      dt: r.dt,
      status: r.status,
      read: r.records_read,
      kept: r.records_kept,
      rejected: r.records_rejected,
      rejectedShare: r.rejected_share,
      qualityLimit: r.quality_limit,
    };
  });

const reasonRow = z.object({ reason: z.string(), records: count });
export const readReasons = (rows: readonly unknown[]): ReasonCount[] =>
  rows.map((row) => reasonRow.parse(row));

const priceRow = z.object({
  municipality: z.string(),
  currency: z.string(),
  offers: count,
  mean_price_per_square_meter: count,
});
export const readPrices = (rows: readonly unknown[]): MunicipalityPrice[] =>
  rows.map((row) => {
    const r = priceRow.parse(row);
    return {
      municipality: r.municipality,
      currency: r.currency,
      offers: r.offers,
      meanPricePerSquareMeter: r.mean_price_per_square_meter,
    };
  });

const metricsRow = z.object({
  currency: z.string(),
  property_type: z.string(),
  test_offers: count,
  mae: measure,
  rmse: measure,
  mape: measure,
  r2: measure,
});
export const readModelMetrics = (rows: readonly unknown[]): ModelMetrics[] =>
  rows.map((row) => {
    const r = metricsRow.parse(row);
    return {
      currency: r.currency,
      propertyType: r.property_type,
      testOffers: r.test_offers,
      mae: r.mae,
      rmse: r.rmse,
      mape: r.mape,
      r2: r.r2,
    };
  });

const manifestTimings = z.object({
  source: z.string(),
  durationMs: z.number(),
  phasesMs: z.record(z.string(), z.number()),
});
/** A partition manifest's timings (the loader writes `durationMs` and `phasesMs`). */
export function readLoadPhases(manifest: unknown): LoadPhases {
  const m = manifestTimings.parse(manifest);
  return { source: m.source, durationMs: m.durationMs, phasesMs: m.phasesMs };
}
