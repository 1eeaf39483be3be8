import { InternalError } from '../errors/pipelineError.ts';
import {
  isWhiteSpaceCodePoint,
  leadingWhiteSpace,
  nextWhiteSpaceState,
  trailingWhiteSpace,
} from '../text/whiteSpace.ts';
import { followedBy } from './followedBy.ts';
import { stageLines } from './jsonLinesStager.ts';
import type { EnvelopePath } from './recordsPath.ts';
import { cutRecord, maxRecordBytes, StagedWriter, sanitize, truncatedRecordBytes } from './stagedRecords.ts';
import type { StagingStats } from './stagingStats.ts';
import { UnsplittableObjectError } from './unsplittableObjectError.ts';

/**
 * Splits a JSON array into its elements without parsing them, on the raw bytes (so that
 * every offset is a byte of the object): elements are numbered from 1 and keep their text.
 * `wrapped`: the array is inside a JSON string (the source's export, `"[{\"id\":…}]"`); the
 * scanner then reads through one level of escaping and an element's text is unescaped.
 *
 * The split is only as good as the scanner's idea of where strings and brackets are, so it
 * checks JSON's grammar as it goes: after a stray or missing quote, every string is read
 * inside out and the next few bytes break the grammar. A break fails the object with the byte
 * to look at, instead of quietly gluing thousands of elements into one malformed record.
 * Relaxations that cannot move a boundary are allowed (the element is then rejected by the
 * rules): bare words as values or keys (`NaN`, `{id: 1}`), control characters inside strings,
 * empty elements at the top level (`[a,,b]`, `[a,]`).
 *
 * What the array does not explain: a cut end (`stats.truncated`, the partial element is a
 * record); text after the closing `]` or the string's closing quote, staged as JSON Lines
 * (stageLines' `afterExport`); text between the array and the closing quote, one record.
 *
 * `envelope`: the array is inside an object, at a source's `recordsPath`. The same scanner
 * walks the object (its grammar checked the same way) and splits only the array at the path;
 * `EnvelopePath` says where that is and refuses what the path cannot explain. The object's
 * bytes outside the array are `envelope` bytes; a cut envelope fails (the array inside cannot
 * tell how much of it is missing, nor can the rest of the object be checked).
 */

const quote = 0x22;
const backslash = 0x5c;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const comma = 0x2c;
const colon = 0x3a;

/** Inner units that are not a byte: an escape (`\n`, `\u3000`, …) read as one character. */
const whiteSpaceUnit = 0x100;
const otherUnit = 0x101;

const isAsciiWhiteSpace = (c: number): boolean =>
  c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0b || c === 0x0c;

/** What may come next (numbers: the scanner compares them once per byte). */
const Expect = { ValueOrClose: 0, Value: 1, KeyOrClose: 2, Key: 3, Colon: 4, CommaOrClose: 5 } as const;

const Phase = {
  /** Before the top-level `[` (wrapped: after the opening quote) or the envelope's `{`. */
  Open: 0,
  /** Inside the array; with an envelope, inside the envelope (the array is a part of it). */
  Array: 1,
  /** Wrapped only: after the array, before the string's closing quote. */
  AfterArray: 2,
  Done: 3,
} as const;

const simpleEscapes: Record<number, number> = {
  [quote]: quote,
  [backslash]: backslash,
  47: 0x2f, // '/'
  98: 0x08, // b
  102: 0x0c, // f
  110: 0x0a, // n
  114: 0x0d, // r
  116: 0x09, // t
};

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function unicodeUnit(codePoint: number): number {
  if (codePoint < 0x80) return codePoint;
  return isWhiteSpaceCodePoint(codePoint) ? whiteSpaceUnit : otherUnit;
}

const simpleUnescapes: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** One level of JSON string escaping undone; leniently when the text is not valid (a cut escape stays). */
function unescapeJsonString(raw: Buffer): string {
  const text = raw.toString('utf8');
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text.replace(/\\(u[0-9a-fA-F]{4}|[\s\S]|$)/g, (_, sequence: string) => {
      if (sequence === '') return '\\';
      if (sequence.length === 5) return String.fromCharCode(Number.parseInt(sequence.slice(1), 16));
      return simpleUnescapes[sequence] ?? sequence;
    });
  }
}

function describeUnit(code: number): string {
  if (code === quote) return 'a quote';
  if (code === openBrace || code === closeBrace || code === openBracket || code === closeBracket) {
    return `'${String.fromCharCode(code)}'`;
  }
  if (code === comma) return "','";
  if (code === colon) return "':'";
  return 'a value';
}

