import { whiteSpaceAt } from '../text/whiteSpace.ts';
import type { RawFormat } from './stagingStats.ts';

const openBracket = 0x5b;
const openBrace = 0x7b;
const quote = 0x22;

/** Skips white space from `at`; the position after it, or -1 when more bytes would decide. */
function skipWhiteSpace(bytes: Buffer, at: number, ended: boolean): number {
  let i = at;
  for (;;) {
    const n = whiteSpaceAt(bytes, i);
    if (n > 0) i += n;
    else if (n < 0) return ended ? i : -1;
    else return i;
  }
}

/**
 * Tells the format from the first meaningful bytes of `bytes` (from `from`); undefined while
 * more bytes are needed. `start` is where the format's text begins: the `[` of an array, the
 * opening quote of a string export. A JSON string counts as the export format only when it
 * holds an array (`"[`); any other first line is JSON Lines, whose records are judged one by one.
 * `envelopes` (the source names a `recordsPath`): an object first is the envelope around the
 * records (`json-envelope`, `start` at its `{`), never a JSON Lines record, even when more
 * lines follow it: a source that puts its records inside an object does not send bare ones.
 */
export function detectFormat(
  bytes: Buffer,
  from: number,
  ended: boolean,
  envelopes = false,
): { format: RawFormat; start: number } | undefined {
  const i = skipWhiteSpace(bytes, from, ended);
  if (i < 0) return undefined;
  if (i === bytes.length) return ended ? { format: 'empty', start: i } : undefined;
  if (bytes[i] === openBracket) return { format: 'json-array', start: i };
  if (envelopes && bytes[i] === openBrace) return { format: 'json-envelope', start: i };
  if (bytes[i] !== quote) return { format: 'json-lines', start: i };
  const j = skipWhiteSpace(bytes, i + 1, ended);
  if (j < 0) return undefined;
  if (j === bytes.length) return ended ? { format: 'json-lines', start: i } : undefined;
  return { format: bytes[j] === openBracket ? 'json-string-array' : 'json-lines', start: i };
}
