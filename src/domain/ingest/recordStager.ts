import { isUtf8 } from 'node:buffer';

/**
 * Turns one raw object's (already decompressed) bytes into "staged" lines that DuckDB reads
 * with its CSV reader at full speed: `<record number>\x01<record text>\n`.
 *
 * Why a staging pass at all: sources send JSON Lines, a JSON array, or a JSON *string* that
 * holds the array, sometimes with a BOM, blank lines or a truncated end. DuckDB's JSON
 * reader would drop or fail on broken records; here every record, broken or not, keeps its
 * text and its number, so that it can land in `listings_rejected` and the run can prove that
 * read = kept + rejected.
 *
 * Text guarantees of a staged record: one line, no \x01, valid UTF-8. Bytes that are not
 * UTF-8 become U+FFFD (and the record is then rejected as malformed by the rules).
 */

export type RawFormat = 'json-lines' | 'json-array' | 'json-string-array' | 'empty';

export interface StagingStats {
  format: RawFormat;
  /** Records written (blank lines are not records). */
  records: number;
  blankLines: number;
  /** The input ended inside a record or before a closing bracket/quote. */
  truncated: boolean;
}

export const fieldSeparator = 0x01;
const newline = 0x0a;
const carriageReturn = 0x0d;
const separatorStandIn = 0x1a; // SUB: keeps the text invalid JSON, as \x01 was
const bom = Buffer.from([0xef, 0xbb, 0xbf]);
/** What invalid UTF-8 becomes; a record containing it is rejected as malformed (listingRules). */
export const replacementCharacter = '\ufffd';

/**
 * Longest record staged as is. Longer ones are cut to `truncatedRecordBytes` plus a marker
 * (which keeps them invalid JSON, so they are rejected as malformed, with their start kept
 * for people to look at): one runaway line must not fail a run or blow the engine's buffers.
 */
export const maxRecordBytes = 1 << 20;
const truncatedRecordBytes = 64 * 1024;

function isBlank(line: Buffer): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c !== 0x20 && c !== 0x09 && c !== carriageReturn && c !== newline) return false;
  }
  return true;
}

/**
 * A record must fit on one line. Line breaks outside JSON strings are whitespace and become
 * spaces; inside strings they are invalid JSON and become \x0b, which keeps them invalid.
 */
function flattenLineBreaks(text: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (const ch of text) {
    if (ch === '\n' || ch === '\r') {
      out += inString ? '\x0b' : ' ';
      escaped = false;
      continue;
    }
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    out += ch;
  }
  return out;
}

/** Makes one record's bytes safe to stage. */
function sanitize(line: Buffer): Buffer {
  let text = line;
  if (text.length > maxRecordBytes) {
    // toString drops a character cut in half; the marker cannot occur in valid JSON
    const start = text
      .subarray(0, truncatedRecordBytes)
      .toString('utf8')
      .replace(new RegExp(`${replacementCharacter}$`), '');
    text = Buffer.from(`${start} …[record truncated: ${line.length} bytes]`, 'utf8');
  }
  if (text.length > 0 && text[text.length - 1] === carriageReturn) text = text.subarray(0, text.length - 1);
  if (!isUtf8(text)) text = Buffer.from(text.toString('utf8'), 'utf8');
  if (text.includes(carriageReturn) || text.includes(newline)) {
    text = Buffer.from(flattenLineBreaks(text.toString('utf8')), 'utf8');
  }
  if (text.includes(fieldSeparator)) {
    text = Buffer.from(text); // copy before editing: the input buffer is not ours
    for (let i = 0; i < text.length; i++) if (text[i] === fieldSeparator) text[i] = separatorStandIn;
  }
  return text;
}

/** Collects staged lines into large buffers: one small write per line would dominate the cost. */
class StagedWriter {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly flushAt = 1 << 20) {}

  add(recordNumber: number, text: Buffer): void {
    const prefix = Buffer.from(`${recordNumber}\x01`, 'latin1');
    this.parts.push(prefix, text, Buffer.from([newline]));
    this.size += prefix.length + text.length + 1;
  }

  /** Returns a chunk when enough has been collected (or when forced). */
  take(force = false): Buffer | undefined {
    if (this.size === 0 || (!force && this.size < this.flushAt)) return undefined;
    const chunk = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return chunk;
  }
}

const isWhitespace = (c: number | undefined): boolean =>
  c === 0x20 || c === 0x09 || c === newline || c === carriageReturn;

