import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { newContentCount, rawObjectContent } from '../../src/jobs/loader/rawObjectContent.ts';

async function read(stored: Buffer, chunk = 7) {
  const count = newContentCount();
  const parts: Buffer[] = [];
  const chunks = [];
  for (let i = 0; i < stored.length; i += chunk) chunks.push(stored.subarray(i, i + chunk));
  for await (const part of rawObjectContent(Readable.from(chunks), count, 'raw/x.gz')) parts.push(part);
  return { content: Buffer.concat(parts).toString('utf8'), count };
}

const lines = '{"id":"a"}\n{"id":"b"}\n';

describe('reading a raw object', () => {
  it('passes plain content through and counts it', async () => {
    const { content, count } = await read(Buffer.from(lines));
    expect(content).toBe(lines);
    expect(count).toEqual({
      compressed: false,
      storedBytes: 22,
      gzipPaddingBytes: 0,
      contentBytes: 22,
      ended: true,
    });
  });

  it('reads an empty object', async () => {
    expect((await read(Buffer.alloc(0))).count).toMatchObject({
      storedBytes: 0,
      contentBytes: 0,
      ended: true,
    });
  });

  it('gunzips, several members too', async () => {
    const stored = Buffer.concat([gzipSync('{"id":"a"}\n'), gzipSync('{"id":"b"}\n')]);
    const { content, count } = await read(stored);
    expect(content).toBe(lines);
    expect(count).toMatchObject({
      compressed: true,
      storedBytes: stored.length,
      contentBytes: 22,
      ended: true,
    });
  });

  it('counts zeros after the gzip data as padding', async () => {
    const gzipped = gzipSync(lines);
    const { content, count } = await read(Buffer.concat([gzipped, Buffer.alloc(512)]));
    expect(content).toBe(lines);
    expect(count).toMatchObject({
      storedBytes: gzipped.length + 512,
      gzipPaddingBytes: 512,
      contentBytes: 22,
    });
  });

  it('refuses data that gunzip would skip after a zero byte (it does so without an error)', async () => {
    const gzipped = gzipSync(lines);
    const stored = Buffer.concat([
      gzipped,
      Buffer.from([0]),
      Buffer.from('{"id":"c"}\n'),
      gzipSync('{"id":"d"}\n'),
    ]);
    await expect(read(stored)).rejects.toMatchObject({
      name: 'UnsplittableObjectError',
      byteOffset: gzipped.length,
      message: expect.stringMatching(
        /raw\/x\.gz.*bytes after the end of the gzip data.*of the stored object/,
      ),
    });
  });
});