export interface ArrayOptions {
  readonly objectName: string;
  /** Offset in the object of the input's first byte: the `[`, or the opening quote when wrapped. */
  readonly startOffset: number;
  readonly wrapped: boolean;
  /** The array is at this path inside an object, which the input starts with (`wrapped` is then false). */
  readonly envelope?: EnvelopePath;
}

class ArrayScanner {
  private readonly out = new StagedWriter();
  private phase: number = Phase.Open;
  // the wrapping string (raw bytes)
  private outerOpened = false;
  /** Bytes of the escape being read: 0 none, 1 after `\`, 2..5 inside `\uXXXX`. */
  private escapeLength = 0;
  private escapeStart = 0;
  private escapeValue = 0;
  // JSON inside
  private inString = false;
  private innerEscaped = false;
  private stringIsKey = false;
  private inBare = false;
  private bareStart = 0;
  private bareFirst = 0;
  private bareIsKey = false;
  private bareWhiteSpace = 0;
  private readonly stack: number[] = [];
  private expect: number = Expect.ValueOrClose;
  // the records array: the array itself, or the one at the envelope's path
  /** The records array is open: its elements are being split. */
  private inRecords = false;
  /** Stack depth of the records array's elements (1 without an envelope). */
  private recordsDepth = 1;
  // the envelope
  /** Where the current stretch of envelope bytes started (its `{`, or after the records' `]`). */
  private envelopeStart = 0;
  /** Start of a key the envelope's path compares (its text is held), or -1. */
  private keyStart = -1;
  // the current element (or, after the array, the text before the closing quote)
  /** Elements so far, blank ones included: the last number used. */
  number = 0;
  private spanStart = 0;
  private elementStart = -1;
  private elementEnd = -1;
  private holdFrom = -1;
  private parts: Buffer[] = [];
  private held = 0;
  // the chunk being scanned
  private chunk: Buffer = Buffer.alloc(0);
  private base = 0;

  constructor(
    private readonly stats: StagingStats,
    private readonly options: ArrayOptions,
  ) {}

  /** At the top level of the records array: where elements start and end. */
  private get top(): boolean {
    return this.inRecords && this.stack.length === this.recordsDepth;
  }

  /** In the envelope, outside the records array. */
  private get inEnvelope(): boolean {
    return this.options.envelope !== undefined && !this.inRecords;
  }

  take(force: boolean): Buffer | undefined {
    return this.out.take(force);
  }

  /**
   * Scans one chunk that starts at offset `base`. Returns the index in the chunk where the
   * export ended (the text after it is not the array's), or -1 when all of it was scanned.
   */
  scan(chunk: Buffer, base: number): number {
    this.chunk = chunk;
    this.base = base;
    const { wrapped } = this.options;
    // Inside a string only a quote or a backslash matters (raw ones, also when wrapped): the
    // scanner jumps to the next one, found natively and reused until passed.
    let nextQuote = -1;
    let nextBackslash = -1;
    for (let i = 0; i < chunk.length; i++) {
      if (this.inString && !this.innerEscaped && this.escapeLength === 0) {
        if (nextQuote < i) nextQuote = chunk.indexOf(quote, i) >>> 0;
        if (nextBackslash < i) nextBackslash = chunk.indexOf(backslash, i) >>> 0;
        const next = Math.min(nextQuote, nextBackslash);
        if (next >= chunk.length) break;
        i = next;
      }
      const at = base + i;
      let code = chunk[i] as number;
      let unitStart = at;
      if (wrapped) {
        if (this.escapeLength === 1) {
          if (code === 0x75) {
            this.escapeLength = 2;
            this.escapeValue = 0;
            continue;
          }
          this.escapeLength = 0;
          unitStart = this.escapeStart;
          code = simpleEscapes[code] ?? otherUnit;
        } else if (this.escapeLength > 1) {
          const digit = hexValue(code);
          if (digit < 0) {
            // not a \u escape after all: what was read is one character, then this byte as usual
            this.escapeLength = 0;
            this.unit(otherUnit, this.escapeStart, at);
            i--;
            continue;
          }
          this.escapeValue = this.escapeValue * 16 + digit;
          if (++this.escapeLength < 6) continue;
          this.escapeLength = 0;
          unitStart = this.escapeStart;
          code = unicodeUnit(this.escapeValue);
        } else if (code === backslash) {
          this.escapeLength = 1;
          this.escapeStart = at;
          continue;
        } else if (code === quote) {
          if (!this.outerOpened) {
            this.outerOpened = true;
            this.stats.bytes.separators++;
            continue;
          }
          this.closeString(at);
          this.holdRest(i + 1);
          return i + 1;
        }
      }
      if (this.unit(code, unitStart, at + 1)) {
        this.holdRest(i + 1);
        return i + 1;
      }
    }
    this.holdRest(chunk.length);
    return -1;
  }

