import type { TableDefinition } from '../contract/tableSchema.ts';

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

export interface PartitionValues {
  readonly source: string;
  readonly dt: string;
}

export function partitionPath(values: PartitionValues): string {
  return `source=${values.source}/dt=${values.dt}/`;
}

export function rawPrefix(zones: LakeZones, values: PartitionValues): string {
  return `${zones.raw}${partitionPath(values)}`;
}

export function tableLocation(zones: LakeZones, table: TableDefinition): string {
  return `${zones[table.zone]}${table.name}/`;
}

export function partitionPrefix(zones: LakeZones, table: TableDefinition, values: PartitionValues): string {
  return `${tableLocation(zones, table)}${partitionPath(values)}`;
}

/** A run writes here, then publishes by pointing the catalog partition at it. */
export function runPrefix(zones: LakeZones, table: TableDefinition, values: PartitionValues, runId: string): string {
  return `${partitionPrefix(zones, table, values)}run=${runId}/`;
}

export function manifestUri(zones: LakeZones, values: PartitionValues, runId: string): string {
  return `${zones.manifests}${partitionPath(values)}run=${runId}.json`;
}

/** The run id a run prefix belongs to, or undefined if the URI is not a run prefix. */
export function runIdOf(prefix: string): string | undefined {
  return /\/run=([^/]+)\/?$/.exec(prefix)?.[1];
}
