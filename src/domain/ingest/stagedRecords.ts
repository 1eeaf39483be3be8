import { isUtf8 } from 'node:buffer';

/**
 * How one record is written to a staged file: `<record number>\x01<record text>\n`, which
 * DuckDB reads with its CSV reader at full speed. Text guarantees of a staged record: one
 * line, no \x01, valid UTF-8. Bytes that are not UTF-8 become U+FFFD (and the record is then
 * rejected as malformed by the rules).
 */

export const fieldSeparator = 0x01;
export const newline = 0x0a;
export const carriageReturn = 0x0d;
const separatorStandIn = 0x1a; // SUB: keeps the text invalid JSON, as \x01 was
/** What invalid UTF-8 becomes; a record containing it is rejected as malformed (listingRules). */
export const replacementCharacter = '\ufffd';

/**
 * Longest record staged as is. Longer ones are cut to `truncatedRecordBytes` plus a marker
 * (which keeps them invalid JSON, so they are rejected as malformed, with their start kept
 * for people to look at): one runaway line must not fail a run or blow the engine's buffers.
 */
export const maxRecordBytes = 1 << 20;
export const truncatedRecordBytes = 64 * 1024;

/**
 * A record must fit on one line. Line breaks outside JSON strings are whitespace and become
 * spaces; inside strings they are invalid JSON and become \x0b, which keeps them invalid.
 * On the bytes of a copy: quotes, backslashes and line breaks are single bytes in UTF-8, never
 * part of another character.
 */
function flattenLineBreaks(record: Buffer): Buffer {
  const text = Buffer.from(record); // copy before editing: the input buffer is not ours
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === newline || c === carriageReturn) {
      text[i] = inString ? 0x0b : 0x20;
      escaped = false;
    } else if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
  }
  return text;
}

/** Makes one record's text (already trimmed, at most `maxRecordBytes`) safe to stage. */
export function sanitize(record: Buffer): Buffer {
  let text = record;
  if (!isUtf8(text)) text = Buffer.from(text.toString('utf8'), 'utf8');
  if (text.includes(carriageReturn) || text.includes(newline)) text = flattenLineBreaks(text);
  if (text.includes(fieldSeparator)) {
    text = Buffer.from(text); // copy before editing: the input buffer is not ours
    for (let i = 0; i < text.length; i++) if (text[i] === fieldSeparator) text[i] = separatorStandIn;
  }
  return text;
}

/**
 * The staged text of a record longer than `maxRecordBytes`: its start and a marker that
 * cannot occur in valid JSON. `start` is the record's first bytes (or their decoded text).
 */
export function cutRecord(start: Buffer | string, recordBytes: number): Buffer {
  // toString drops a character cut in half; the marker cannot occur in valid JSON
  const head = (typeof start === 'string' ? start : start.toString('utf8'))
    .slice(0, truncatedRecordBytes)
    .replace(new RegExp(`${replacementCharacter}$`), '');
  return sanitize(Buffer.from(`${head} …[record truncated: ${recordBytes} bytes]`, 'utf8'));
}

/** Writes a record number in decimal ASCII at `at`; returns the position after it. */
export function writeNumber(target: Buffer, at: number, value: number): number {
  let width = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) width++;
  let rest = value;
  for (let i = at + width - 1; i >= at; i--) {
    target[i] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + width;
}

/**
 * Collects staged lines into one large buffer: one small write (or even one small allocation)
 * per line would dominate the cost.
 */
export class StagedWriter {
  private buffer = Buffer.alloc(0);
  private size = 0;
  constructor(private readonly flushAt = 1 << 20) {}

  add(recordNumber: number, text: Buffer): void {
    const needed = this.size + text.length + 18;
    if (needed > this.buffer.length) {
      // allocated when needed: a writer taken after every line holds a few bytes, not 1 MB
      const larger = Buffer.allocUnsafe(
        Math.max(needed, this.buffer.length * 2, this.flushAt > 0 ? this.flushAt + (1 << 16) : 256),
      );
      this.buffer.copy(larger, 0, 0, this.size);
      this.buffer = larger;
    }
    let at = writeNumber(this.buffer, this.size, recordNumber);
    this.buffer[at++] = fieldSeparator;
    at += text.copy(this.buffer, at);
    this.buffer[at++] = newline;
    this.size = at;
  }

  /** Returns a chunk when enough has been collected (or when forced); the writer starts afresh. */
  take(force = false): Buffer | undefined {
    if (this.size === 0 || (!force && this.size < this.flushAt)) return undefined;
    const chunk = this.buffer.subarray(0, this.size);
    this.buffer = Buffer.alloc(0);
    this.size = 0;
    return chunk;
  }
}
