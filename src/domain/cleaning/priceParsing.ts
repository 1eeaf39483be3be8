import { sqlString } from '../sql/sqlLiteral.ts';

/**
 * Reading a price out of the free text sources put in `raw_price`, as DuckDB SQL macros so
 * that the loader never leaves SQL for a row (the README's design notes on throughput).
 *
 * Accepted: `530 000€/mo.`, `530000.0€/mo`, `Loyer: 3741€/mo`, `CHF 1'250'000.–`,
 * `1’250’000.-`, `€ 1.250.000,50`, `Prix: 450 000 €` (no-break and narrow no-break spaces
 * too), `1,5 Mio. CHF`, and JSON numbers. Rejected (NULL): no digits ("Preis auf Anfrage"),
 * negative amounts, a lone `.`/`,` followed by exactly three digits (`1.250` is 1250 in
 * Zurich and 1.25 elsewhere: we refuse to guess), and several numbers none of which
 * stands next to a currency.
 */

/** Separators that can only mean thousands. */
const groupSeparators = " '\u2019\u00a0\u202f";
/** A number: digit groups of three with any separator, or plain digits, then decimals. */
const numberPattern = `\\d{1,3}(?:[${groupSeparators}.,]\\d{3})+(?:[.,]\\d+)?|\\d+(?:[.,]\\d+)?`;
const currency = '(?:chf|sfr\\.?|fr\\.|eur|€|\\$|£)';
const token = `(${numberPattern})(?:\\D|$)`;
const currencyFirst = `(?i)${currency}\\s*${token}`;
const currencyAfter = `(?i)(${numberPattern})\\s*(?:${currency}|\\.[-–—])`;
const millions = '(?i)\\d\\s*(?:mio\\.?|mios|millions?|millionen)(?:\\W|$)';

/** Macro names, for use in generated SQL. */
export const priceMacro = 'parse_price';

export const priceMacrosSql: readonly string[] = [
  // The number the text is about: next to a currency, else the only number in it.
  `CREATE OR REPLACE MACRO price_token(s) AS coalesce(
     nullif(regexp_extract(s, ${sqlString(currencyFirst)}, 1), ''),
     nullif(regexp_extract(s, ${sqlString(currencyAfter)}, 1), ''),
     CASE WHEN len(regexp_extract_all(s, ${sqlString(token)}, 1)) = 1
          THEN regexp_extract(s, ${sqlString(token)}, 1) END)`,
  // Drop separators that are always thousands, leaving digits, '.' and ','.
  `CREATE OR REPLACE MACRO price_digits(t) AS regexp_replace(t, ${sqlString(`[${groupSeparators}]`)}, '', 'g')`,
  // Decide what '.' and ',' mean. d: the token without group separators.
  `CREATE OR REPLACE MACRO price_number(d) AS CASE
     WHEN d IS NULL THEN NULL
     WHEN NOT contains(d, '.') AND NOT contains(d, ',') THEN TRY_CAST(d AS DOUBLE)
     -- both kinds: the last one is the decimal mark
     WHEN contains(d, '.') AND contains(d, ',') THEN
       CASE WHEN strpos(reverse(d), ',') < strpos(reverse(d), '.')
            THEN TRY_CAST(replace(replace(d, '.', ''), ',', '.') AS DOUBLE)
            ELSE TRY_CAST(replace(d, ',', '') AS DOUBLE) END
     -- one kind, several times: thousands, so every group after the first has three digits
     WHEN length(d) - length(replace(replace(d, '.', ''), ',', '')) > 1 THEN
       CASE WHEN regexp_matches(d, '^\\d{1,3}(?:[.,]\\d{3})+$')
            THEN TRY_CAST(replace(replace(d, '.', ''), ',', '') AS DOUBLE) END
     -- once, followed by exactly three digits: ambiguous
     WHEN regexp_matches(d, '[.,]\\d{3}$') THEN NULL
     ELSE TRY_CAST(replace(d, ',', '.') AS DOUBLE) END`,
  // A token with a group separator that is then ambiguous ('1 250.000') is refused too.
  `CREATE OR REPLACE MACRO price_value(t) AS CASE
     WHEN t IS NULL THEN NULL
     WHEN regexp_matches(t, ${sqlString(`[${groupSeparators}]`)}) AND regexp_matches(t, '[.,]\\d{3}$') THEN NULL
     -- a one-element list and a lambda bind the digits once instead of once per mention
     ELSE list_transform([price_digits(t)], d -> price_number(d))[1] END`,
  // A minus sign (hyphen, en dash, U+2212) right before the number, spaces allowed. The text
  // before the token is tested with a constant pattern: a pattern built from the token would
  // be compiled again for every row.
  `CREATE OR REPLACE MACRO price_is_negative(s, t) AS
     (contains(s, '-') OR contains(s, '–') OR contains(s, '−'))
     AND regexp_matches(left(s, strpos(s, t) - 1), '[-–−]\\s*$')`,
  `CREATE OR REPLACE MACRO price_from_token(s, t) AS CASE
     WHEN t IS NULL OR price_is_negative(s, t) THEN NULL
     WHEN (contains(s, 'io') OR contains(s, 'IO')) AND regexp_matches(s, ${sqlString(millions)})
       THEN price_value(t) * 1000000
     ELSE price_value(t) END`,
  // The entry point: a positive price or NULL.
  // greatest() skips NULL, so zero, negative and NULL all end as NULL with one evaluation.
  `CREATE OR REPLACE MACRO ${priceMacro}(s) AS
     nullif(greatest(list_transform([price_token(s::VARCHAR)], t -> price_from_token(s::VARCHAR, t))[1], 0), 0)`,
];
