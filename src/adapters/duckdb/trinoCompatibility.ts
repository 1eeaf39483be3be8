/**
 * Functions Athena (Trino) has and DuckDB spells differently, as DuckDB macros, so that the
 * use-case SQL written for Athena runs unchanged on the local engine.
 */
export const trinoCompatibilityMacrosSql: readonly string[] = [
  // Trino's approx_percentile(x, p) ~ DuckDB's quantile_cont (exact, fine locally)
  'CREATE OR REPLACE MACRO approx_percentile(x, p) AS quantile_cont(x, p)',
  // Trino date_format uses MySQL specifiers; DuckDB strftime uses C ones, mostly the same
  'CREATE OR REPLACE MACRO date_format(d, f) AS strftime(d, f)',
  'CREATE OR REPLACE MACRO from_iso8601_date(s) AS CAST(s AS DATE)',
  // Trino's element_at(map, key) is the value, or NULL for a missing key (map[key] fails
  // there); DuckDB's is a list of values. DuckDB's subscript is Trino's element_at, for maps
  // and (1-based, negative from the end) for arrays alike: pipeline_runs.rejected_by_reason.
  'CREATE OR REPLACE MACRO element_at(container, key) AS container[key]',
];
