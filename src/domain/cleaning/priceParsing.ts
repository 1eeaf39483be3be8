import { InternalError } from '../errors/pipelineError.ts';
import { sqlString } from '../sql/sqlLiteral.ts';

/**
 * Reading a price out of the free text sources put in `raw_price`, as DuckDB SQL macros so
 * that the loader never leaves SQL for a row (the README's design notes on throughput).
 *
 * `parse_price(s)` answers a struct: `price` (a positive number, or NULL), `currency` (an ISO
 * code when a currency stands next to the number, else `unknown`) and `ambiguous` (the text
 * holds a range or two prices joined by a dash or a word: `CHF 890 000 - 950 000`).
 *
 * Accepted: `530 000€/mo.`, `530000.0€/mo`, `Loyer: 3741€/mo`, `CHF 1'250'000.–`,
 * `1’250’000.-`, `€ 1.250.000,50`, `Prix: 450 000 €` (no-break and narrow no-break spaces
 * too), magnitudes right after the number (`450k`, `450 K CHF`, `1.2M`, `1,5 Mio. CHF`,
 * `2 Mrd`), and JSON numbers. Refused (price NULL): no digits ("Preis auf Anfrage"), negative
 * amounts, a lone `.`/`,` followed by exactly three digits (`1.250` is 1250 in Zurich and 1.25
 * elsewhere: we refuse to guess), several numbers none of which stands next to a currency,
 * and ranges (flagged `ambiguous`, so that the record is rejected for that, not half-read).
 */

/** Currency spellings (lower case, as matched case-insensitively) and the code each means. */
export const currencySpellings: Readonly<Record<string, string>> = {
  chf: 'CHF',
  sfr: 'CHF',
  'sfr.': 'CHF',
  'fr.': 'CHF',
  eur: 'EUR',
  '€': 'EUR',
  $: 'USD',
  '£': 'GBP',
};

/** What `currency` holds when no currency stands next to the number. */
export const unknownCurrency = 'unknown';

/** Magnitude words right after a number (lower case) and what they multiply it by. */
export const magnitudeSpellings: Readonly<Record<string, number>> = {
  k: 1e3,
  m: 1e6,
  mio: 1e6,
  'mio.': 1e6,
  mios: 1e6,
  million: 1e6,
  millions: 1e6,
  millionen: 1e6,
  mrd: 1e9,
  'mrd.': 1e9,
  mia: 1e9,
  'mia.': 1e9,
  milliarde: 1e9,
  milliarden: 1e9,
};

/** Regular-expression alternatives for spellings, longest first, with metacharacters escaped. */
function alternatives(spellings: readonly string[]): string {
  return [...spellings]
    .sort((a, b) => b.length - a.length || a.localeCompare(b))
    .map((s) => s.replace(/[.$\\]/g, (c) => `\\${c}`))
    .join('|');
}

/** Separators that can only mean thousands. */
const groupSeparators = " '\u2019\u00a0\u202f";
/** A number: digit groups of three with any separator, or plain digits, then decimals. */
const numberPattern = `\\d{1,3}(?:[${groupSeparators}.,]\\d{3})+(?:[.,]\\d+)?|\\d+(?:[.,]\\d+)?`;
const currency = `(?:${alternatives(Object.keys(currencySpellings))})`;
const magnitude = `(?:${alternatives(Object.keys(magnitudeSpellings))})`;
const sign = '[-–−]\\s*';
/**
 * After a number: a magnitude ending at a word boundary (`120 m²`, `m2` and `Mietzins` are
 * not millions), or anything but another digit.
 */
const numberEnd = (magnitudeGroup: string): string => `(?:\\s*(${magnitudeGroup})(?:[^\\w²]|$)|(?:\\D|$))`;

/**
 * One pass finds the number that stands next to a currency: currency first (groups 1–4:
 * currency, sign, number, magnitude) or after (groups 5–8: sign, number, magnitude, currency
 * or the Swiss `.–`). The leftmost such number wins.
 */
const besideCurrency =
  `(?i)(${currency})\\s*(${sign})?(${numberPattern})${numberEnd(magnitude)}` +
  `|(${sign})?(${numberPattern})\\s*(?:(${magnitude})\\s*)?(${currency}|\\.[-–—])`;
/** A number with no currency beside it (groups: sign, number, magnitude). */
const loneNumber = `(?i)(${sign})?(${numberPattern})${numberEnd(magnitude)}`;
/** Two numbers joined by a dash or a word ("from … to …"), currencies and magnitudes allowed. */
const range = `(?i)\\d\\s*(?:${magnitude})?\\s*(?:${currency})?\\s*(?:[-–—]|bis|to|à)\\s*(?:${currency})?\\s*\\d`;

/** Macro names, for use in generated SQL. */
export const priceMacro = 'parse_price';

// A lookup in two lists: measured cheaper than a CASE with a branch per spelling.
const currencyLookup = `coalesce([${Object.values(currencySpellings)
  .map(sqlString)
  .join(
    ', ',
  )}][list_position([${Object.keys(currencySpellings).map(sqlString).join(', ')}], lower(c))], ${sqlString(unknownCurrency)})`;