  /** The input ended at `offset` without a closing bracket or quote: the export was cut. */
  end(offset: number): void {
    this.chunk = Buffer.alloc(0);
    this.base = offset;
    if (this.escapeLength > 0) {
      this.escapeLength = 0;
      this.unit(otherUnit, this.escapeStart, offset);
    }
    if (this.options.envelope && this.phase === Phase.Array)
      this.options.envelope.cut(offset, this.inRecords);
    if (this.phase === Phase.Open || this.phase === Phase.Done) {
      throw new InternalError(
        `The array stager ended in phase ${this.phase}: format detection promised an array`,
      );
    }
    this.stats.truncated = true;
    if (this.phase === Phase.AfterArray) {
      this.endTextAfterArray(offset, offset);
      return;
    }
    if (this.inBare) {
      if (this.bareWhiteSpace > 0) this.bareWhiteSpace = 0; // a white-space character cut in half by the end
      this.endBare(offset);
    }
    if (this.inString || this.innerEscaped) this.elementEnd = offset;
    if (this.elementStart >= 0) this.emitElement(offset, offset);
    else this.stats.bytes.whiteSpace += offset - this.spanStart;
  }

  /** Keeps the current element's bytes of this chunk up to `index` (an element can span chunks). */
  private holdRest(index: number): void {
    if (this.holdFrom < 0) return;
    const from = Math.max(this.holdFrom - this.base, 0);
    this.hold(this.chunk.subarray(from, Math.max(from, index)));
  }

  private hold(bytes: Buffer): void {
    if (bytes.length === 0 || this.held > maxRecordBytes + 1) return;
    const kept = Buffer.from(bytes.subarray(0, maxRecordBytes + 2 - this.held));
    this.parts.push(kept);
    this.held += kept.length;
  }

  /** The held text of the current element, `[start, end)` in object offsets. */
  private heldText(start: number, end: number): Buffer {
    if (this.held === 0 && start >= this.base) {
      // the common case: the whole element is in the chunk being scanned
      return this.chunk.subarray(start - this.base, Math.max(start, end) - this.base);
    }
    const from = Math.max(this.holdFrom - this.base, 0);
    const upTo = Math.max(from, Math.min(this.chunk.length, end - this.base));
    const all = Buffer.concat([...this.parts, this.chunk.subarray(from, upTo)]);
    return all.subarray(Math.max(start - this.holdFrom, 0), Math.max(end - this.holdFrom, 0));
  }

  private startHolding(offset: number): void {
    this.holdFrom = offset;
    if (this.held > 0) {
      this.parts = [];
      this.held = 0;
    }
  }

  private stopHolding(): void {
    this.startHolding(-1);
  }

  private violation(code: number, at: number): never {
    const expected = [
      "a value or ']'",
      'a value',
      "a key or '}'",
      'a key',
      "':'",
      `',' or '${this.stack.at(-1) === openBrace ? '}' : ']'}'`,
    ][this.expect];
    throw new UnsplittableObjectError(
      this.options.objectName,
      at,
      `${this.whereInExport()}: found ${describeUnit(code)} ` +
        `where ${expected} was expected. A stray or missing quote, bracket or comma there means the elements after ` +
        'it cannot be told apart',
    );
  }

