import type { ByteAccount } from './byteAccount.ts';
import { followedBy } from './followedBy.ts';
import { detectFormat } from './formatDetection.ts';
import { stageArray } from './jsonArrayStager.ts';
import { stageLines } from './jsonLinesStager.ts';
import { EnvelopePath } from './recordsPath.ts';
import { newStagingStats, type StagingStats } from './stagingStats.ts';
import { UnsplittableObjectError } from './unsplittableObjectError.ts';

/**
 * Turns one raw object's (already decompressed) bytes into "staged" lines that DuckDB reads
 * with its CSV reader at full speed: `<record number>\x01<record text>\n` (stagedRecords.ts).
 *
 * Why a staging pass at all: sources send JSON Lines, a JSON array, or a JSON *string* that
 * holds the array, sometimes with a BOM, blank lines or a truncated end. DuckDB's JSON
 * reader would drop or fail on broken records; here every record, broken or not, keeps its
 * text and its number, so that it can land in `listings_rejected` and the run can prove that
 * read = kept + rejected.
 *
 * A source may put its records inside an object (`{"count": 2, "results": [...]}`): given the
 * keys of its `recordsPath`, an object first is that envelope, and its array at the path is
 * staged like an array export (jsonArrayStager.ts, recordsPath.ts). Without one, an object
 * first is a JSON Lines record, as always.
 *
 * And every byte is accounted for (`stats.bytes`): in a record, a separator, white space, the
 * envelope or the BOM. Text that cannot be split into records either becomes a record of its own (which
 * the rules reject as malformed) or fails the object with `UnsplittableObjectError`; never is
 * it skipped. Bytes a bug left unread or unclassified show as a difference the loader refuses.
 */

export type { RawFormat, StagingStats } from './stagingStats.ts';
export { newStagingStats } from './stagingStats.ts';

const utf8Bom = Buffer.from([0xef, 0xbb, 0xbf]);

/** Counts every byte pulled from the input, before anything looks at it. */
async function* counted(input: AsyncIterable<Buffer>, bytes: ByteAccount): AsyncGenerator<Buffer> {
  for await (const chunk of input) {
    bytes.read += chunk.length;
    yield chunk;
  }
}

/** UTF-16 and UTF-32 text, told by its byte order mark: read as UTF-8 every record would be garbage. */
function refuseOtherEncodings(head: Buffer, objectName: string): void {
  const [a, b, c, d] = head;
  const utf16 = (a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff);
  const utf32 = a === 0 && b === 0 && c === 0xfe && d === 0xff;
  if (utf16 || utf32) {
    throw new UnsplittableObjectError(
      objectName,
      0,
      `it starts with a ${utf32 || (c === 0 && d === 0) ? 'UTF-32' : 'UTF-16'} byte order mark; the pipeline reads UTF-8: ` +
        'export the file as UTF-8',
    );
  }
}

export interface StageOptions {
  /** The keys of the source's `recordsPath` (recordsPathKeys); absent: records are not inside an object. */
  readonly recordsPath?: readonly string[] | undefined;
  /**
   * The input is one piece of a JSON Lines object cut at line starts (objectPiece.ts): its
   * format was told from the object's start when it was planned, so nothing is detected here
   * (a later piece's first line may well start with `[`, and a malformed line is still a
   * line). Only the `first` piece can hold a BOM. Lines are numbered from 1 in each piece.
   */
  readonly piece?: 'first' | 'later' | undefined;
}

/**
 * Whether an object whose first bytes are `head` (`ended`: all of it) is JSON Lines that may be
 * cut into pieces at line starts: UTF-8, no records path (its records could be in an envelope),
 * and not an array or string export, which are one JSON text. Undefined while more bytes would decide.
 */
export function splittableJsonLines(head: Buffer, ended: boolean, recordsPath: boolean): boolean | undefined {
  if (recordsPath) return false;
  if (head.length < 4 && !ended) return undefined; // a UTF-16 or UTF-32 mark needs 4 bytes
  try {
    refuseOtherEncodings(head, 'the raw object');
  } catch {
    return false;
  }
  const bom = head.subarray(0, utf8Bom.length).equals(utf8Bom) ? utf8Bom.length : 0;
  return detectFormat(head, bom, ended, false)?.format === 'json-lines' ? true : undefined;
}

/**
 * Stages every record of `input`. Yields staged chunks; `stats` is complete once the
 * generator has finished. `objectName` is for error messages.
 */
export async function* stageRecords(
  input: AsyncIterable<Buffer>,
  stats: StagingStats,
  objectName = 'the raw object',
  options: StageOptions = {},
): AsyncGenerator<Buffer> {
  const { recordsPath, piece } = options;
  const envelopes = recordsPath !== undefined;
  Object.assign(stats, newStagingStats());
  const { bytes } = stats;
  const source = counted(input, bytes)[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  let ended = false;
  const readMore = async (): Promise<void> => {
    const next = await source.next();
    if (next.done) ended = true;
    else head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  };
  if (piece === 'later') {
    stats.format = 'json-lines';
    yield* stageLines(followedBy(Buffer.alloc(0), source), stats, { objectName, startOffset: 0 });
    return;
  }
  while (!ended && head.length < 4) await readMore();
  refuseOtherEncodings(head, objectName);
  bytes.bom = head.subarray(0, utf8Bom.length).equals(utf8Bom) ? utf8Bom.length : 0;
  if (piece === 'first') {
    stats.format = 'json-lines';
    yield* stageLines(followedBy(head.subarray(bytes.bom), source), stats, {
      objectName,
      startOffset: bytes.bom,
    });
    return;
  }
  let detected = detectFormat(head, bytes.bom, ended, envelopes);
  while (detected === undefined) {
    await readMore();
    detected = detectFormat(head, bytes.bom, ended, envelopes);
  }
  stats.format = detected.format;
  if (detected.format === 'empty') {
    bytes.whiteSpace += head.length - bytes.bom;
  } else if (detected.format === 'json-lines') {
    yield* stageLines(followedBy(head.subarray(bytes.bom), source), stats, {
      objectName,
      startOffset: bytes.bom,
    });
  } else {
    bytes.whiteSpace += detected.start - bytes.bom;
    yield* stageArray(followedBy(head.subarray(detected.start), source), stats, {
      objectName,
      startOffset: detected.start,
      wrapped: detected.format === 'json-string-array',
      ...(detected.format === 'json-envelope' && recordsPath !== undefined
        ? { envelope: new EnvelopePath(recordsPath, objectName) }
        : {}),
    });
  }
  // Whatever a stager left unread is still read (and counted), so that it shows as
  // unaccounted bytes instead of vanishing.
  for (let next = await source.next(); !next.done; next = await source.next());
}
