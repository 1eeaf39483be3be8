/**
 * The part of DuckDB's `memory_limit` syntax the pipeline accepts: a positive amount and a
 * unit, e.g. `512MB`, `1GB`, `1.5GB`, `2GiB` (units case-insensitive, as DuckDB reads them).
 * DuckDB takes more (`none`, negative amounts, bytes, kilobytes), but a limit that small or
 * that unbounded is a typo in a run, not a choice, and DuckDB would only fail deep inside the
 * loader with it.
 */
const memoryLimitPattern = /^(\d+(?:\.\d+)?)(MB|GB|TB|MiB|GiB|TiB)$/i;

/** Bytes per unit as DuckDB counts them: MB, GB, TB are powers of 1000; MiB, GiB, TiB of 1024. */
const unitBytes: Readonly<Record<string, number>> = {
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

export function isDuckdbMemoryLimit(value: string): boolean {
  const match = memoryLimitPattern.exec(value);
  return match !== null && Number(match[1]) > 0;
}

/** The limit in MiB (NaN for anything {@link isDuckdbMemoryLimit} refuses). */
export function duckdbMemoryLimitMiB(value: string): number {
  const match = memoryLimitPattern.exec(value);
  if (!match || !isDuckdbMemoryLimit(value)) return Number.NaN;
  return (Number(match[1]) * (unitBytes[(match[2] ?? '').toLowerCase()] ?? Number.NaN)) / 2 ** 20;
}

/** What to tell a person who gave something else. */
export const duckdbMemoryLimitHint = 'a positive amount with a unit, e.g. 512MB, 1GB, 1.5GB or 2GiB';

/**
 * What a loader task holds beyond DuckDB's `memory_limit`: Node and its buffers, the stager's
 * chunks, DuckDB's allocations outside its buffer pool. Measured with a 1GB limit (954 MiB):
 * `npm run bench`'s 5M rows peaked at 1,526 MB (1,455 MiB), 501 MiB above the limit; a day of
 * 20M rows (bench/sharded-load.md) at 1,807 MB (1,723 MiB), 769 MiB above it, in one task and
 * in the merge of its shards alike. The plan keeps 896 MiB, that and a margin, and the bench
 * fails a run whose peak goes over it. A task's memory must be at least the limit plus this.
 */
export const loaderMemoryOverheadMiB = 896;

/** The memory a loader needs with DuckDB limited to `limit` (MiB): the limit plus the measured overhead. */
export const plannedLoaderMemoryMiB = (limit: string): number =>
  Math.ceil(duckdbMemoryLimitMiB(limit) + loaderMemoryOverheadMiB);