  /** One character of the JSON inside, `[start, end)` in the object. True when the export ended. */
  private unit(code: number, start: number, end: number): boolean {
    if (this.phase === Phase.Array) {
      if (this.inString) {
        if (this.innerEscaped) this.innerEscaped = false;
        else if (code === backslash) this.innerEscaped = true;
        else if (code === quote) {
          this.inString = false;
          if (this.keyStart >= 0) this.envelopeKeyRead(end);
          this.valueEnded(end, this.stringIsKey);
        }
        return false;
      }
      if (this.inBare) {
        if (!(isAsciiWhiteSpace(code) || this.isStructural(code) || code === whiteSpaceUnit)) {
          this.bareWhiteSpace = code < 0x100 ? nextWhiteSpaceState(this.bareWhiteSpace, code) : -1; // an escape ends white space
          return false;
        }
        this.endBare(start);
      }
      return this.token(code, start, end);
    }
    if (this.phase === Phase.Open) {
      if (this.options.envelope && code === openBrace) {
        this.stats.bytes.whiteSpace += start - this.options.startOffset;
        this.phase = Phase.Array;
        this.stack.push(openBrace);
        this.expect = Expect.KeyOrClose;
        this.envelopeStart = start;
        this.options.envelope.envelopeOpened();
        return false;
      }
      if (!this.options.envelope && code === openBracket) {
        this.stats.bytes.whiteSpace += start - this.spanStartOfOpen();
        this.phase = Phase.Array;
        this.openRecords(start, end);
        return false;
      }
      if (code < 0x80 && !isAsciiWhiteSpace(code)) {
        throw new InternalError(
          `The array stager found byte ${code} before '[': format detection promised an array`,
        );
      }
      return false;
    }
    if (this.phase === Phase.AfterArray) {
      if (isAsciiWhiteSpace(code) || code === whiteSpaceUnit) return false;
      if (this.elementStart < 0) {
        if (code === openBracket) {
          throw new UnsplittableObjectError(
            this.options.objectName,
            start,
            'a second JSON array starts inside the string after the first one ended: land each export as an object of its own',
          );
        }
        this.elementStart = start;
      }
      this.elementEnd = end;
      return false;
    }
    return false;
  }

  private spanStartOfOpen(): number {
    // the bytes between the start (or the opening quote) and '[' are white space (format detection)
    return this.options.startOffset + (this.options.wrapped ? 1 : 0);
  }

  private isStructural(code: number): boolean {
    return (
      code === quote ||
      code === openBrace ||
      code === closeBrace ||
      code === openBracket ||
      code === closeBracket ||
      code === comma ||
      code === colon
    );
  }

  /** A character outside strings and bare words, in the array. */
  private token(code: number, start: number, end: number): boolean {
    const top = this.top;
    if (isAsciiWhiteSpace(code) || code === whiteSpaceUnit) {
      // white space before an element is not held: the element's text starts later
      if (top && this.elementStart < 0) this.startHolding(end);
      return false;
    }
    switch (code) {
      case quote:
        if (this.expect === Expect.Value || this.expect === Expect.ValueOrClose) this.stringIsKey = false;
        else if (this.expect === Expect.Key || this.expect === Expect.KeyOrClose) this.stringIsKey = true;
        else this.violation(code, start);
        if (this.inEnvelope) this.envelopeToken(code, start, this.stringIsKey);
        this.beginToken(start);
        this.inString = true;
        return false;
      case openBrace:
      case openBracket:
        if (!(this.expect === Expect.Value || this.expect === Expect.ValueOrClose))
          this.violation(code, start);
        if (this.inEnvelope && this.envelopeToken(code, start, false)) {
          this.stats.bytes.envelope += start - this.envelopeStart;
          this.openRecords(start, end);
          return false;
        }
        this.beginToken(start);
        this.stack.push(code);
        this.expect = code === openBrace ? Expect.KeyOrClose : Expect.ValueOrClose;
        this.elementEnd = end;
        return false;
      case closeBrace:
      case closeBracket:
        return this.close(code, start, end);
      case comma:
        if (top) {
          if (
            this.expect === Expect.Key ||
            this.expect === Expect.KeyOrClose ||
            this.expect === Expect.Colon
          ) {
            this.violation(code, start);
          }
          this.emitElement(start, end);
          this.expect = Expect.Value;
          return false;
        }
        if (this.expect !== Expect.CommaOrClose) this.violation(code, start);
        this.expect = this.stack.at(-1) === openBrace ? Expect.Key : Expect.Value;
        this.elementEnd = end;
        return false;
      case colon:
        if (this.expect !== Expect.Colon) this.violation(code, start);
        this.expect = Expect.Value;
        this.elementEnd = end;
        return false;
      default:
        this.inBare = true;
        this.bareStart = start;
        this.bareFirst = code;
        this.bareIsKey = this.expect === Expect.Key || this.expect === Expect.KeyOrClose;
        // a bare key's text is held from here; whether it is a word or white space shows at its end
        if (this.inEnvelope && this.bareIsKey) this.envelopeToken(code, start, true);
        this.bareWhiteSpace = code < 0x100 ? nextWhiteSpaceState(0, code) : -1;
        return false;
    }
  }

