import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { UnsplittableObjectError } from '../../domain/ingest/unsplittableObjectError.ts';

/** What reading one raw object's content saw, counted apart from the stager that consumes it. */
export interface ContentCount {
  compressed: boolean;
  /** Bytes of the object as stored (compressed when `compressed`). */
  storedBytes: number;
  /** Zero bytes after the end of the gzip data: padding, which gunzip skips. */
  gzipPaddingBytes: number;
  /** Bytes of content handed on (after gunzip). */
  contentBytes: number;
  /** The content was read to its end. */
  ended: boolean;
}

export const newContentCount = (): ContentCount => ({
  compressed: false,
  storedBytes: 0,
  gzipPaddingBytes: 0,
  contentBytes: 0,
  ended: false,
});

const gzipMagic = [0x1f, 0x8b];

/** The first bytes of gzip data (what `rawObjectContent` gunzips). */
export const isGzip = (head: Buffer): boolean => head[0] === gzipMagic[0] && head[1] === gzipMagic[1];

/** Offset of the last byte that is not zero in `chunk`, -1 when there is none. */
function lastNonZero(chunk: Buffer): number {
  for (let i = chunk.length - 1; i >= 0; i--) if (chunk[i] !== 0) return i;
  return -1;
}

/**
 * The content of a raw object: gunzipped when its first bytes say gzip (peeked, not
 * consumed), as is otherwise; counted into `count`.
 *
 * gunzip stops at the first zero byte after a gzip member and ignores everything after it
 * without an error: `gzip(records) + "\0" + more records` would lose the records after the
 * zero. Zeros alone are padding (some tools write whole blocks); anything else fails the object.
 */
export async function* rawObjectContent(
  stream: Readable,
  count: ContentCount,
  objectName: string,
): AsyncGenerator<Buffer> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first = await iterator.next();
  while (!first.done && first.value.length === 0) first = await iterator.next();
  if (first.done) {
    count.ended = true;
    return;
  }
  const head: Buffer = first.value;
  let lastData = -1; // offset of the last stored byte that is not zero
  const stored = async function* (): AsyncGenerator<Buffer> {
    for (let next: IteratorResult<Buffer> = first; !next.done; next = await iterator.next()) {
      const at = lastNonZero(next.value);
      if (at >= 0) lastData = count.storedBytes + at;
      count.storedBytes += next.value.length;
      yield next.value;
    }
  };
  if (isGzip(head)) {
    count.compressed = true;
    const gunzip = createGunzip();
    const feeding = pipeline(stored(), gunzip).catch((error: unknown) => gunzip.destroy(error as Error));
    for await (const chunk of gunzip) {
      count.contentBytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    await feeding;
    const read = gunzip.bytesWritten;
    if (lastData >= read) {
      throw new UnsplittableObjectError(
        objectName,
        read,
        `${count.storedBytes - read} bytes after the end of the gzip data, which gunzip skips without a word ` +
          '(after a zero byte), hold data',
        'stored',
      );
    }
    count.gzipPaddingBytes = count.storedBytes - read;
  } else {
    for await (const chunk of stored()) {
      count.contentBytes += chunk.length;
      yield chunk;
    }
  }
  count.ended = true;
}