const magnitudeCase = `CASE lower(m) WHEN '' THEN 1 ${Object.entries(magnitudeSpellings)
  .map(([spelling, factor]) => `WHEN ${sqlString(spelling)} THEN ${factor}`)
  .join(' ')} END`;

export const priceMacrosSql: readonly string[] = [
  // The number the text is about, its sign, magnitude and currency: next to a currency, else
  // the only number in it (the second pattern runs only for texts the first one missed).
  `CREATE OR REPLACE MACRO price_parts(s) AS list_transform(
     [regexp_extract(s, ${sqlString(besideCurrency)}, ['c1', 's1', 'n1', 'm1', 's2', 'n2', 'm2', 'c2'])],
     p -> CASE
       WHEN p.n1 <> '' THEN {'sign': p.s1, 'number': p.n1, 'magnitude': p.m1, 'currency': p.c1}
       WHEN p.n2 <> '' THEN {'sign': p.s2, 'number': p.n2, 'magnitude': p.m2, 'currency': p.c2}
       WHEN len(regexp_extract_all(s, ${sqlString(loneNumber)})) = 1 THEN list_transform(
         [regexp_extract(s, ${sqlString(loneNumber)}, ['s', 'n', 'm'])],
         q -> {'sign': q.s, 'number': q.n, 'magnitude': q.m, 'currency': ''})[1]
     END)[1]`,
  `CREATE OR REPLACE MACRO price_currency(c) AS ${currencyLookup}`,
  `CREATE OR REPLACE MACRO price_magnitude(m) AS ${magnitudeCase}`,
  // Drop separators that are always thousands, leaving digits, '.' and ','.
  `CREATE OR REPLACE MACRO price_digits(t) AS regexp_replace(t, ${sqlString(`[${groupSeparators}]`)}, '', 'g')`,
  // A number, NULL for zero: a price is positive (the pattern has no sign, so only zero is
  // left to refuse), decided here on a cheap cast rather than around the regular expressions.
  `CREATE OR REPLACE MACRO price_cast(d) AS nullif(TRY_CAST(d AS DOUBLE), 0)`,
  // Decide what '.' and ',' mean. d: the token without group separators.
  `CREATE OR REPLACE MACRO price_number(d) AS CASE
     WHEN d IS NULL THEN NULL
     WHEN NOT contains(d, '.') AND NOT contains(d, ',') THEN price_cast(d)
     -- both kinds: the last one is the decimal mark
     WHEN contains(d, '.') AND contains(d, ',') THEN
       CASE WHEN strpos(reverse(d), ',') < strpos(reverse(d), '.')
            THEN price_cast(replace(replace(d, '.', ''), ',', '.'))
            ELSE price_cast(replace(d, ',', '')) END
     -- one kind, several times: thousands, so every group after the first has three digits
     WHEN length(d) - length(replace(replace(d, '.', ''), ',', '')) > 1 THEN
       CASE WHEN regexp_matches(d, '^\\d{1,3}(?:[.,]\\d{3})+$')
            THEN price_cast(replace(replace(d, '.', ''), ',', '')) END
     -- once, followed by exactly three digits: ambiguous
     WHEN regexp_matches(d, '[.,]\\d{3}$') THEN NULL
     ELSE price_cast(replace(d, ',', '.')) END`,
  // A token with a group separator that is then ambiguous ('1 250.000') is refused too.
  `CREATE OR REPLACE MACRO price_value(t) AS CASE
     WHEN t IS NULL OR t = '' THEN NULL
     WHEN regexp_matches(t, ${sqlString(`[${groupSeparators}]`)}) AND regexp_matches(t, '[.,]\\d{3}$') THEN NULL
     -- a one-element list and a lambda bind the digits once instead of once per mention
     ELSE list_transform([price_digits(t)], d -> price_number(d))[1] END`,
  // A range is looked for only in texts with a dash or a joining word.
  `CREATE OR REPLACE MACRO price_is_range(s) AS
     (contains(s, '-') OR contains(s, '–') OR contains(s, '—') OR contains(s, 'bis') OR contains(s, 'to')
      OR contains(s, 'à'))
     AND regexp_matches(s, ${sqlString(range)})`,
  // The entry point. A sign makes the price NULL through a constant CASE: a CASE around the
  // parsing itself would evaluate the regular expressions branch by branch (measured slower).
  `CREATE OR REPLACE MACRO ${priceMacro}(text) AS CASE WHEN price_is_range(text::VARCHAR)
     THEN {'price': NULL::DOUBLE, 'currency': ${sqlString(unknownCurrency)}, 'ambiguous': true}
     ELSE list_transform([price_parts(text::VARCHAR)], p -> {
       'price': price_value(p.number) * price_magnitude(p.magnitude) * (CASE WHEN p.sign = '' THEN 1 END),
       'currency': price_currency(p.currency),
       'ambiguous': false})[1] END`,
];

