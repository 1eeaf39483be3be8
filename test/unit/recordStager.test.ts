import { describe, expect, it } from 'vitest';
import { maxRecordBytes } from '../../src/domain/ingest/stagedRecords.ts';
import { chunkSizes, stage } from '../support/staging.ts';

const a = '{"id":"a","raw_price":"1 000 €"}';
const b = '{"id":"b","raw_price":"CHF 2\'000"}';

describe('record stager', () => {
  it.each(chunkSizes)('stages JSON Lines with line numbers (chunks of %i bytes)', async (size) => {
    const { records, stats } = await stage(`${a}\n${b}\n`, size);
    expect(records).toEqual([
      [1, a],
      [2, b],
    ]);
    expect(stats).toMatchObject({ format: 'json-lines', records: 2, blankLines: 0 });
  });

  it.each(chunkSizes)('skips a BOM, blank lines and CRLF endings (chunks of %i bytes)', async (size) => {
    const input = `\ufeff${a}\r\n\r\n   \n${b}\r\n\n`;
    const { records, stats } = await stage(input, size);
    expect(records).toEqual([
      [1, a],
      [4, b],
    ]);
    expect(stats.blankLines).toBe(3);
  });

  it('keeps a truncated last line as a record (the rules reject it)', async () => {
    const { records } = await stage(`${a}\n{"id":"c","raw_pri`);
    expect(records).toEqual([
      [1, a],
      [2, '{"id":"c","raw_pri'],
    ]);
  });

  it.each(chunkSizes)(
    'splits a pretty-printed JSON array into elements (chunks of %i bytes)',
    async (size) => {
      const input = `[\n  {"id": "a", "note": "x, [y] {z}"},\n  {"id": "b",\n   "nested": {"k": [1, 2]}}\n]\n`;
      const { records, stats } = await stage(input, size);
      expect(records).toEqual([
        [1, '{"id": "a", "note": "x, [y] {z}"}'],
        [2, '{"id": "b",    "nested": {"k": [1, 2]}}'],
      ]);
      expect(stats).toMatchObject({ format: 'json-array', records: 2, truncated: false });
      for (const [, text] of records) expect(() => JSON.parse(text)).not.toThrow();
    },
  );

  it.each(chunkSizes)(
    'unwraps a JSON string holding an array, as the source exports it (chunks of %i bytes)',
    async (size) => {
      const inner = [
        { id: 'a', raw_price: '530000.0\u20ac/mo', municipality: 'H\u00e9r\u00e9mence', quote: 'say "hi"\\' },
        { id: 'b', raw_price: 'CHF 1’250’000.–', emoji: '🏠' },
      ];
      // The export escapes non-ASCII and slashes: "530000.0\u20ac\/mo"
      const exported = JSON.stringify(JSON.stringify(inner))
        .replace(/[\u007f-\uffff]/g, (c) => `\\\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
        .replaceAll('/', '\\\\\\/');
      const { records, stats } = await stage(exported, size);
      expect(stats).toMatchObject({ format: 'json-string-array', records: 2, truncated: false });
      expect(records.map(([n, text]) => [n, JSON.parse(text)])).toEqual([
        [1, inner[0]],
        [2, inner[1]],
      ]);
    },
  );

  it('marks a JSON array cut before its end as truncated and keeps the partial element', async () => {
    const { records, stats } = await stage(`[${a}, {"id":"b","raw_`);
    expect(stats.truncated).toBe(true);
    expect(records).toEqual([
      [1, a],
      [2, '{"id":"b","raw_'],
    ]);
  });

  it('keeps text after the closing bracket as a record instead of dropping it', async () => {
    const { records } = await stage(`[${a}] trailing garbage`);
    expect(records).toEqual([
      [1, a],
      [2, 'trailing garbage'],
    ]);
  });

  it('treats a first line that is a JSON string but not an array as JSON Lines', async () => {
    const { records, stats } = await stage(`"just text"\n${a}\n`, 1);
    expect(stats.format).toBe('json-lines');
    expect(records).toEqual([
      [1, '"just text"'],
      [2, a],
    ]);
  });

  it('stages nothing for an empty or blank object', async () => {
    expect((await stage('')).stats).toMatchObject({ format: 'empty', records: 0 });
    expect((await stage('\n\n  \n')).stats).toMatchObject({ format: 'empty', records: 0 });
  });

  it('replaces the field separator byte and invalid UTF-8 so the engine can read every record', async () => {
    const broken = Buffer.concat([
      Buffer.from(`${a}\n{"id":"x\x01y"}\n{"id":"`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n'),
    ]);
    const { records } = await stage(broken);
    expect(records).toHaveLength(3);
    expect(records[1]?.[1]).toBe('{"id":"x\x1ay"}');
    expect(records[2]?.[1]).toBe('{"id":"\ufffd\ufffd"}');
  });

  it('keeps line breaks inside a string invalid and outside strings harmless', async () => {
    const { records } = await stage(`[{"id":\n"a"}, {"id":"b\nc"}]`);
    expect(JSON.parse(records[0]?.[1] ?? '')).toEqual({ id: 'a' });
    expect(() => JSON.parse(records[1]?.[1] ?? '')).toThrow();
  });

  const longChunks = [64, 4096, 1 << 20];

  it.each(longChunks)(
    'cuts a line longer than the limit and keeps it invalid (chunks of %i bytes)',
    async (size) => {
      const huge = `{"id":"h","blob":"${'x'.repeat(maxRecordBytes + 10)}"}`;
      const { records, stats } = await stage(`${a}\n\t${huge}\n${b}\n`, size);
      expect(stats).toMatchObject({ records: 3, cutRecords: 1 });
      // a cut line counts whole, white space and all
      expect(stats.bytes).toMatchObject({
        records: Buffer.byteLength(`${a}\t${huge}${b}`),
        separators: 3,
      });
      expect(records[1]?.[0]).toBe(2);
      expect(records[1]?.[1].length).toBeLessThan(70 * 1024);
      expect(records[1]?.[1]).toContain(`[record truncated: ${huge.length + 1} bytes]`);
      expect(() => JSON.parse(records[1]?.[1] ?? '')).toThrow();
      expect(records[2]).toEqual([3, b]);
    },
  );

  it.each(longChunks)('cuts an array element longer than the limit (chunks of %i bytes)', async (size) => {
    const huge = `{"id":"h","blob":"${'x'.repeat(maxRecordBytes + 10)}"}`;
    const { records, stats } = await stage(`[${a},\n ${huge} ,${b}]`, size);
    expect(stats).toMatchObject({ records: 3, cutRecords: 1 });
    expect(stats.bytes).toMatchObject({
      records: Buffer.byteLength(a + huge + b),
      separators: 4,
      whiteSpace: 3,
    });
    expect(records[1]?.[1]).toMatch(/^\{"id":"h","blob":"x+ …\[record truncated: \d+ bytes\]$/);
    expect(records.map(([n]) => n)).toEqual([1, 2, 3]);
  });

  it.each(longChunks)(
    'cuts an element of a string export longer than the limit (chunks of %i bytes)',
    async (size) => {
      const huge = { id: 'h', blob: 'x'.repeat(maxRecordBytes + 10) };
      const { records, stats } = await stage(
        JSON.stringify(JSON.stringify([{ id: 'a' }, huge, { id: 'b' }])),
        size,
      );
      expect(stats).toMatchObject({ records: 3, cutRecords: 1, format: 'json-string-array' });
      expect(records[1]?.[1]).toMatch(/^\{"id":"h","blob":"x+ …\[record truncated: \d+ bytes\]$/);
      expect(records[2]).toEqual([3, '{"id":"b"}']);
    },
  );

  it('refuses a second export even when its line is over the limit', async () => {
    const second = JSON.stringify([{ blob: 'x'.repeat(maxRecordBytes) }]);
    await expect(stage(`[${a}]\n${second}\n`, 4096)).rejects.toMatchObject({
      name: 'UnsplittableObjectError',
      byteOffset: Buffer.byteLength(a) + 3,
    });
  });
});
