import { describe, expect, it } from 'vitest';
import { maxRecordBytes, type StagingStats, stageRecords } from '../../src/domain/ingest/recordStager.ts';

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

interface Staged {
  records: [number, string][];
  stats: StagingStats;
}

/** Stages `input` cut into chunks of `size` bytes and parses the staged lines back. */
async function stage(input: string | Buffer, size = 1 << 20): Promise<Staged> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const stats: StagingStats = { format: 'empty', records: 0, blankLines: 0, truncated: false };
  const parts: Buffer[] = [];
  for await (const chunk of stageRecords(chunked(bytes, size), stats)) parts.push(chunk);
  const text = Buffer.concat(parts).toString('utf8');
  const records = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line): [number, string] => {
      const at = line.indexOf('\x01');
      return [Number(line.slice(0, at)), line.slice(at + 1)];
    });
  return { records, stats };
}

const a = '{"id":"a","raw_price":"1 000 €"}';
const b = '{"id":"b","raw_price":"CHF 2\'000"}';

/** Every format must stage the same way whatever the chunk boundaries. */
const chunkSizes = [1, 2, 3, 7, 64, 1 << 20];

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

  it('cuts a record longer than the limit and keeps it invalid', async () => {
    const huge = `{"id":"h","blob":"${'x'.repeat(maxRecordBytes + 10)}"}`;
    const { records, stats } = await stage(`${a}\n${huge}\n${b}\n`);
    expect(stats.records).toBe(3);
    expect(records[1]?.[0]).toBe(2);
    expect(records[1]?.[1].length).toBeLessThan(70 * 1024);
    expect(records[1]?.[1]).toContain('[record truncated:');
    expect(() => JSON.parse(records[1]?.[1] ?? '')).toThrow();
    expect(records[2]).toEqual([3, b]);
  });
});
