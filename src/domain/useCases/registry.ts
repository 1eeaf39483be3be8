import { InternalError, PipelineError } from '../errors/pipelineError.ts';
import { sources as registeredSources } from '../sources/registry.ts';
import { defaultDelistAfterDays, type SourceContract } from '../sources/sourceContract.ts';
import { sqlString } from '../sql/sqlLiteral.ts';
import type { ColumnDefinition, TableDefinition } from '../tables/tableSchema.ts';
import { propertyClusterCtes, propertyClustersPlaceholder } from './propertyClusters.ts';
import type { ModelUseCase, SqlUseCase, UseCase } from './useCase.ts';

const dtKey: readonly ColumnDefinition[] = [{ name: 'dt', type: 'string', comment: 'Run date, YYYY-MM-DD' }];
const runId: ColumnDefinition = {
  name: 'run_id',
  type: 'string',
  comment: 'Pipeline run that wrote the row',
};

function resultTable(name: string, description: string, columns: ColumnDefinition[]): TableDefinition {
  return { name, zone: 'results', description, columns: [...columns, runId], partitionKeys: dtKey };
}

export const marketStatsMonthly: SqlUseCase = {
  kind: 'sql',
  name: 'market_stats_monthly',
  description: 'Price per m² statistics per municipality, property type and month of scraping',
  reads: ['listings'],
  sqlFile: 'market_stats_monthly.sql',
  table: resultTable(
    'market_stats_monthly',
    'Price per m² statistics per municipality, property type and month',
    [
      { name: 'municipality', type: 'string', comment: 'Municipality' },
      { name: 'property_type', type: 'string', comment: 'apartment or house' },
      { name: 'currency', type: 'string', comment: 'Currency of the prices (listings.currency)' },
      { name: 'month', type: 'string', comment: 'Month of scraping, YYYY-MM' },
      {
        name: 'listings',
        type: 'bigint',
        comment:
          'Properties in the group: offers of several sources clustered as one (property_clusters) count once',
      },
      {
        name: 'offers_across_sources',
        type: 'bigint',
        comment: 'Offers of those properties on all sources (each cross-source duplicate counted)',
      },
      { name: 'mean_price_per_square_meter', type: 'double', comment: 'Mean price per m²' },
      {
        name: 'median_price_per_square_meter',
        type: 'double',
        comment: 'Median price per m² (linear interpolation)',
      },
      { name: 'p10_price_per_square_meter', type: 'double', comment: '10th percentile of price per m²' },
      { name: 'p90_price_per_square_meter', type: 'double', comment: '90th percentile of price per m²' },
    ],
  ),
};

export const propertyClusters: SqlUseCase = {
  kind: 'sql',
  name: 'property_clusters',
  description: 'Offers of different sources that describe the same property, clustered under one id',
  reads: ['listings'],
  sqlFile: 'property_clusters.sql',
  table: resultTable(
    'property_clusters',
    'Every offer of the run date with the cross-source cluster (property) it belongs to',
    [
      { name: 'source', type: 'string', comment: 'Source the offer came from' },
      { name: 'id', type: 'string', comment: 'Offer id' },
      { name: 'municipality', type: 'string', comment: 'Municipality as the source wrote it' },
      { name: 'property_type', type: 'string', comment: 'apartment or house' },
      { name: 'currency', type: 'string', comment: 'Currency of the price (listings.currency)' },
      { name: 'price', type: 'double', comment: 'Price' },
      { name: 'living_area', type: 'double', comment: 'Living area in m²' },
      {
        name: 'property_cluster_id',
        type: 'string',
        comment: 'source:id of the cluster’s anchor, the offer the cluster is counted by',
      },
      { name: 'cluster_size', type: 'bigint', comment: 'Offers in the cluster (1: no duplicate found)' },
      { name: 'cluster_sources', type: 'array<string>', comment: 'Sources in the cluster, sorted' },
    ],
  ),
};

/**
 * Days a delisted offer stays in listing_history's state: seen again within them it is relisted
 * (first_seen kept); later it is a new offer. It bounds the state a day reads to the active
 * offers plus this many days of delistings.
 */
export const relistWindowDays = 30;

