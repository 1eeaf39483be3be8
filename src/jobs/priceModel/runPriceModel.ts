import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DuckdbSession } from '../../adapters/duckdb/duckdbSession.ts';
import { unknownCurrency } from '../../domain/cleaning/priceParsing.ts';
import { PipelineError } from '../../domain/errors/pipelineError.ts';
import { runDataFile } from '../../domain/lake/lakeLayout.ts';
import { emptyRowsSql } from '../../domain/sql/emptyRows.ts';
import { parquetCopySql } from '../../domain/sql/parquetCopy.ts';
import { sqlFile, sqlString } from '../../domain/sql/sqlLiteral.ts';
import { listingsTable, type TableDefinition } from '../../domain/tables/tableSchema.ts';
import {
  fitLine,
  holdoutBuckets,
  type LineFit,
  type ModelMetrics,
  metricsFrom,
  municipalityShrinkage,
} from '../../domain/useCases/hedonicPriceModel.ts';
import { priceModelMetricsTable, priceModelPredictionsTable } from '../../domain/useCases/registry.ts';
import { publishRun, type RunOutput } from '../../publishing/publishRun.ts';
import type { JobPorts } from '../jobPorts.ts';
import { openScratch } from '../scratchSpace.ts';

export interface ModelSummary {
  readonly runId: string;
  readonly dt: string;
  readonly offers: number;
  readonly models: readonly (LineFit &
    ModelMetrics & { currency: string; propertyType: string; trainOffers: number })[];
  readonly published: readonly { table: string; location: string }[];
  /** Why there is no model, when there is none. */
  readonly note?: string;
}

export class NoListingsError extends PipelineError {
  override readonly name = 'NoListingsError';
}

/**
 * A downloaded listings file as rows with a `currency`: files written before the column
 * existed read as `unknown`, as the lake's views answer for them.
 */
async function listingsRelation(
  session: DuckdbSession,
  file: { path: string; source: string },
): Promise<string> {
  const columns = await session.all(`SELECT name FROM parquet_schema(${sqlFile(file.path)})`);
  const rows = columns.some((c) => c.name === 'currency')
    ? `* REPLACE (coalesce(currency, ${sqlString(unknownCurrency)}) AS currency)`
    : `*, ${sqlString(unknownCurrency)} AS currency`;
  return `SELECT ${rows}, ${sqlString(file.source)} AS source FROM read_parquet(${sqlFile(file.path)})`;
}

/** Downloads every Parquet object of the day's published `listings` partitions, with its source. */
async function downloadListings(
  ports: JobPorts,
  dt: string,
  into: string,
): Promise<{ path: string; source: string }[]> {
  const partitions = (await ports.catalog.listPartitions(listingsTable.name)).filter(
    (p) => p.values.dt === dt,
  );
  const files: { path: string; source: string }[] = [];
  for (const partition of partitions) {
    for (const object of await ports.blobs.list(partition.location)) {
      const path = join(into, `listings-${files.length}.parquet`);
      await pipeline(await ports.blobs.read(object.uri), createWriteStream(path));
      files.push({ path, source: partition.values.source ?? '' });
    }
  }
  return files;
}

/** Writes a SELECT's rows as one zstd Parquet file and uploads it as a run's output. */
function parquetOutput(
  ports: JobPorts,
  session: DuckdbSession,
  table: TableDefinition,
  select: string,
  local: string,
  values: { dt: string },
): RunOutput {
  return {
    table,
    values,
    write: async (location) => {
      await session.run(parquetCopySql(select, local));
      await ports.blobs.upload(local, runDataFile(location));
    },
  };
}

/**
 * The hedonic price model use case (see src/domain/useCases/hedonicPriceModel.ts): fits one
 * model per currency and property type on 4/5 of the day's offers, predicts every offer, evaluates on the
 * held-back fifth, and publishes predictions and metrics like every other table. All row
 * work is SQL in DuckDB; only the per-type sums cross into JS.
 */
