import { pipelineRunsTable, type TableDefinition } from '../tables/tableSchema.ts';

/**
 * Where things live in the lake. Each zone is a URI prefix (a bucket in AWS, a folder
 * locally); everything below is derived here and nowhere else.
 */
export interface LakeZones {
  readonly raw: string;
  readonly curated: string;
  readonly results: string;
  readonly manifests: string;
  readonly athenaResults: string;
}

/** One root with a folder per zone: the local lake, or `--lake s3://bucket/prefix`. */
export function zonesUnder(root: string): LakeZones {
  const base = root.endsWith('/') ? root : `${root}/`;
  return {
    raw: `${base}raw/`,
    curated: `${base}curated/`,
    results: `${base}results/`,
    manifests: `${base}manifests/`,
    athenaResults: `${base}athena-results/`,
  };
}

/** Where the manifests live in a deployed environment's curated bucket. */
export const manifestsKeyPrefix = 'manifests/';

/** A deployed environment's buckets, one per zone (the manifests share the curated one). */
export interface LakeBuckets {
  readonly raw: string;
  readonly curated: string;
  readonly results: string;
  readonly athenaResults: string;
}

/** The zones of a deployed environment: what its stack gives its tasks and the CLI reads. */
export function zonesOfBuckets(buckets: LakeBuckets): LakeZones {
  return {
    raw: `s3://${buckets.raw}/`,
    curated: `s3://${buckets.curated}/`,
    results: `s3://${buckets.results}/`,
    manifests: `s3://${buckets.curated}/${manifestsKeyPrefix}`,
    athenaResults: `s3://${buckets.athenaResults}/`,
  };
}

/** A partition's key values, by partition key name (in the table's partitionKeys order). */
export type PartitionValues = Readonly<Record<string, string>>;

/** The values of a source's day, the partition the loader writes. (A type, not an interface: it must fit PartitionValues.) */
export type SourceDay = { readonly source: string; readonly dt: string };

/** Hive-style path of a partition: `source=x/dt=2024-01-15/`, keys in the table's order. */
export function partitionPath(values: PartitionValues, table?: TableDefinition): string {
  const keys = table ? table.partitionKeys.map((k) => k.name) : Object.keys(values);
  return `${keys.map((key) => `${key}=${values[key] ?? ''}`).join('/')}/`;
}

/** The same partition, whatever order its values were given in. */
export function samePartition(a: PartitionValues, b: PartitionValues): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export function rawPrefix(zones: Pick<LakeZones, 'raw'>, day: SourceDay): string {
  return `${zones.raw}source=${day.source}/dt=${day.dt}/`;
}

/** Takes only the zones tables live in: `{ curated: '', results: '' }` gives a table's key prefix in its bucket. */
export function tableLocation(
  zones: Pick<LakeZones, TableDefinition['zone']>,
  table: TableDefinition,
): string {
  return `${zones[table.zone]}${table.name}/`;
}

export function partitionPrefix(
  zones: Pick<LakeZones, TableDefinition['zone']>,
  table: TableDefinition,
  values: PartitionValues,
): string {
  return `${tableLocation(zones, table)}${partitionPath(values, table)}`;
}

/** A run writes here, then publishes by pointing the catalog partition at it. */
export function runPrefix(
  zones: LakeZones,
  table: TableDefinition,
  values: PartitionValues,
  runId: string,
): string {
  return `${partitionPrefix(zones, table, values)}run=${runId}/`;
}

/**
 * Where a partition's leases are: one object per generation, `<generation>.json`, beside the
 * run prefixes (readers read only the run prefix the catalog names, never this).
 */
export function leasePrefix(zones: LakeZones, table: TableDefinition, values: PartitionValues): string {
  return `${partitionPrefix(zones, table, values)}_leases/`;
}

/** The file a run writes in a run prefix (one per table and partition, named like Athena's). */
const fiveDigits = (n: number): string => String(n).padStart(5, '0');

/** A partition's data file: one for a day loaded in one task, one per merge part for a sharded day. */
export function runDataFile(runPrefixUri: string, part = 0): string {
  return `${runPrefixUri}part-${fiveDigits(part)}.zstd.parquet`;
}

export function manifestUri(zones: Pick<LakeZones, 'manifests'>, day: SourceDay, runId: string): string {
  return `${zones.manifests}source=${day.source}/dt=${day.dt}/run=${runId}.json`;
}

/**
 * Where a sharded load keeps its work until the day is published: the shard plan, and each
 * shard's checked rows and object summaries. Read by no table; the publish removes it.
 */
export function shardWorkPrefix(zones: Pick<LakeZones, 'curated'>, day: SourceDay, runId: string): string {
  return `${shardWorkRoot(zones)}source=${day.source}/dt=${day.dt}/run=${runId}/`;
}