export const listingHistory: SqlUseCase = {
  kind: 'sql',
  name: 'listing_history',
  description:
    'Every version (price, currency, area) of every offer, with first and last seen and delistings, one day at a time',
  reads: ['listings', 'listing_history'],
  sqlFile: 'listing_history.sql',
  incremental: true,
  table: {
    ...resultTable(
      'listing_history',
      'Versions of every offer: the state as of dt (open versions) and the versions that closed on dt',
      [
        { name: 'source', type: 'string', comment: 'Source the offer came from' },
        { name: 'id', type: 'string', comment: 'Offer id' },
        { name: 'valid_from', type: 'date', comment: 'First run date of this version' },
        {
          name: 'valid_to',
          type: 'date',
          comment: 'Run date a newer version began, or the delisting day; NULL while open',
        },
        { name: 'scraping_date', type: 'date', comment: 'Scraping date of the version’s latest sighting' },
        { name: 'property_type', type: 'string', comment: 'apartment or house (latest seen)' },
        { name: 'municipality', type: 'string', comment: 'Municipality (latest seen)' },
        { name: 'price', type: 'double', comment: 'Price of the version' },
        { name: 'currency', type: 'string', comment: 'Currency of the price (listings.currency)' },
        { name: 'living_area', type: 'double', comment: 'Living area in m² of the version' },
        { name: 'price_per_square_meter', type: 'double', comment: 'price / living_area' },
        {
          name: 'first_seen',
          type: 'date',
          comment: 'First run date the offer was in (kept across a relisting)',
        },
        { name: 'last_seen', type: 'date', comment: 'Latest run date the offer was in, as of dt' },
        {
          name: 'delisted_on',
          type: 'date',
          comment:
            'Run date the offer was found missing for its source’s delistAfterDays-th run; NULL while active',
        },
        {
          name: 'days_on_market',
          type: 'bigint',
          comment: 'Days from first_seen to last_seen, both counted',
        },
        {
          name: 'price_changes',
          type: 'bigint',
          comment: 'Versions whose price or currency differed from the one before (across relistings)',
        },
        { name: 'times_seen', type: 'bigint', comment: 'Run dates the offer was in' },
        {
          name: 'missed_runs',
          type: 'bigint',
          comment: 'Runs of its source since last_seen without the offer',
        },
      ],
    ),
    nullable: ['valid_to', 'delisted_on'],
  },
};

export const currentListings: SqlUseCase = {
  kind: 'sql',
  name: 'current_listings',
  description: 'Every offer as of the run date (the open versions of listing_history), active or delisted',
  reads: ['listings', 'listing_history'],
  sqlFile: 'current_listings.sql',
  builtOn: listingHistory,
  table: {
    ...resultTable(
      'current_listings',
      'Every offer (per source and id) as of the run date: its latest version and whether it is active',
      [
        { name: 'source', type: 'string', comment: 'Source the offer came from' },
        { name: 'id', type: 'string', comment: 'Offer id' },
        { name: 'scraping_date', type: 'date', comment: 'Scraping date of the latest sighting' },
        { name: 'property_type', type: 'string', comment: 'apartment or house' },
        { name: 'municipality', type: 'string', comment: 'Municipality' },
        { name: 'price', type: 'double', comment: 'Price' },
        { name: 'currency', type: 'string', comment: 'Currency of the price (listings.currency)' },
        { name: 'living_area', type: 'double', comment: 'Living area in m²' },
        { name: 'price_per_square_meter', type: 'double', comment: 'price / living_area' },
        { name: 'price_since', type: 'date', comment: 'Run date this price (version) began' },
        { name: 'first_seen', type: 'date', comment: 'First run date the offer was in' },
        { name: 'last_seen', type: 'date', comment: 'Latest run date the offer was in' },
        { name: 'times_seen', type: 'bigint', comment: 'Run dates the offer was in' },
        { name: 'active', type: 'boolean', comment: 'false once delisted (listing_history.delisted_on)' },
        { name: 'delisted_on', type: 'date', comment: 'Run date it was delisted; NULL while active' },
        {
          name: 'days_on_market',
          type: 'bigint',
          comment: 'Days from first_seen to last_seen, both counted',
        },
        { name: 'price_changes', type: 'bigint', comment: 'Price changes so far (listing_history)' },
      ],
    ),
    nullable: ['delisted_on'],
  },
};

