import { isUtf8 } from 'node:buffer';
import { leadingWhiteSpace, trailingWhiteSpace } from '../text/whiteSpace.ts';
import { detectFormat } from './formatDetection.ts';
import {
  carriageReturn,
  cutRecord,
  fieldSeparator,
  maxRecordBytes,
  newline,
  StagedWriter,
  sanitize,
  truncatedRecordBytes,
  writeNumber,
} from './stagedRecords.ts';
import type { StagingStats } from './stagingStats.ts';
import { UnsplittableObjectError } from './unsplittableObjectError.ts';

export interface LineOptions {
  readonly objectName: string;
  /** Offset of the input's first byte in the object, for error messages. */
  readonly startOffset: number;
  /**
   * Set for the text after the end of an array or string export. Its records are numbered on
   * from the export's last element, one per non-blank line; its line breaks and blank lines
   * are white space; and a second export there fails the object: staged as one line it would
   * hide every record it holds inside one malformed record. After an envelope (`envelope`),
   * an object is a second envelope too.
   */
  readonly afterExport?: { readonly lastRecordNumber: number; readonly envelope?: boolean };
}

const openBrace = 0x7b;
const closeBrace = 0x7d;

/** The start of a line that continues into the next chunks; only its first bytes are kept. */
class PendingLine {
  private parts: Buffer[] = [];
  private held = 0;
  /** Bytes of the line so far. */
  length = 0;
  /** Its last byte (-1: none), to tell a CRLF ending when the tail was not kept. */
  last = -1;
  /** Offset of its first byte in the object. */
  offset = 0;

  add(bytes: Buffer, offset: number): void {
    if (bytes.length === 0) return;
    if (this.length === 0) this.offset = offset;
    this.length += bytes.length;
    this.last = bytes[bytes.length - 1] as number;
    // Beyond the record limit the line is cut anyway: keeping more would only cost memory
    // (and concatenating each chunk to the whole, as before, cost quadratic time).
    if (this.held <= maxRecordBytes) {
      const kept = Buffer.from(bytes.subarray(0, maxRecordBytes + 1 - this.held));
      this.parts.push(kept);
      this.held += kept.length;
    }
  }

  take(): { bytes: Buffer; length: number; last: number; offset: number } {
    const line = {
      bytes: Buffer.concat(this.parts, this.held),
      length: this.length,
      last: this.last,
      offset: this.offset,
    };
    this.parts = [];
    this.held = 0;
    this.length = 0;
    this.last = -1;
    return line;
  }
}

/**
 * Stages JSON Lines: one record per line, numbered by line. White space around a record
 * (Unicode's, not only spaces) is trimmed, and a line of white space only is blank. Every
 * byte is accounted for in `stats.bytes`.
 *
 * The common case, clean UTF-8 with no byte that needs rewriting, is checked once per chunk
 * instead of once per line, and a line that starts with `{` and ends with `}` is then copied
 * straight into one output buffer: two byte reads per line, no per-byte work in JS.
 */
class LineStager {
  private readonly slow = new StagedWriter(0);
  private readonly pending = new PendingLine();
  private lineNumber = 0;
  private recordNumber: number;
  private readonly after: boolean;
  /** After an envelope an object line is a second export: it must go through the check, not the fast path. */
  private readonly objectsAreExports: boolean;
  /** Offset in the object of the next byte fed. */
  private offset: number;

  constructor(
    private readonly stats: StagingStats,
    private readonly options: LineOptions,
  ) {
    this.after = options.afterExport !== undefined;
    this.objectsAreExports = options.afterExport?.envelope === true;
    this.recordNumber = options.afterExport?.lastRecordNumber ?? 0;
    this.offset = options.startOffset;
  }

  /** The staged text of the lines the chunk completes (several buffers: no copy to join them). */
  feed(chunk: Buffer): Buffer[] {
    const chunkOffset = this.offset;
    this.offset += chunk.length;
    const first = chunk.indexOf(newline);
    if (first === -1) {
      this.pending.add(chunk, chunkOffset);
      return [];
    }
    let start = 0;
    if (this.pending.length > 0) {
      this.pending.add(chunk.subarray(0, first), chunkOffset);
      this.finishPending(true);
      start = first + 1;
    }
    const last = chunk.lastIndexOf(newline);
    let out: Buffer | undefined;
    if (last >= start) out = this.region(chunk.subarray(start, last + 1), chunkOffset + start);
    if (last + 1 < chunk.length) this.pending.add(chunk.subarray(last + 1), chunkOffset + last + 1);
    const slow = this.slow.take(true); // the line that was pending, and slow-path lines
    return [slow, out].filter((part): part is Buffer => part !== undefined);
  }

  /** A last line without a newline is still a record; if it was cut, the rules reject it. */
  end(): Buffer | undefined {
    if (this.pending.length > 0) this.finishPending(false);
    return this.slow.take(true);
  }

  private finishPending(terminated: boolean): void {
    const line = this.pending.take();
    let length = line.length;
    let lineBreak = terminated ? 1 : 0;
    if (terminated && line.last === carriageReturn) {
      lineBreak = 2;
      length--;
    }
    const held = line.bytes.subarray(0, Math.min(length, line.bytes.length));
    const record = this.judge(held, 0, held.length, length, line.offset);
    this.countLineBreak(lineBreak);
    if (record) this.slow.add(record.number, record.cut ? record.text : sanitize(record.text));
  }

