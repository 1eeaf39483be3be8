import { UnsplittableObjectError } from './unsplittableObjectError.ts';

/**
 * A source's `recordsPath`: where its records are inside a wrapper object, as dot-separated
 * keys (`results`, `data.items`). An export such as `{"count": 50, "results": [{…}, {…}]}`
 * is an envelope around the array at that path; everything else in it is not a record.
 */

/** Longest path accepted: a key is matched against text held while scanning, so keep it bounded. */
export const maxRecordsPathLength = 200;

/** Why `path` is not a records path, or undefined when it is one. */
export function recordsPathProblem(path: string): string | undefined {
  if (path.length === 0) return 'recordsPath is empty: leave it out when records are not inside an object';
  if (path.length > maxRecordsPathLength) {
    return `recordsPath is ${path.length} characters long; at most ${maxRecordsPathLength} are allowed`;
  }
  if (path.split('.').some((key) => key.length === 0)) {
    return (
      `recordsPath "${path}" has an empty key (a leading, trailing or doubled dot): write the object keys that ` +
      'lead to the records array separated by single dots, e.g. "results" or "data.items"'
    );
  }
  return undefined;
}

/** The keys of a records path that `recordsPathProblem` accepted. */
export const recordsPathKeys = (path: string): readonly string[] => path.split('.');

/** How a value on the path starts, for messages: what was found where an object or array was needed. */
function describeValue(code: number): string {
  if (code === 0x22) return 'a string';
  if (code === 0x7b) return 'an object';
  if (code === 0x5b) return 'an array';
  return 'a number, true, false or null';
}

/**
 * Follows the records path while a scanner walks the envelope on raw bytes: which key of
 * which object is on the path, where the records array is, and every way the path can fail.
 * The scanner owns the JSON grammar and the bytes; this owns what the path means. Depths count
 * open objects and arrays, the envelope's own brace being depth 1.
 */
export class EnvelopePath {
  /** Objects along the path that are open (the envelope is the first). */
  private open = 0;
  /** The key just read is the path's key at this depth: the next value is on the path. */
  private keyMatched = false;
  /** Per depth on the path: the offset where its key was found (-1: not yet). */
  private readonly foundAt: number[];

  constructor(
    private readonly keys: readonly string[],
    private readonly objectName: string,
  ) {
    this.foundAt = keys.map(() => -1);
  }

  /** The path as the contract writes it, for messages. */
  get text(): string {
    return this.keys.join('.');
  }

  /** The envelope's opening brace was read. */
  envelopeOpened(): void {
    this.open = 1;
  }

  /** True when a key read at `depth` must be compared with the path (its text is then held). */
  wantsKeyAt(depth: number): boolean {
    return depth === this.open && depth <= this.keys.length;
  }

  /**
   * A key at `depth` (`wantsKeyAt` was true), `raw` its text as read: a JSON string with its
   * quotes, or a bare word. A second occurrence of the path's key is refused: which of the two
   * holds the records would be a guess (JSON parsers disagree: most keep the last).
   */
  keyRead(depth: number, raw: string, at: number): void {
    const key = raw.startsWith('"') ? decodeKey(raw) : raw;
    this.keyMatched = key === this.keys[depth - 1];
    if (!this.keyMatched) return;
    const first = this.foundAt[depth - 1] ?? -1;
    if (first >= 0) {
      this.fail(
        at,
        `the key "${key}" of recordsPath "${this.text}" occurs twice in the same object (first at byte ${first}): ` +
          'which one holds the records would be a guess; export the object with each key once',
      );
    }
    this.foundAt[depth - 1] = at;
  }

  /**
   * A value starts at `depth` (the depth of the object that holds it) with `code` at `at`.
   * 'records': it is the records array; 'deeper': an object on the path (the scanner opens it
   * as usual); 'other': not on the path.
   */
  valueStarts(depth: number, code: number, at: number): 'records' | 'deeper' | 'other' {
    if (!(this.keyMatched && depth === this.open)) return 'other';
    this.keyMatched = false;
    const last = depth === this.keys.length;
    if (last && code === 0x5b) return 'records';
    if (!last && code === 0x7b) {
      this.open++;
      return 'deeper';
    }
    const prefix = this.keys.slice(0, depth).join('.');
    this.fail(
      at,
      `the value at "${prefix}" is ${describeValue(code)}, not ${last ? 'an array' : 'an object'}: recordsPath ` +
        `"${this.text}" cannot lead to the records there; check the source's recordsPath against the export`,
    );
  }

  /**
   * An object closes at `depth` (its closing brace at `at`). An object on the path must have
   * held its key. True when it was the envelope itself.
   */
  objectCloses(depth: number, at: number): boolean {
    if (depth !== this.open) return false;
    if (depth <= this.keys.length && (this.foundAt[depth - 1] ?? -1) < 0) {
      const where = depth === 1 ? 'the object' : `the object at "${this.keys.slice(0, depth - 1).join('.')}"`;
      this.fail(
        at,
        `${where} ends without the key "${this.keys[depth - 1]}" of recordsPath "${this.text}": the records are not ` +
          "where the source's contract says; check its recordsPath against the export (or that this is the " +
          "source's export at all)",
      );
    }
    this.open--;
    return depth === 1;
  }

  /** The content ended at `at` before the envelope closed; `inRecords`: inside the records array. */
  cut(at: number, inRecords: boolean): never {
    this.fail(
      at,
      `the content ends ${inRecords ? 'inside the records array' : 'before the object that holds the records closes'} ` +
        `(recordsPath "${this.text}"): the export was cut, and how many records it lost cannot be told; ` +
        'land the whole export',
    );
  }

  private fail(at: number, problem: string): never {
    throw new UnsplittableObjectError(this.objectName, at, problem);
  }
}

/** A key's text as JSON reads it; as written when it is not valid JSON (it then matches only itself). */
function decodeKey(raw: string): string {
  try {
    const key: unknown = JSON.parse(raw);
    return typeof key === 'string' ? key : raw;
  } catch {
    return raw;
  }
}