export const priceOutliers: SqlUseCase = {
  kind: 'sql',
  name: 'price_outliers',
  description: 'Offers far from their municipality’s median price per m² (modified z-score on the MAD)',
  reads: ['listings'],
  sqlFile: 'price_outliers.sql',
  table: resultTable('price_outliers', 'Offers whose price per m² is an outlier in their municipality', [
    { name: 'source', type: 'string', comment: 'Source the offer came from' },
    { name: 'id', type: 'string', comment: 'Offer id' },
    { name: 'municipality', type: 'string', comment: 'Municipality' },
    { name: 'property_type', type: 'string', comment: 'apartment or house' },
    { name: 'currency', type: 'string', comment: 'Currency of the prices compared (listings.currency)' },
    { name: 'price_per_square_meter', type: 'double', comment: 'The offer’s price per m²' },
    {
      name: 'municipality_median_price_per_square_meter',
      type: 'double',
      comment: 'Median in the municipality',
    },
    {
      name: 'municipality_mad_price_per_square_meter',
      type: 'double',
      comment: 'Median absolute deviation there',
    },
    {
      name: 'robust_score',
      type: 'double',
      comment: '0.6745 × (x − median) / MAD; |score| > 3.5 is an outlier',
    },
    { name: 'municipality_listings', type: 'bigint', comment: 'Offers in the municipality that day' },
  ]),
};

export const priceModelPredictionsTable: TableDefinition = resultTable(
  'price_model_predictions',
  'Hedonic model estimate of every offer’s price per m², with the split it was in',
  [
    { name: 'source', type: 'string', comment: 'Source the offer came from' },
    { name: 'id', type: 'string', comment: 'Offer id' },
    { name: 'currency', type: 'string', comment: 'Currency of the price (one model per currency and type)' },
    { name: 'property_type', type: 'string', comment: 'apartment or house (one model each)' },
    { name: 'municipality', type: 'string', comment: 'Municipality' },
    { name: 'living_area', type: 'double', comment: 'Living area in m²' },
    { name: 'price_per_square_meter', type: 'double', comment: 'Actual price per m²' },
    { name: 'predicted_price_per_square_meter', type: 'double', comment: 'Model estimate' },
    { name: 'split', type: 'string', comment: 'train, or test (held back for evaluation)' },
  ],
);

export const priceModelMetricsTable: TableDefinition = {
  ...resultTable(
    'price_model_metrics',
    'Fit and held-back error of the hedonic model per currency and property type',
    [
      { name: 'currency', type: 'string', comment: 'Currency of the prices the model was fitted on' },
      { name: 'property_type', type: 'string', comment: 'apartment or house' },
      { name: 'train_offers', type: 'bigint', comment: 'Offers the model was fitted on' },
      { name: 'test_offers', type: 'bigint', comment: 'Held-back offers it was evaluated on' },
      { name: 'intercept', type: 'double', comment: 'Price per m² at ln(area) = 0' },
      { name: 'slope', type: 'double', comment: 'Change of price per m² per unit of ln(area)' },
      { name: 'municipalities', type: 'bigint', comment: 'Municipalities with an effect' },
      { name: 'mae', type: 'double', comment: 'Mean absolute error on held-back offers' },
      { name: 'rmse', type: 'double', comment: 'Root mean squared error on held-back offers' },
      { name: 'mape', type: 'double', comment: 'Mean absolute percentage error (fraction)' },
      { name: 'r2', type: 'double', comment: 'R² on held-back offers (null without spread)' },
    ],
  ),
  nullable: ['mae', 'rmse', 'mape', 'r2'],
};

export const priceModel: ModelUseCase = {
  kind: 'model',
  name: 'price_model',
  description:
    'Hedonic price model per currency and property type: price per m² from living area and municipality',
  reads: ['listings'],
  tables: [priceModelPredictionsTable, priceModelMetricsTable],
  container: 'priceModel',
};

/**
 * Every use case, in the order they are run. This list is the allow-list for run arguments.
 * The model comes first: the Map over a day's use cases starts them in this order, a few at a
 * time, and the container job is the longest (in AWS it also waits for its Fargate task to
 * start), so it runs beside the SQL use cases instead of alone after them.
 */
export const useCases: readonly UseCase[] = [
  priceModel,
  marketStatsMonthly,
  listingHistory,
  currentListings,
  priceOutliers,
  propertyClusters,
];

export const sqlUseCases: readonly SqlUseCase[] = useCases.filter((u): u is SqlUseCase => u.kind === 'sql');

export const modelUseCases: readonly ModelUseCase[] = useCases.filter(
  (u): u is ModelUseCase => u.kind === 'model',
);

/** The tables a use case publishes. */
export function tablesOf(useCase: UseCase): readonly TableDefinition[] {
  return useCase.kind === 'sql' ? [useCase.table] : useCase.tables;
}

/** Every table a use case publishes (the Glue tables of the results zone). */
export const useCaseTables: readonly TableDefinition[] = useCases.flatMap(tablesOf);

export class UnknownUseCaseError extends PipelineError {
  override readonly name = 'UnknownUseCaseError';
}