/** Every sharded load's work area (`{ curated: '' }` gives its key prefix in the curated bucket). */
export function shardWorkRoot(zones: Pick<LakeZones, 'curated'>): string {
  return `${zones.curated}_shards/`;
}

export function shardPlanUri(zones: Pick<LakeZones, 'curated'>, day: SourceDay, runId: string): string {
  return `${shardWorkPrefix(zones, day, runId)}plan.json`;
}

/**
 * A shard's checked rows, in the merge's parts (`checked(part, file)`: a part's rows may be in
 * several files), and its objects' summaries (`.json`).
 */
export function shardOutputUris(
  zones: Pick<LakeZones, 'curated'>,
  day: SourceDay,
  runId: string,
  shard: number,
): { readonly checked: (part: number, file: number) => string; readonly summary: string } {
  const base = `${shardWorkPrefix(zones, day, runId)}shard-${fiveDigits(shard)}`;
  return {
    checked: (part, file) => `${base}.part-${fiveDigits(part)}.${file}.checked.parquet`,
    summary: `${base}.json`,
  };
}

/** What one part of a sharded day's merge leaves for the publish: its share of both tables, and its counts. */
export function mergePartUris(
  zones: Pick<LakeZones, 'curated'>,
  day: SourceDay,
  runId: string,
  part: number,
): { readonly listings: string; readonly rejected: string; readonly summary: string } {
  const base = `${shardWorkPrefix(zones, day, runId)}merge-${fiveDigits(part)}`;
  return {
    listings: `${base}.listings.parquet`,
    rejected: `${base}.listings_rejected.parquet`,
    summary: `${base}.json`,
  };
}

/** The run id a run prefix belongs to, or undefined if the URI is not a run prefix. */
export function runIdOf(prefix: string): string | undefined {
  return /\/run=([^/]+)\/?$/.exec(prefix)?.[1];
}

/** What a task whose day failed leaves beside the manifests: its error, for the summary and the message. */
export function failureReportUri(
  zones: Pick<LakeZones, 'manifests'>,
  item: { readonly source: string; readonly dt: string } | { readonly useCase: string; readonly dt: string },
  runId: string,
): string {
  const folder =
    'source' in item ? `${zones.manifests}source=${item.source}/` : useCaseReportsPrefix(zones, item.useCase);
  return `${folder}dt=${item.dt}/run=${runId}.failure.json`;
}

/** A use case's failure reports (a model's container files its own there). */
export function useCaseReportsPrefix(zones: Pick<LakeZones, 'manifests'>, useCase: string): string {
  return `${zones.manifests}useCase=${useCase}/`;
}

/** Where the runs' reports are (one per execution, `etl runs` lists them). */
export function runReportsPrefix(zones: Pick<LakeZones, 'manifests'>): string {
  return `${zones.manifests}runs/`;
}

/** The report of one execution of a run (a re-drive reuses the run id: one report each). */
export function runReportUri(
  zones: Pick<LakeZones, 'manifests'>,
  runId: string,
  executionName: string,
): string {
  return `${runReportsPrefix(zones)}run=${runId}/${executionName}.json`;
}

/** Where the runs' HTML reports are: the results zone, beside what the use cases publish. */
export function runReportPagesPrefix(zones: Pick<LakeZones, 'results'>): string {
  return `${zones.results}run_reports/`;
}

/** The HTML report Summarize files for one execution of a run (`etl report` writes the same page). */
export function runReportPageUri(
  zones: Pick<LakeZones, 'results'>,
  runId: string,
  executionName: string,
): string {
  return `${runReportPagesPrefix(zones)}run=${runId}/${executionName}.html`;
}

/** The run ledger's definition puts it in the curated zone: its writer needs no other zone. */
const ledgerZones = (zones: Pick<LakeZones, 'curated'>) => ({
  curated: zones.curated,
  results: zones.curated,
});

/** The run ledger table's location (`pipeline_runs`). */
export function runLedgerTableUri(zones: Pick<LakeZones, 'curated'>): string {
  return tableLocation(ledgerZones(zones), pipelineRunsTable);
}

/**
 * Where the run ledger's partition of a source's day is: the catalog points at this folder
 * itself, not at a run prefix, because the partition keeps every execution's rows of the day.
 */
export function runLedgerPartitionUri(zones: Pick<LakeZones, 'curated'>, day: SourceDay): string {
  return partitionPrefix(ledgerZones(zones), pipelineRunsTable, day);
}

/**
 * An execution's rows of the run ledger for one source's day: a file of its own, named by the
 * run and the execution, so a retry of Summarize in the same execution replaces it (no
 * duplicate rows) while a re-drive, a new execution, adds its own beside it.
 */
export function runLedgerFileUri(
  zones: Pick<LakeZones, 'curated'>,
  day: SourceDay,
  runId: string,
  executionName: string,
): string {
  return `${runLedgerPartitionUri(zones, day)}${runId}.${executionName}.json`;
}
