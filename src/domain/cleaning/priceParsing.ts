import { InternalError } from '../errors/pipelineError.ts';
import { sqlString } from '../sql/sqlLiteral.ts';

/**
 * Reading a price out of the free text sources put in `raw_price`, in SQL so that the loader
 * never leaves the engine for a row (the README's design notes on throughput): `pricedSql`.
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

/** Currency spellings (any case) as the ISO code, `unknown` for none. `c` should be a column. */
const currencyCodeSql = (c: string): string =>
  `coalesce([${Object.values(currencySpellings).map(sqlString).join(', ')}][list_position([${Object.keys(
    currencySpellings,
  )
    .map(sqlString)
    .join(', ')}], lower(${c}))], ${sqlString(unknownCurrency)})`;

/** A magnitude word (any case) as its factor, 1 for none. */
const magnitudeFactorSql = (m: string): string =>
  `CASE lower(${m}) WHEN '' THEN 1 ${Object.entries(magnitudeSpellings)
    .map(([spelling, factor]) => `WHEN ${sqlString(spelling)} THEN ${factor}`)
    .join(' ')} END`;

/**
 * A number, NULL for zero: a price is positive (the patterns have no sign, so only zero is
 * left to refuse), decided on a cheap cast rather than around the regular expressions.
 */
const castSql = (text: string): string => `nullif(TRY_CAST(${text} AS DOUBLE), 0)`;

/** What '.' and ',' mean in `d`, a number without group separators (a column: it appears often). */
const decimalNumberSql = (d: string): string => `CASE
     WHEN ${d} IS NULL THEN NULL
     WHEN NOT contains(${d}, '.') AND NOT contains(${d}, ',') THEN ${castSql(d)}
     -- both kinds: the last one is the decimal mark
     WHEN contains(${d}, '.') AND contains(${d}, ',') THEN
       CASE WHEN strpos(reverse(${d}), ',') < strpos(reverse(${d}), '.')
            THEN ${castSql(`replace(replace(${d}, '.', ''), ',', '.')`)}
            ELSE ${castSql(`replace(${d}, ',', '')`)} END
     -- one kind, several times: thousands, so every group after the first has three digits
     WHEN length(${d}) - length(replace(replace(${d}, '.', ''), ',', '')) > 1 THEN
       CASE WHEN regexp_matches(${d}, '^\\d{1,3}(?:[.,]\\d{3})+$')
            THEN ${castSql(`replace(replace(${d}, '.', ''), ',', '')`)} END
     -- once, followed by exactly three digits: ambiguous
     WHEN regexp_matches(${d}, '[.,]\\d{3}$') THEN NULL
     ELSE ${castSql(`replace(${d}, ',', '.')`)} END`;

/** A range is looked for only in texts with a dash or a joining word. */
const isRangeSql = (s: string): string =>
  `(contains(${s}, '-') OR contains(${s}, '–') OR contains(${s}, '—') OR contains(${s}, 'bis') OR contains(${s}, 'to')
      OR contains(${s}, 'à')) AND regexp_matches(${s}, ${sqlString(range)})`;

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
 * `relation` with three columns added, read from its text column `text`: `price` (a positive
 * number, or NULL), `currency` (an ISO code when a currency stands next to the number, else
 * `unknown`) and `price_ambiguous` (the text holds a range or two prices joined by a dash or a
 * word: `CHF 890 000 - 950 000`).
 *
 * In layers of plain columns, not macros: each expensive expression is a column computed once
 * (a macro repeats its argument; binding it with a one-element list and a lambda measured
 * costlier than the regular expressions), and a CASE on `price_plain` runs each parser only on
 * the rows that need it. `plainShortcut: false` runs the full parser on every text (tests
 * compare the two).
 */
export function pricedSql(relation: string, text: string, options: { plainShortcut?: boolean } = {}): string {
  const plain =
    options.plainShortcut === false
      ? 'false'
      : `coalesce(regexp_full_match(${text}, ${sqlString(plainPricePattern)}), false)`;
  const full = (expression: string): string => `CASE WHEN NOT price_plain THEN ${expression} END`;
  const part = (beside1: string, beside2: string, lone: string): string =>
    `CASE WHEN price_beside.n1 <> '' THEN price_beside.${beside1} WHEN price_beside.n2 <> '' THEN price_beside.${beside2}
          ELSE ${lone} END`;
  const helpers = [
    'price_plain',
    'price_token',
    'price_lower',
    'price_range',
    'price_beside',
    'price_lone',
    'price_sign',
    'price_number_text',
    'price_magnitude',
    'price_currency_text',
    'price_digits',
    'price_refused',
  ];
  return `
SELECT * EXCLUDE (${helpers.join(', ')}),
       CASE WHEN price_plain
            THEN ${castSql(`translate(price_token, ${sqlString(`${groupSeparators}.,`)}, '')`)}
                 / CASE WHEN regexp_matches(price_token, '[.,]\\d$') THEN 10
                        WHEN regexp_matches(price_token, '[.,]\\d\\d$') THEN 100 ELSE 1 END
            WHEN price_range OR price_refused OR price_number_text = '' THEN NULL
            ELSE (${decimalNumberSql('price_digits')}) * (${magnitudeFactorSql('price_magnitude')})
                 * (CASE WHEN price_sign = '' THEN 1 END) END AS price,
       CASE WHEN price_plain THEN ${plainCurrency('price_lower')}
            WHEN price_range THEN ${sqlString(unknownCurrency)}
            ELSE ${currencyCodeSql('price_currency_text')} END AS currency,
       coalesce(price_range, false) AS price_ambiguous
FROM (
  -- the number's text without separators that are always thousands, and whether it is refused
  -- for holding one while ending in one '.' or ',' and three digits ('1 250.000')
  SELECT *,
         ${full(`translate(price_number_text, ${sqlString(groupSeparators)}, '')`)} AS price_digits,
         ${full(`regexp_matches(price_number_text, ${sqlString(`[${groupSeparators}]`)}) AND regexp_matches(price_number_text, '[.,]\\d{3}$')`)}
           AS price_refused
  FROM (
    -- the number the text is about, its sign, magnitude and currency: next to a currency, else
    -- the only number in it
    SELECT *,
           ${part('s1', 's2', 'price_lone.s')} AS price_sign,
           ${part('n1', 'n2', 'price_lone.n')} AS price_number_text,
           ${part('m1', 'm2', 'price_lone.m')} AS price_magnitude,
           ${part('c1', 'c2', "CASE WHEN price_lone.n <> '' THEN '' END")} AS price_currency_text
    FROM (
      -- the lone number pattern runs only for texts the first one missed
      SELECT *,
             ${full(`CASE WHEN price_beside.n1 = '' AND price_beside.n2 = '' AND len(regexp_extract_all(${text}, ${sqlString(loneNumber)})) = 1
                  THEN regexp_extract(${text}, ${sqlString(loneNumber)}, ['s', 'n', 'm']) END`)} AS price_lone
      FROM (
        SELECT *,
               CASE WHEN price_plain THEN regexp_extract(${text}, ${sqlString(plainNumberToken)}) END AS price_token,
               CASE WHEN price_plain THEN lower(${text}) END AS price_lower,
               ${full(isRangeSql(text))} AS price_range,
               ${full(`regexp_extract(${text}, ${sqlString(besideCurrency)}, ['c1', 's1', 'n1', 'm1', 's2', 'n2', 'm2', 'c2'])`)}
                 AS price_beside
        FROM (SELECT *, ${plain} AS price_plain FROM ${relation})))))`;
}
