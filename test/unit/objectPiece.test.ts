import { describe, expect, it } from 'vitest';
import { type ObjectPiece, pieceLines, pieceReadStart } from '../../src/domain/ingest/objectPiece.ts';
import { newStagingStats, type StagingStats, stageRecords } from '../../src/domain/ingest/recordStager.ts';
import { piecesOf } from '../../src/domain/ingest/shardPlan.ts';

/** The object's bytes from `from`, in chunks of `chunk` bytes (how a stream would hand them). */
async function* chunks(bytes: Buffer, from: number, chunk: number): AsyncGenerator<Buffer> {
  for (let i = from; i < bytes.length; i += chunk) yield bytes.subarray(i, Math.min(bytes.length, i + chunk));
}

async function pieceText(text: string | Buffer, piece: ObjectPiece, chunk = 3): Promise<string> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const read = { ended: false };
  const parts: Buffer[] = [];
  for await (const part of pieceLines(chunks(bytes, pieceReadStart(piece), chunk), piece, read))
    parts.push(part);
  expect(read.ended).toBe(true);
  return Buffer.concat(parts).toString('latin1');
}

/** Every piece's text, for pieces cut at `cuts`. */
async function cut(text: string, cuts: number[], chunk = 3): Promise<string[]> {
  const bounds = [0, ...cuts, Buffer.byteLength(text)];
  return Promise.all(
    bounds.slice(1).map((end, i) => pieceText(text, { start: bounds[i] as number, end }, chunk)),
  );
}

describe('a piece of a JSON Lines object', () => {
  it('owns the lines that start in it', async () => {
    const text = 'aaa\nbbb\nccc\n'; // lines start at 0, 4, 8
    // a boundary right after a '\n': the line starting there is the next piece's
    expect(await cut(text, [4])).toEqual(['aaa\n', 'bbb\nccc\n']);
    expect(await cut(text, [8])).toEqual(['aaa\nbbb\n', 'ccc\n']);
    // a boundary inside a line: the line is the piece's it starts in
    expect(await cut(text, [5])).toEqual(['aaa\nbbb\n', 'ccc\n']);
    expect(await cut(text, [3])).toEqual(['aaa\n', 'bbb\nccc\n']);
    expect(await cut(text, [1, 2])).toEqual(['aaa\n', '', 'bbb\nccc\n']);
  });

  it('yields nothing when it lies inside a line longer than itself', async () => {
    const text = `a\n${'x'.repeat(50)}\nb\n`;
    expect(await cut(text, [10, 20, 30])).toEqual([`a\n${'x'.repeat(50)}\n`, '', '', 'b\n']);
  });

  it('keeps CRLF line ends, blank lines and a last line without newline with their line', async () => {
    const text = 'aa\r\n\r\n\nbb\r\ncc';
    for (const cuts of [[1], [3], [4], [5], [6], [7], [9], [11], [2, 6, 10]]) {
      const pieces = await cut(text, cuts);
      expect(pieces.join(''), String(cuts)).toBe(text);
      // every piece but the last ends its last line; the last ends with the object
      for (const piece of pieces.slice(0, -1)) expect(piece === '' || piece.endsWith('\n')).toBe(true);
      expect(pieces.at(-1)?.endsWith('cc')).toBe(true);
    }
    expect(await cut(text, [5])).toEqual(['aa\r\n\r\n', '\nbb\r\ncc']);
    expect(await cut(text, [11])).toEqual(['aa\r\n\r\n\nbb\r\n', 'cc']);
  });

  it('covers every byte once, whatever the cuts and the chunk sizes', async () => {
    const text = 'one\n\n{"a":1}\r\ntwo-long-line\n\n\nx\ny';
    const size = text.length;
    for (const n of [2, 3, 5, 8, size]) {
      const pieces = piecesOf(0, { uri: '', size, splittable: true }, Math.ceil(size / n));
      for (const chunk of [1, 2, 7, 1000]) {
        const texts = await Promise.all(pieces.map((p) => pieceText(text, p, chunk)));
        expect(texts.join(''), `${n} ${chunk}`).toBe(text);
      }
    }
  });

  it('stages, piece by piece, the lines, records and bytes of the object staged whole', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const text = Buffer.concat([bom, Buffer.from('{"id":1}\n\n  {"id":2} \r\n[not json\n"a"\n\t\n{"id":3}')]);
    const stage = async (input: AsyncIterable<Buffer>, piece?: 'first' | 'later') => {
      const stats = newStagingStats();
      const lines: string[] = [];
      for await (const out of stageRecords(input, stats, 'x', { piece }))
        lines.push(...out.toString().split('\n').filter(Boolean));
      return { stats, lines };
    };
    const whole = await stage(chunks(text, 0, 4));
    for (const n of [2, 3, 4, 6]) {
      const pieces = piecesOf(
        0,
        { uri: '', size: text.length, splittable: true },
        Math.ceil(text.length / n),
      );
      let lines = 0;
      const numbered: string[] = [];
      const sum: StagingStats = newStagingStats();
      for (const p of pieces) {
        const read = { ended: false };
        const staged = await stage(
          pieceLines(chunks(text, pieceReadStart(p), 4), p, read),
          p.start === 0 ? 'first' : 'later',
        );
        // record numbers go on from the lines of the earlier pieces (what the merge adds)
        for (const line of staged.lines) {
          const [number, raw] = line.split('\x01');
          numbered.push(`${Number(number) + lines}\x01${raw}`);
        }
        lines += staged.stats.records + staged.stats.blankLines;
        sum.records += staged.stats.records;
        sum.blankLines += staged.stats.blankLines;
        for (const key of Object.keys(sum.bytes) as (keyof StagingStats['bytes'])[])
          sum.bytes[key] += staged.stats.bytes[key];
      }
      expect(numbered, String(n)).toEqual(whole.lines);
      expect(sum.records).toBe(whole.stats.records);
      expect(sum.blankLines).toBe(whole.stats.blankLines);
      expect(sum.bytes).toEqual(whole.stats.bytes);
      expect(sum.bytes.bom).toBe(3); // only the first piece can hold it
    }
    expect(whole.stats.format).toBe('json-lines');
    expect(whole.stats.records).toBe(5);
  });

  it('reads a later piece as JSON Lines even when its first line starts like an export or a BOM', async () => {
    const stats = newStagingStats();
    const input = chunks(Buffer.from('[1,2]\n\ufeff{"a":1}\n'), 0, 100);
    const out: string[] = [];
    for await (const b of stageRecords(input, stats, 'x', { piece: 'later' })) out.push(b.toString());
    expect(stats.format).toBe('json-lines');
    expect(stats.records).toBe(2);
    expect(stats.bytes.bom).toBe(0);
  });
});