export function useCaseNamed(name: string, registered: readonly UseCase[] = useCases): UseCase {
  const found = registered.find((u) => u.name === name);
  if (!found) {
    throw new UnknownUseCaseError(
      `Unknown use case "${name}"; known: ${registered.map((u) => u.name).join(', ')}.`,
    );
  }
  return found;
}

/** What a use case's SQL is rendered with; the task that runs it finds them. */
export interface UseCaseSqlParameters {
  readonly runDate: string;
  readonly runId: string;
  /** `:previous_date`: the state partition an incremental use case goes on from; none: an empty state. */
  readonly previousDate?: string | undefined;
  /** `:delist_rules`: runs without an offer after which it is delisted, per source (default: the contracts'). */
  readonly delistAfterDays?: Readonly<Record<string, number>>;
  /** `:property_clusters`: the contracts the clustering takes its tolerances from (default: the registered ones). */
  readonly sourceContracts?: readonly SourceContract[];
}

const isoDatePattern = /^\d{4}-\d{2}-\d{2}$/;

const contractDelistRules: Readonly<Record<string, number>> = Object.fromEntries(
  registeredSources.map((s) => [s.name, s.delistAfterDays]),
);

function delistRulesSql(rules: Readonly<Record<string, number>>): string {
  const rows = Object.entries(rules).map(([source, days]) => {
    if (!Number.isInteger(days) || days < 1)
      throw new InternalError(`Bad delistAfterDays ${days} of ${source}`);
    return `(${sqlString(source)}, ${days})`;
  });
  // A VALUES list needs a row: a source no rule names gets the default in the SQL anyway.
  return `VALUES ${rows.length > 0 ? rows.join(', ') : `('', ${defaultDelistAfterDays})`}`;
}

/**
 * Fills the placeholders of a use case's SQL: `:property_clusters` with the clustering's common
 * table expressions (tolerances from the source contracts), then the values. Comments go first:
 * one that names a placeholder must not take the clustering in with it. Values are validated
 * upstream and quoted here.
 */
export function renderUseCaseSql(sql: string, parameters: UseCaseSqlParameters): string {
  const { runDate, runId: runIdValue, previousDate } = parameters;
  if (!isoDatePattern.test(runDate)) throw new InternalError(`Bad run date ${runDate}`);
  if (previousDate !== undefined && !(isoDatePattern.test(previousDate) && previousDate < runDate)) {
    throw new InternalError(`Bad previous date ${previousDate} for the run date ${runDate}`);
  }
  const statement = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  const withClusters = statement.includes(propertyClustersPlaceholder)
    ? statement.replaceAll(
        propertyClustersPlaceholder,
        propertyClusterCtes(parameters.sourceContracts ?? registeredSources),
      )
    : statement;
  return withClusters
    .replaceAll(':run_date', sqlString(runDate))
    .replaceAll(':run_id', sqlString(runIdValue))
    .replaceAll(
      ':previous_date',
      previousDate === undefined ? 'CAST(NULL AS VARCHAR)' : sqlString(previousDate),
    )
    .replaceAll(':delist_rules', delistRulesSql(parameters.delistAfterDays ?? contractDelistRules))
    .replaceAll(':default_delist_after_days', String(defaultDelistAfterDays))
    .replaceAll(':relist_window_days', String(relistWindowDays))
    .replace(/;\s*$/, '')
    .trim();
}

/**
 * The SELECT a SQL use case runs for its parameters: its own SQL rendered, with the query of
 * the use case it is built on (rendered for the same parameters) where it says `:<that name>`.
 */
export function renderUseCaseSelect(
  useCase: SqlUseCase,
  readSql: (useCase: SqlUseCase) => string,
  parameters: UseCaseSqlParameters,
): string {
  const own = renderUseCaseSql(readSql(useCase), parameters);
  const base = useCase.builtOn;
  if (base === undefined) return own;
  const placeholder = `:${base.name}`;
  if (!own.includes(placeholder)) {
    throw new InternalError(`${useCase.sqlFile} is built on ${base.name} but never says ${placeholder}`);
  }
  return own.replaceAll(placeholder, renderUseCaseSelect(base, readSql, parameters));
}

/**
 * The table whose latest partition before the run date a use case's SQL goes on from: its own
 * for an incremental use case, that of the one it is built on otherwise; none for the others.
 */
export function stateTableOf(useCase: SqlUseCase): TableDefinition | undefined {
  if (useCase.incremental) return useCase.table;
  return useCase.builtOn === undefined ? undefined : stateTableOf(useCase.builtOn);
}