  private beginToken(start: number): void {
    if (this.top && this.elementStart < 0) this.elementStart = start;
  }

  /** A bare word ended at `end`: white space (Unicode's, read byte by byte), or a value or key. */
  private endBare(end: number): void {
    this.inBare = false;
    if (this.bareWhiteSpace === 0) {
      if (this.top && this.elementStart < 0) this.startHolding(end);
      if (this.keyStart >= 0) {
        this.keyStart = -1;
        this.stopHolding();
      }
      return;
    }
    if (this.expect === Expect.Colon || this.expect === Expect.CommaOrClose)
      this.violation(otherUnit, this.bareStart);
    if (this.keyStart >= 0) this.envelopeKeyRead(end);
    else if (this.inEnvelope && !this.bareIsKey) this.envelopeToken(this.bareFirst, this.bareStart, false);
    this.beginToken(this.bareStart);
    this.valueEnded(end, this.bareIsKey);
  }

  private valueEnded(end: number, wasKey: boolean): void {
    this.elementEnd = end;
    this.expect = wasKey ? Expect.Colon : Expect.CommaOrClose;
  }

  private close(code: number, start: number, end: number): boolean {
    const open = this.stack.at(-1);
    if (this.top) {
      if (code !== closeBracket || this.expect === Expect.Key || this.expect === Expect.KeyOrClose) {
        this.violation(code, start);
      }
      // `[]` has no element; `[a,]` ends with an empty one
      if (this.elementStart >= 0 || this.number > 0) this.emitElement(start, end);
      else {
        this.stats.bytes.whiteSpace += start - this.spanStart;
        this.stats.bytes.separators += end - start;
      }
      this.stack.pop();
      this.spanStart = end;
      if (this.options.envelope) {
        // the rest of the envelope follows: its bytes from here on are the envelope's
        this.inRecords = false;
        this.envelopeStart = end;
        this.stopHolding();
        this.valueEnded(end, false);
        return false;
      }
      if (!this.options.wrapped) {
        this.phase = Phase.Done;
        this.holdFrom = -1;
        return true;
      }
      this.phase = Phase.AfterArray;
      this.elementStart = -1;
      this.startHolding(end);
      return false;
    }
    const matches =
      (code === closeBrace && open === openBrace) || (code === closeBracket && open === openBracket);
    const allowed =
      this.expect === Expect.CommaOrClose ||
      (code === closeBrace && this.expect === Expect.KeyOrClose) ||
      (code === closeBracket && this.expect === Expect.ValueOrClose);
    if (!matches || !allowed) this.violation(code, start);
    this.stack.pop();
    this.valueEnded(end, false);
    if (
      code === closeBrace &&
      this.inEnvelope &&
      this.options.envelope?.objectCloses(this.stack.length + 1, start)
    ) {
      this.stats.bytes.envelope += end - this.envelopeStart;
      this.phase = Phase.Done;
      return true;
    }
    return false;
  }

  /**
   * A key or value starts in the envelope at `start`: the path decides whether to hold a key's
   * text and whether a value is the records array (true) or an object on the way to it.
   */
  private envelopeToken(code: number, start: number, isKey: boolean): boolean {
    const path = this.options.envelope;
    if (path === undefined) return false;
    if (isKey) {
      if (path.wantsKeyAt(this.stack.length)) {
        this.keyStart = start;
        this.startHolding(start);
      }
      return false;
    }
    return path.valueStarts(this.stack.length, code, start) === 'records';
  }

  /** A key the path compares ended at `end`. */
  private envelopeKeyRead(end: number): void {
    const raw = this.heldText(this.keyStart, end).toString('utf8');
    this.options.envelope?.keyRead(this.stack.length, raw, this.keyStart);
    this.keyStart = -1;
    this.stopHolding();
  }

  /** The records array opens at `[start, end)`: its elements begin. */
  private openRecords(start: number, end: number): void {
    this.stats.bytes.separators += end - start;
    this.stack.push(openBracket);
    this.inRecords = true;
    this.recordsDepth = this.stack.length;
    this.expect = Expect.ValueOrClose;
    this.spanStart = end;
    this.startHolding(end);
  }