/**
 * Reads ahead to the first meaningful bytes to tell the format; undefined while more bytes
 * are needed. A JSON string counts as the export format only when it holds an array
 * (`"[`); any other first line is JSON Lines, whose records are judged one by one.
 */
function detectFormat(head: Buffer, ended: boolean): RawFormat | undefined {
  let i = 0;
  while (i < head.length && isWhitespace(head[i])) i++;
  if (i === head.length) return ended ? 'empty' : undefined;
  if (head[i] === 0x5b) return 'json-array';
  if (head[i] !== 0x22) return 'json-lines';
  let j = i + 1;
  while (j < head.length && isWhitespace(head[j])) j++;
  if (j === head.length) return ended ? 'json-lines' : undefined;
  return head[j] === 0x5b ? 'json-string-array' : 'json-lines';
}

async function* withoutBom(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0); // until three bytes are known
  for await (const chunk of input) {
    if (head === undefined) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length < bom.length) continue;
    yield head.subarray(0, bom.length).equals(bom) ? head.subarray(bom.length) : head;
    head = undefined;
  }
  if (head !== undefined && head.length > 0 && !bom.subarray(0, head.length).equals(head)) yield head;
}

/**
 * Stages every record of `input`. Yields staged chunks; `stats` is complete once the
 * generator has finished.
 */
export async function* stageRecords(
  input: AsyncIterable<Buffer>,
  stats: StagingStats,
): AsyncGenerator<Buffer> {
  const iterator = withoutBom(input)[Symbol.asyncIterator]();
  const buffered: Buffer[] = [];
  let format: RawFormat | undefined;
  while (format === undefined) {
    const next = await iterator.next();
    if (!next.done) buffered.push(next.value);
    format = detectFormat(Buffer.concat(buffered), next.done === true);
  }
  stats.format = format;
  stats.records = 0;
  stats.blankLines = 0;
  stats.truncated = false;
  if (format === 'empty') return;

  async function* replay(): AsyncGenerator<Buffer> {
    yield* buffered;
    while (true) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }

  if (format === 'json-lines') yield* stageLines(replay(), stats);
  else if (format === 'json-array') yield* stageArray(decodeUtf8(replay()), stats, false);
  else yield* stageArray(decodeUtf8(replay()), stats, true);
}

/** Writes a record number in decimal ASCII at `at`; returns the position after it. */
function writeNumber(target: Buffer, at: number, value: number): number {
  let width = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) width++;
  let rest = value;
  for (let i = at + width - 1; i >= at; i--) {
    target[i] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + width;
}

async function* stageLines(input: AsyncIterable<Buffer>, stats: StagingStats): AsyncGenerator<Buffer> {
  const slow = new StagedWriter(0);
  let carry: Buffer | undefined;
  let lineNumber = 0;
  const emitSlow = (line: Buffer): void => {
    lineNumber++;
    if (isBlank(line)) {
      stats.blankLines++;
      return;
    }
    stats.records++;
    slow.add(lineNumber, sanitize(line));
  };
  for await (const chunk of input) {
    const data = carry ? Buffer.concat([carry, chunk]) : chunk;
    const complete = data.lastIndexOf(newline) + 1;
    carry = complete < data.length ? Buffer.from(data.subarray(complete)) : undefined;
    if (complete === 0) continue;
    const region = data.subarray(0, complete);
    // The common case, checked once per chunk instead of once per line: clean UTF-8 with no
    // byte that needs rewriting. Then lines are copied straight into one output buffer.
    if (isUtf8(region) && !region.includes(fieldSeparator) && !region.includes(carriageReturn)) {
      let lines = 0;
      for (let i = region.indexOf(newline); i !== -1; i = region.indexOf(newline, i + 1)) lines++;
      const out = Buffer.allocUnsafe(region.length + lines * 17);
      let at = 0;
      let start = 0;
      for (let end = region.indexOf(newline); end !== -1; end = region.indexOf(newline, start)) {
        lineNumber++;
        const first = region[start];
        if (end === start || ((first === 0x20 || first === 0x09) && isBlank(region.subarray(start, end)))) {
          stats.blankLines++;
        } else if (end - start > maxRecordBytes) {
          stats.records++;
          const cut = sanitize(region.subarray(start, end));
          at = writeNumber(out, at, lineNumber);
          out[at++] = fieldSeparator;
          at += cut.copy(out, at);
          out[at++] = newline;
        } else {
          stats.records++;
          at = writeNumber(out, at, lineNumber);
          out[at++] = fieldSeparator;
          at += region.copy(out, at, start, end + 1);
        }
        start = end + 1;
      }
      if (at > 0) yield out.subarray(0, at);
    } else {
      let start = 0;
      for (let end = region.indexOf(newline); end !== -1; end = region.indexOf(newline, start)) {
        emitSlow(region.subarray(start, end));
        start = end + 1;
      }
      const ready = slow.take(true);
      if (ready) yield ready;
    }
  }
  // A last line without a newline is still a record; if it was cut, the rules reject it.
  if (carry && carry.length > 0) emitSlow(carry);
  const rest = slow.take(true);
  if (rest) yield rest;
}

