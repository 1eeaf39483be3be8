import type { DuckdbOptions } from '../adapters/duckdb/duckdbSession.ts';
import type { LakeZones } from '../domain/lake/lakeLayout.ts';
import type { PublishPorts } from '../publishing/publishRun.ts';

/** What a container job works with: the lake (to read and publish), its scratch disk, DuckDB's limits. */
export interface JobPorts extends PublishPorts {
  readonly zones: LakeZones;
  /** Task-local scratch disk (staged records, Parquet before upload, DuckDB spill). */
  readonly workDir: string;
  readonly duckdb?: DuckdbOptions;
  /** How often a long job logs its progress (ProgressTicker); none when absent. */
  readonly progressIntervalMs?: number;
}
