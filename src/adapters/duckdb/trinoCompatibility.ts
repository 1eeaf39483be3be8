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
];