  /** The element before a top-level separator `[sepStart, sepEnd)` (empty at the end of the input). */
  private emitElement(sepStart: number, sepEnd: number): void {
    const { stats } = this;
    this.number++;
    if (this.elementStart < 0) {
      stats.blankLines++;
      stats.bytes.whiteSpace += sepStart - this.spanStart;
    } else {
      const length = this.elementEnd - this.elementStart;
      stats.records++;
      stats.bytes.records += length;
      stats.bytes.whiteSpace += this.elementStart - this.spanStart + (sepStart - this.elementEnd);
      this.out.add(this.number, this.recordText(this.heldText(this.elementStart, this.elementEnd), length));
    }
    stats.bytes.separators += sepEnd - sepStart;
    this.spanStart = sepEnd;
    this.elementStart = -1;
    this.elementEnd = -1;
    this.startHolding(sepEnd);
  }

  private recordText(raw: Buffer, length: number): Buffer {
    if (length > maxRecordBytes) {
      this.stats.cutRecords++;
      const start = raw.subarray(0, truncatedRecordBytes);
      return cutRecord(this.options.wrapped ? unescapeJsonString(start) : start, length);
    }
    return sanitize(this.options.wrapped ? Buffer.from(unescapeJsonString(raw), 'utf8') : raw);
  }

  /** Where in the export the scanner is, for people. */
  private whereInExport(): string {
    const path = this.options.envelope;
    if (path === undefined) {
      return `in the JSON array${this.options.wrapped ? ' inside the string' : ''}, ${this.whereInArray()}`;
    }
    if (this.inRecords) return `in the records array at "${path.text}", ${this.whereInArray()}`;
    return `in the object around the records (recordsPath "${path.text}")`;
  }

  /** Where in the array the scanner is, for people: the element it is in, or the one it is after. */
  private whereInArray(): string {
    return this.elementStart >= 0
      ? `element ${this.number + 1} (from byte ${this.elementStart})`
      : `after element ${this.number}`;
  }

  /** The string's closing quote at `at`. */
  private closeString(at: number): void {
    if (this.phase !== Phase.AfterArray) {
      const element = this.whereInArray();
      throw new UnsplittableObjectError(
        this.options.objectName,
        at,
        `the string that holds the JSON array ends (an unescaped quote) inside the array, in ${element}: ` +
          'a stray quote, after which the elements cannot be told apart',
      );
    }
    this.endTextAfterArray(at, at + 1);
  }

  /** Text between the array and the string's end (at `at`, `quoteEnd` after the quote): one record. */
  private endTextAfterArray(at: number, quoteEnd: number): void {
    const { stats } = this;
    if (this.elementStart >= 0) {
      // raw white space (a no-break space, say) is not a unit of its own here: trim it now
      const raw = this.heldText(this.elementStart, this.elementEnd);
      const leading = leadingWhiteSpace(raw, 0, raw.length);
      const trailing = leading === raw.length ? 0 : trailingWhiteSpace(raw, leading, raw.length);
      if (leading < raw.length) {
        this.elementStart += leading;
        this.elementEnd -= trailing;
        this.number++;
        stats.records++;
        stats.recordsAfterEnd++;
        const length = this.elementEnd - this.elementStart;
        stats.bytes.records += length;
        stats.bytes.whiteSpace += this.elementStart - this.spanStart + (at - this.elementEnd);
        this.out.add(this.number, this.recordText(raw.subarray(leading, raw.length - trailing), length));
      } else {
        stats.bytes.whiteSpace += at - this.spanStart;
      }
    } else {
      stats.bytes.whiteSpace += at - this.spanStart;
    }
    stats.bytes.separators += quoteEnd - at;
    this.phase = Phase.Done;
    this.holdFrom = -1;
    this.elementStart = -1;
  }
}

/** Stages the elements of an array export, then whatever follows it as JSON Lines. */
export async function* stageArray(
  input: AsyncIterator<Buffer>,
  stats: StagingStats,
  options: ArrayOptions,
): AsyncGenerator<Buffer> {
  const scanner = new ArrayScanner(stats, options);
  let offset = options.startOffset;
  for (;;) {
    const next = await input.next();
    if (next.done) {
      scanner.end(offset);
      const rest = scanner.take(true);
      if (rest) yield rest;
      return;
    }
    const chunk = next.value;
    const ended = scanner.scan(chunk, offset);
    const out = scanner.take(ended >= 0);
    if (out) yield out;
    if (ended >= 0) {
      yield* stageLines(followedBy(chunk.subarray(ended), input), stats, {
        objectName: options.objectName,
        startOffset: offset + ended,
        afterExport: { lastRecordNumber: scanner.number, envelope: options.envelope !== undefined },
      });
      return;
    }
    offset += chunk.length;
  }
}