export async function runPriceModel(
  request: { runId: string; dt: string },
  ports: JobPorts,
): Promise<ModelSummary> {
  const { runId, dt } = request;
  const log = ports.log.child({ runId, dt, useCase: 'price_model' });
  const work = await openScratch(ports.workDir, 'model', runId, log);
  const session = await DuckdbSession.open({ tempDirectory: join(work, 'spill'), ...ports.duckdb });
  try {
    const files = await downloadListings(ports, dt, work);
    if (files.length === 0) {
      throw new NoListingsError(
        `No published listings for ${dt}: load the day first (the model reads the listings table).`,
      );
    }
    // The held-back fifth is chosen by a hash of source and id, so it is the same on every run.
    // The hash and logarithm are computed once, into a narrow scratch file that every pass
    // streams: memory stays bounded as with views over the listings, and the four passes no
    // longer hash every offer four times (0.78x the CPU of the views on 2M offers).
    const offersFile = join(work, 'offers.parquet');
    await session.run(
      parquetCopySql(
        `SELECT source, id, currency, property_type, municipality, living_area, price_per_square_meter AS ppsqm,
             ln(living_area) AS x,
             CASE WHEN CAST(('0x' || substr(md5(source || '/' || id), 1, 8)) AS BIGINT) % ${holdoutBuckets} = 0
                  THEN 'test' ELSE 'train' END AS split
      FROM (${(await Promise.all(files.map((f) => listingsRelation(session, f)))).join(' UNION ALL ')})`,
        offersFile,
        'lz4_raw',
      ),
    );
    await session.run(`CREATE VIEW offers AS SELECT * FROM read_parquet(${sqlFile(offersFile)})`);
    // One model per currency and property type: prices in two currencies are not one scale.
    const sums =
      await session.all(`SELECT currency, property_type, count(*) AS n, sum(x) AS sum_x, sum(ppsqm) AS sum_y,
        sum(x * x) AS sum_xx, sum(x * ppsqm) AS sum_xy
      FROM offers WHERE split = 'train' GROUP BY currency, property_type ORDER BY currency, property_type`);
    const lines = sums.map((s) => ({
      currency: String(s.currency),
      propertyType: String(s.property_type),
      trainOffers: Number(s.n),
      ...fitLine({
        n: Number(s.n),
        sumX: Number(s.sum_x),
        sumY: Number(s.sum_y),
        sumXX: Number(s.sum_xx),
        sumXY: Number(s.sum_xy),
      }),
    }));
    if (lines.length === 0) {
      // A quiet day is not an incident: empty tables say "nothing to fit", the log says why.
      const [counted] = await session.all('SELECT count(*) AS n FROM offers');
      const offers = Number(counted?.n ?? 0);
      const note = `no offers of ${dt} to fit the model on (${offers} offer(s), none in the training split): published empty predictions and metrics`;
      log.warn(note, { offers });
      const published = await publishRun({ ...ports, log }, runId, [
        parquetOutput(
          ports,
          session,
          priceModelPredictionsTable,
          emptyRowsSql(priceModelPredictionsTable.columns),
          join(work, 'predictions.parquet'),
          { dt },
        ),
        parquetOutput(
          ports,
          session,
          priceModelMetricsTable,
          emptyRowsSql(priceModelMetricsTable.columns),
          join(work, 'metrics.parquet'),
          { dt },
        ),
      ]);
      return {
        runId,
        dt,
        offers,
        models: [],
        published: published.map(({ table, location }) => ({ table: table.name, location })),
        note,
      };
    }
    await session.run(
      `CREATE TABLE lines AS SELECT * FROM (VALUES ${lines
        .map(
          (l) =>
            `(${sqlString(l.currency)}, ${sqlString(l.propertyType)}, ${l.intercept}::DOUBLE, ${l.slope}::DOUBLE)`,
        )
        .join(', ')}) AS t(currency, property_type, intercept, slope)`,
    );
    const sameModel = (a: string, b: string): string =>
      `${a}.currency = ${b}.currency AND ${a}.property_type = ${b}.property_type`;
    await session.run(`CREATE TABLE effects AS
      SELECT o.currency, o.property_type, o.municipality,
             sum(o.ppsqm - (l.intercept + l.slope * o.x)) / (count(*) + ${municipalityShrinkage}) AS effect
      FROM offers o JOIN lines l ON ${sameModel('o', 'l')}
      WHERE o.split = 'train' GROUP BY o.currency, o.property_type, o.municipality`);
    await session.run(`CREATE VIEW predictions AS
      SELECT o.source, o.id, o.currency, o.property_type, o.municipality, o.living_area,
             o.ppsqm AS price_per_square_meter,
             l.intercept + l.slope * o.x + coalesce(e.effect, 0) AS predicted_price_per_square_meter, o.split
      FROM offers o JOIN lines l ON ${sameModel('o', 'l')}
      LEFT JOIN effects e ON ${sameModel('e', 'o')} AND e.municipality = o.municipality`);
    const errorSums = await session.all(`SELECT currency, property_type, count(*) AS n,
        sum(abs(price_per_square_meter - predicted_price_per_square_meter)) AS sum_abs,
        sum(pow(price_per_square_meter - predicted_price_per_square_meter, 2)) AS sum_sq,
        sum(abs(price_per_square_meter - predicted_price_per_square_meter) / price_per_square_meter) AS sum_pct,
        sum(price_per_square_meter) AS sum_actual, sum(pow(price_per_square_meter, 2)) AS sum_actual_sq
      FROM predictions WHERE split = 'test' GROUP BY currency, property_type`);
    const ofLine =
      (line: { currency: string; propertyType: string }) =>
      (row: Record<string, unknown>): boolean =>
        row.currency === line.currency && row.property_type === line.propertyType;
    const models = lines.map((line) => {
      const e = errorSums.find(ofLine(line));
      return {
        ...line,
        ...metricsFrom({
          n: Number(e?.n ?? 0),
          sumAbsError: Number(e?.sum_abs ?? 0),
          sumSquaredError: Number(e?.sum_sq ?? 0),
          sumAbsPercentError: Number(e?.sum_pct ?? 0),
          sumActual: Number(e?.sum_actual ?? 0),
          sumActualSquared: Number(e?.sum_actual_sq ?? 0),
        }),
      };
    });
    const municipalities = await session.all(
      'SELECT currency, property_type, count(*) AS n FROM effects GROUP BY currency, property_type',
    );
    const number = (value: number | null): string =>
      value === null || Number.isNaN(value) ? 'NULL' : `${value}`;
    const metricsRows = models
      .map((m) => {
        const withEffect = Number(municipalities.find(ofLine(m))?.n ?? 0);
        return `(${sqlString(m.currency)}, ${sqlString(m.propertyType)}, ${m.trainOffers}::BIGINT, ${m.n}::BIGINT, ${m.intercept}::DOUBLE, ${m.slope}::DOUBLE,
          ${withEffect}::BIGINT, ${number(m.mae)}::DOUBLE, ${number(m.rmse)}::DOUBLE, ${number(m.mape)}::DOUBLE,
          ${number(m.r2)}::DOUBLE, ${sqlString(runId)})`;
      })
      .join(', ');
    const values = { dt };
    const published = await publishRun({ ...ports, log }, runId, [
      parquetOutput(
        ports,
        session,
        priceModelPredictionsTable,
        `SELECT source, id, currency, property_type, municipality, living_area, price_per_square_meter,
                predicted_price_per_square_meter, split, ${sqlString(runId)} AS run_id FROM predictions ORDER BY source, id`,
        join(work, 'predictions.parquet'),
        values,
      ),
      parquetOutput(
        ports,
        session,
        priceModelMetricsTable,
        `SELECT * FROM (VALUES ${metricsRows}) AS t(${priceModelMetricsTable.columns.map((c) => c.name).join(', ')})`,
        join(work, 'metrics.parquet'),
        values,
      ),
    ]);
    const [offers] = await session.all('SELECT count(*) AS n FROM offers');
    log.info('price model published', {
      models: models.map((m) => ({ currency: m.currency, type: m.propertyType, mae: m.mae, r2: m.r2 })),
    });
    return {
      runId,
      dt,
      offers: Number(offers?.n ?? 0),
      models,
      published: published.map(({ table, location }) => ({ table: table.name, location })),
    };
  } finally {
    session.close();
    await rm(work, { recursive: true, force: true });
  }
}
