/**
 * The part of DuckDB's `memory_limit` syntax the pipeline accepts: a positive amount and a
 * unit, e.g. `512MB`, `1GB`, `1.5GB`, `2GiB` (units case-insensitive, as DuckDB reads them).
 * DuckDB takes more (`none`, negative amounts, bytes, kilobytes), but a limit that small or
 * that unbounded is a typo in a run, not a choice, and DuckDB would only fail deep inside the
 * loader with it.
 */
const memoryLimitPattern = /^(\d+(?:\.\d+)?)(MB|GB|TB|MiB|GiB|TiB)$/i;

export function isDuckdbMemoryLimit(value: string): boolean {
  const match = memoryLimitPattern.exec(value);
  return match !== null && Number(match[1]) > 0;
}

/** What to tell a person who gave something else. */
export const duckdbMemoryLimitHint = 'a positive amount with a unit, e.g. 512MB, 1GB, 1.5GB or 2GiB';