/**
 * The plain shortcut. Most prices are written one of a few plain ways: an optional label, one
 * currency before or after one number, an optional suffix (`Prix: 450 000 €`, `CHF 1'250'000.–`,
 * `530000.0€/mo`, `€ 1.488.900,00`, a JSON number). For a text of exactly that shape the full
 * parser's answer is known without its capture groups and lambdas: the number is the only one,
 * nothing can make it a range, and its last `.`/`,` followed by one or two digits is the
 * decimal mark. A DFA-only full match picks these texts out, and the full parser runs on the
 * rest only: measured 1.9 s of CPU instead of 3.9 s per 2M generated prices, identical results
 * (test/sql/priceParsing.test.ts compares both on every case and on fuzzed texts).
 */
const plainLabels = ['prix', 'loyer', 'preis', 'price', 'miete', 'mietzins', 'kaufpreis', 'rent'];
const plainSuffixes = ['/mo', '/mo.', '/month', '/mois', '/monat', '.-', '.–', '.—'];

// The currency of a plain text is read with `contains`, so no label or suffix may contain a
// currency spelling, and a spelling inside another must mean the same currency.
for (const word of [...plainLabels, ...plainSuffixes]) {
  const spelling = Object.keys(currencySpellings).find((c) => word.includes(c));
  if (spelling)
    throw new InternalError(`Plain price word "${word}" contains currency spelling "${spelling}"`);
}
for (const [inner, code] of Object.entries(currencySpellings)) {
  for (const [outer, outerCode] of Object.entries(currencySpellings)) {
    if (outer !== inner && outer.includes(inner) && outerCode !== code) {
      throw new InternalError(
        `Currency spelling "${outer}" contains "${inner}", which means another currency`,
      );
    }
  }
}

/**
 * At most 15 digits in all, so that the digits are an exact integer as a DOUBLE and one
 * division by 10 or 100 rounds exactly as parsing the decimal text does.
 */
const plainNumber =
  `\\d{1,13}(?:[.,]\\d{1,2})?` +
  `|\\d{1,3}(?:[${groupSeparators}]\\d{3}){1,3}(?:[.,]\\d{1,2})?` +
  // one '.' or ',' before three digits and nothing else is ambiguous (`1.250`): not plain
  `|\\d{1,3}(?:\\.\\d{3}){1,3},\\d{1,2}|\\d{1,3}(?:\\.\\d{3}){2,3}` +
  `|\\d{1,3}(?:,\\d{3}){1,3}\\.\\d{1,2}|\\d{1,3}(?:,\\d{3}){2,3}`;
/** The whole text, case-insensitive: label, then one currency before or after one number, then a suffix. */
export const plainPricePattern =
  `(?i)(?:(?:${alternatives(plainLabels)})\\s*:\\s*)?` +
  `(?:${currency}\\s*(?:${plainNumber})|(?:${plainNumber})(?:\\s*${currency})?)` +
  `(?:${alternatives(plainSuffixes)})?`;
/** The number inside a plain text: from its first digit to its last. */
const plainNumberToken = `\\d(?:[\\d${groupSeparators}.,]*\\d)?`;

const plainCurrency = (lowerText: string): string =>
  `CASE ${Object.entries(currencySpellings)
    .map(([spelling, code]) => `WHEN contains(${lowerText}, ${sqlString(spelling)}) THEN ${sqlString(code)}`)
    .join(' ')} ELSE ${sqlString(unknownCurrency)} END`;

/**
 * `relation` with three columns added: `price`, `currency` and `price_ambiguous`, read from
 * its column `text` (the struct `parse_price` answers, as plain columns). In layers, so that
 * each expensive expression is a column computed once: the plain test, then the plain number
 * or the full parser (a CASE evaluates only the rows it selects), then the values.
 */
export function pricedSql(relation: string, text: string): string {
  return `
SELECT * EXCLUDE (price_plain, price_token, price_plain_currency, price_parsed),
       CASE WHEN price_plain
            THEN nullif(TRY_CAST(translate(price_token, ${sqlString(`${groupSeparators}.,`)}, '') AS DOUBLE), 0)
                 / CASE WHEN right(price_token, 2)[1] IN ('.', ',') THEN 10
                        WHEN right(price_token, 3)[1] IN ('.', ',') THEN 100 ELSE 1 END
            ELSE price_parsed.price END AS price,
       CASE WHEN price_plain THEN price_plain_currency ELSE price_parsed.currency END AS currency,
       CASE WHEN price_plain THEN false ELSE price_parsed.ambiguous END AS price_ambiguous
FROM (
  SELECT *,
         CASE WHEN price_plain THEN regexp_extract(${text}, ${sqlString(plainNumberToken)}) END AS price_token,
         CASE WHEN price_plain THEN list_transform([lower(${text})], l -> ${plainCurrency('l')})[1] END
           AS price_plain_currency,
         CASE WHEN NOT price_plain THEN ${priceMacro}(${text}) END AS price_parsed
  FROM (SELECT *, coalesce(regexp_full_match(${text}, ${sqlString(plainPricePattern)}), false) AS price_plain
        FROM ${relation}))`;
}