async function* decodeUtf8(input: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for await (const chunk of input) yield decoder.decode(chunk, { stream: true });
  const tail = decoder.decode();
  if (tail) yield tail;
}

/** Undoes one level of JSON string escaping, streaming: the source exports `"[{\"id\":…}]"`. */
async function* unwrapJsonString(input: AsyncIterable<string>, stats: StagingStats): AsyncGenerator<string> {
  let opened = false;
  let closed = false;
  let pending = ''; // an escape sequence cut by a chunk boundary
  const simple: Record<string, string> = {
    '"': '"',
    '\\': '\\',
    '/': '/',
    b: '\b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
  };
  for await (const chunk of input) {
    const text = pending + chunk;
    pending = '';
    let out = '';
    let i = 0;
    if (!opened) {
      i = text.indexOf('"');
      opened = true;
      i++;
    }
    while (i < text.length && !closed) {
      const slash = text.indexOf('\\', i);
      const quote = text.indexOf('"', i);
      if (quote !== -1 && (slash === -1 || quote < slash)) {
        out += text.slice(i, quote);
        closed = true;
        break;
      }
      if (slash === -1) {
        out += text.slice(i);
        i = text.length;
        break;
      }
      out += text.slice(i, slash);
      const kind = text[slash + 1];
      if (kind === undefined || (kind === 'u' && slash + 6 > text.length)) {
        pending = text.slice(slash);
        i = text.length;
        break;
      }
      if (kind === 'u') {
        out += String.fromCharCode(Number.parseInt(text.slice(slash + 2, slash + 6), 16));
        i = slash + 6;
      } else {
        out += simple[kind] ?? kind;
        i = slash + 2;
      }
    }
    if (out) yield out;
    if (closed) break;
  }
  if (!closed) stats.truncated = true;
}

/**
 * Splits a JSON array into its elements without parsing them: a scanner that tracks
 * strings and nesting depth. Elements are numbered from 1.
 */
async function* stageArray(
  input: AsyncIterable<string>,
  stats: StagingStats,
  wrappedInString: boolean,
): AsyncGenerator<Buffer> {
  const out = new StagedWriter();
  const text = wrappedInString ? unwrapJsonString(input, stats) : input;
  let started = false;
  let finished = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  let elementNumber = 0;
  let trailing = '';
  const emit = (raw: string): void => {
    const trimmed = raw.trim();
    elementNumber++;
    if (trimmed === '') {
      stats.blankLines++;
      return;
    }
    stats.records++;
    out.add(elementNumber, sanitize(Buffer.from(trimmed, 'utf8')));
  };
  for await (const chunk of text) {
    let from = 0;
    if (!started) {
      const open = chunk.indexOf('[');
      if (open === -1) continue;
      started = true;
      from = open + 1;
    }
    if (finished) {
      trailing += chunk;
      continue;
    }
    let segmentStart = from;
    for (let i = from; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0 && c === 0x5d) {
          element += chunk.slice(segmentStart, i);
          if (element.trim() !== '' || elementNumber > 0) emit(element);
          element = '';
          finished = true;
          trailing += chunk.slice(i + 1);
          break;
        }
        depth--;
      } else if (c === 0x2c && depth === 0) {
        element += chunk.slice(segmentStart, i);
        emit(element);
        element = '';
        segmentStart = i + 1;
      }
    }
    if (!finished) element += chunk.slice(segmentStart);
    const ready = out.take();
    if (ready) yield ready;
  }
  if (!finished) {
    stats.truncated = true;
    if (element.trim() !== '') emit(element);
  } else if (trailing.trim() !== '') {
    // Text after the closing bracket is not silently dropped: it becomes a (malformed) record.
    emit(trailing);
  }
  const rest = out.take(true);
  if (rest) yield rest;
}