  private countLineBreak(bytes: number): void {
    if (this.after) this.stats.bytes.whiteSpace += bytes;
    else this.stats.bytes.separators += bytes;
  }

  /**
   * One line's content, `bytes[start, end)` of `length` bytes (only its start is held when it
   * is longer than the record limit): accounts for its bytes and returns the record to stage,
   * or undefined for a blank line.
   */
  private judge(
    bytes: Buffer,
    start: number,
    end: number,
    length: number,
    offset: number,
  ): { number: number; text: Buffer; cut: boolean } | undefined {
    const { stats } = this;
    if (!this.after) this.lineNumber++;
    if (length > maxRecordBytes) {
      // Cut whatever it holds, white space included: the limit is on the line.
      this.checkNotAnotherExport(bytes, start, end, offset);
      stats.bytes.records += length;
      stats.cutRecords++;
      return this.record(cutRecord(bytes.subarray(start, start + truncatedRecordBytes), length), true);
    }
    const leading = leadingWhiteSpace(bytes, start, end);
    if (leading === length) {
      stats.bytes.whiteSpace += length;
      if (!this.after) stats.blankLines++;
      return undefined;
    }
    const trailing = trailingWhiteSpace(bytes, start + leading, end);
    stats.bytes.whiteSpace += leading + trailing;
    stats.bytes.records += length - leading - trailing;
    this.checkNotAnotherExport(bytes, start + leading, end - trailing, offset + leading);
    return this.record(bytes.subarray(start + leading, end - trailing), false);
  }

  private record(text: Buffer, cut: boolean): { number: number; text: Buffer; cut: boolean } {
    this.stats.records++;
    if (this.after) {
      this.stats.recordsAfterEnd++;
      return { number: ++this.recordNumber, text, cut };
    }
    return { number: this.lineNumber, text, cut };
  }

  private checkNotAnotherExport(bytes: Buffer, start: number, end: number, offset: number): void {
    if (!this.after) return;
    const envelope = this.objectsAreExports;
    const format = detectFormat(bytes.subarray(start, end), 0, true, envelope)?.format;
    if (format === 'json-array' || format === 'json-string-array' || format === 'json-envelope') {
      throw new UnsplittableObjectError(
        this.options.objectName,
        offset,
        `a second export (${envelope ? 'an object, ' : ''}a JSON array or a string holding one) starts after the end ` +
          'of the first: land each export as an object of its own',
      );
    }
  }

  /** Complete lines (the region ends with a newline), starting at `regionOffset` in the object. */
  private region(region: Buffer, regionOffset: number): Buffer | undefined {
    if (!(isUtf8(region) && !region.includes(fieldSeparator) && !region.includes(carriageReturn))) {
      let start = 0;
      for (let end = region.indexOf(newline); end !== -1; end = region.indexOf(newline, start)) {
        let lineBreak = 1;
        let contentEnd = end;
        if (end > start && region[end - 1] === carriageReturn) {
          lineBreak = 2;
          contentEnd--;
        }
        const record = this.judge(region, start, contentEnd, contentEnd - start, regionOffset + start);
        this.countLineBreak(lineBreak);
        if (record) this.slow.add(record.number, record.cut ? record.text : sanitize(record.text));
        start = end + 1;
      }
      return undefined;
    }
    const { stats } = this;
    let lines = 0;
    for (let i = region.indexOf(newline); i !== -1; i = region.indexOf(newline, i + 1)) lines++;
    this.countLineBreak(lines);
    const out = Buffer.allocUnsafe(region.length + lines * 17);
    let at = 0;
    let start = 0;
    for (let end = region.indexOf(newline); end !== -1; end = region.indexOf(newline, start)) {
      const length = end - start;
      if (
        !this.objectsAreExports &&
        length > 0 &&
        length <= maxRecordBytes &&
        region[start] === openBrace &&
        region[end - 1] === closeBrace
      ) {
        // the common case: nothing to trim, nothing to rewrite
        stats.records++;
        stats.bytes.records += length;
        at = writeNumber(out, at, this.after ? this.numberAfterEnd() : ++this.lineNumber);
        out[at++] = fieldSeparator;
        at += region.copy(out, at, start, end + 1);
      } else {
        const record = this.judge(region, start, end, length, regionOffset + start);
        if (record) {
          at = writeNumber(out, at, record.number);
          out[at++] = fieldSeparator;
          at += record.text.copy(out, at);
          out[at++] = newline;
        }
      }
      start = end + 1;
    }
    return at > 0 ? out.subarray(0, at) : undefined;
  }

  private numberAfterEnd(): number {
    this.stats.recordsAfterEnd++;
    return ++this.recordNumber;
  }
}

/** Stages every line of `input` (see LineStager). */
export async function* stageLines(
  input: AsyncIterable<Buffer>,
  stats: StagingStats,
  options: LineOptions,
): AsyncGenerator<Buffer> {
  const lines = new LineStager(stats, options);
  for await (const chunk of input) yield* lines.feed(chunk);
  const rest = lines.end();
  if (rest) yield rest;
}
