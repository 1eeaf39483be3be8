import { describe, expect, it } from 'vitest';
import type { ByteAccount } from '../../src/domain/ingest/byteAccount.ts';
import type { StagingStats } from '../../src/domain/ingest/recordStager.ts';
import { chunkSizes, stage } from '../support/staging.ts';

/**
 * Damaged raw objects, each with what staging must make of it, worked out by hand: the
 * records (number and text), or the byte at which the object is refused. Every case runs at
 * every chunk size, and `stage` checks that every byte read is accounted for.
 */

const A = '{"id":"a"}'; // 10 bytes
const B = '{"id":"b"}';
/** A and B as they appear inside the source's string export. */
const wrappedA = '{\\"id\\":\\"a\\"}'; // 14 bytes
const wrappedB = '{\\"id\\":\\"b\\"}';

interface Stages {
  readonly records: [number, string][];
  readonly stats?: Partial<Omit<StagingStats, 'bytes'>>;
  /** Bytes by kind, where worked out (read is the input's length, always checked). */
  readonly bytes?: Partial<ByteAccount>;
}

interface Refused {
  /** Where the object is refused: a string whose first occurrence in the input marks the byte, or the byte. */
  readonly refusedAt: string | number;
  readonly message: RegExp;
}

const cases: ReadonlyArray<readonly [string, string | Buffer, Stages | Refused]> = [
  // JSON Lines
  [
    'a tab before a record, an ideographic space after one',
    `\t${A}\n ${B}\u3000\n`,
    {
      records: [
        [1, A],
        [2, B],
      ],
      bytes: { records: 20, separators: 2, whiteSpace: 5 },
    },
  ],
  [
    'a BOM, CRLF, a blank line and a line of tab and no-break space',
    `\ufeff${A}\r\n\r\n\t\u00a0\n${B}`,
    {
      records: [
        [1, A],
        [4, B],
      ],
      stats: { format: 'json-lines', blankLines: 2 },
      bytes: { bom: 3, records: 20, separators: 5, whiteSpace: 3 },
    },
  ],
  [
    'only white space',
    ' \n\t\u00a0\u2003\n\ufeff ',
    { records: [], stats: { format: 'empty' }, bytes: { bom: 0, whiteSpace: 13 } },
  ],
  ['nothing at all', '', { records: [], stats: { format: 'empty' }, bytes: { read: 0 } }],
  ['a BOM alone', '\ufeff', { records: [], stats: { format: 'empty' }, bytes: { bom: 3 } }],
  [
    'half a BOM (a record of invalid UTF-8, not dropped)',
    Buffer.from([0xef, 0xbb]),
    { records: [[1, '\ufffd']], bytes: { records: 2 } },
  ],
  [
    'NUL bytes on a line of their own and inside a record',
    `${A}\n\0\0\0\n{"id":"\0"}\n`,
    {
      records: [
        [1, A],
        [2, '\0\0\0'],
        [3, '{"id":"\0"}'],
      ],
      bytes: { records: 23, separators: 3 },
    },
  ],
  ['nothing but NUL bytes', '\0\0\0\0', { records: [[1, '\0\0\0\0']], stats: { format: 'json-lines' } }],
  [
    'invalid UTF-8 inside a record',
    Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xff, 0xc3]), Buffer.from('"}\n')]),
    { records: [[1, '{"id":"\ufffd\ufffd"}']], bytes: { records: 11, separators: 1 } },
  ],
  [
    'Latin-1 text (é as one byte)',
    Buffer.concat([Buffer.from('{"m":"H'), Buffer.from([0xe9]), Buffer.from('r"}\n')]),
    { records: [[1, '{"m":"H\ufffdr"}']] },
  ],
  [
    'a cut last line',
    `${A}\n{"id":"b`,
    {
      records: [
        [1, A],
        [2, '{"id":"b'],
      ],
      bytes: { records: 18, separators: 1 },
    },
  ],
  [
    'JSON Lines whose first line is an array',
    `[1, 2]\n${A}\n\n${B}\n`,
    {
      records: [
        [1, '1'],
        [2, '2'],
        [3, A],
        [4, B],
      ],
      stats: { format: 'json-array', recordsAfterEnd: 2, blankLines: 0 },
      bytes: { records: 22, separators: 3, whiteSpace: 5 },
    },
  ],
  [
    'JSON Lines whose first line is a string holding an array',
    `"[1]"\n${A}\n`,
    {
      records: [
        [1, '1'],
        [2, A],
      ],
      stats: { format: 'json-string-array', recordsAfterEnd: 1 },
      bytes: { records: 11, separators: 4, whiteSpace: 2 },
    },
  ],
  [
    'JSON Lines whose first line is any other string',
    `"just text"\n${A}\n`,
    {
      records: [
        [1, '"just text"'],
        [2, A],
      ],
      stats: { format: 'json-lines' },
    },
  ],
  [
    'a second array on a later line of JSON Lines that started with one',
    `[1]\n${A}\n[2]\n`,
    { refusedAt: '[2]', message: /a second export/ },
  ],
  // JSON arrays
  [
    'a stray quote after a value',
    `[${A}, {"id":"b""}, ${B}]`,
    // `[` + A + `, ` is 13 bytes, `{"id":"b"` 9 more: the stray quote is byte 22
    { refusedAt: 22, message: /element 2 \(from byte 13\): found a quote where ',' or '\}' was expected/ },
  ],
  [
    'a stray quote inside a value',
    `[${A}, {"id":"b"x"}, ${B}]`,
    { refusedAt: 'x"}', message: /found a value where ',' or '\}' was expected/ },
  ],
  [
    'a missing quote',
    `[${A}, {"id":"b}, ${B}]`,
    { refusedAt: 'id":"b"}]', message: /found a value where ',' or '\}' was expected/ },
  ],
  [
    'a missing closing brace',
    `[${A}, {"id":"b", ${B}]`,
    { refusedAt: `${B}]`, message: /found '\{' where a key/ },
  ],
  ['a stray closing brace', `[${A}}, ${B}]`, { refusedAt: '}, ', message: /found '\}' where ',' or '\]'/ }],
  [
    'a missing comma',
    `[${A} ${B}]`,
    { refusedAt: ` ${B}`.slice(1), message: /found '\{' where ',' or '\]'/ },
  ],
  [
    'a NUL byte between elements',
    `[${A},\0${B}]`,
    { refusedAt: `${B}]`, message: /found '\{' where ',' or '\]'/ },
  ],
  [
    'a bracket closing the wrong thing',
    `[{"id":["a"}, ${B}]`,
    { refusedAt: '}, ', message: /found '\}' where ',' or '\]'/ },
  ],
  [
    'an array cut inside an element',
    `[${A}, {"id":"b`,
    {
      records: [
        [1, A],
        [2, '{"id":"b'],
      ],
      stats: { truncated: true },
      bytes: { records: 18, separators: 2, whiteSpace: 1 },
    },
  ],
  [
    'an array cut after a comma',
    `[${A},  `,
    { records: [[1, A]], stats: { truncated: true }, bytes: { records: 10, separators: 2, whiteSpace: 2 } },
  ],
  [
    'an array cut inside a white-space character after an element',
    Buffer.concat([Buffer.from(`[${A}`), Buffer.from('\u3000', 'utf8').subarray(0, 2)]),
    { records: [[1, A]], stats: { truncated: true }, bytes: { records: 10, separators: 1, whiteSpace: 2 } },
  ],
  [
    'empty elements',
    `[${A},,${B},]`,
    {
      records: [
        [1, A],
        [3, B],
      ],
      stats: { blankLines: 2 },
      bytes: { records: 20, separators: 5 },
    },
  ],
  [
    'an empty array',
    '[ \n ]\n',
    { records: [], stats: { format: 'json-array' }, bytes: { separators: 2, whiteSpace: 4 } },
  ],
  [
    'tabs and Unicode white space around elements',
    `[\t${A}\u00a0,\u3000${B}\t]`,
    {
      records: [
        [1, A],
        [2, B],
      ],
      bytes: { records: 20, separators: 3, whiteSpace: 7 },
    },
  ],
  [
    'NaN, bare keys and a line break inside a string (each element is judged by the rules)',
    `[{"a":NaN}, {id:1}, {"id":"x\ny"}]`,
    {
      records: [
        [1, '{"a":NaN}'],
        [2, '{id:1}'],
        [3, '{"id":"x\x0by"}'],
      ],
    },
  ],
  [
    'text after the closing bracket',
    `[${A}] trailing garbage\n`,
    {
      records: [
        [1, A],
        [2, 'trailing garbage'],
      ],
      stats: { recordsAfterEnd: 1 },
      bytes: { records: 26, separators: 2, whiteSpace: 2 },
    },
  ],
  [
    'JSON Lines after an array (mixed formats)',
    `[${A}]\n${B}\n{"id":"c"}\n`,
    {
      records: [
        [1, A],
        [2, B],
        [3, '{"id":"c"}'],
      ],
      stats: { format: 'json-array', recordsAfterEnd: 2 },
    },
  ],
  ['two arrays one after the other', `[${A}][${B}]`, { refusedAt: `[${B}`, message: /a second export/ }],
  ['two arrays on two lines', `[${A}]\n[${B}]\n`, { refusedAt: `[${B}`, message: /a second export/ }],
  [
    'NUL padding after an array',
    `[${A}]\n\0\0\0\0`,
    {
      records: [
        [1, A],
        [2, '\0\0\0\0'],
      ],
    },
  ],
  // the source's export: a JSON string holding the array
  [
    'a string export with escaped white space between elements',
    `"[\\n  ${wrappedA},\\n  ${wrappedB}\\n]"`,
    {
      records: [
        [1, A],
        [2, B],
      ],
      stats: { format: 'json-string-array' },
      bytes: { records: 28, separators: 5, whiteSpace: 10 },
    },
  ],
  [
    'a string export whose comma is written \\u002c',
    `"[${wrappedA}\\u002c${wrappedB}]"`,
    {
      records: [
        [1, A],
        [2, B],
      ],
      bytes: { records: 28, separators: 10 },
    },
  ],
  [
    'a string export followed by text',
    `"[${wrappedA}]" junk\n`,
    {
      records: [
        [1, A],
        [2, 'junk'],
      ],
      stats: { recordsAfterEnd: 1 },
      bytes: { records: 18, separators: 4, whiteSpace: 2 },
    },
  ],
  [
    'a string export followed by JSON Lines',
    `"[${wrappedA}]"\n${B}\n`,
    {
      records: [
        [1, A],
        [2, B],
      ],
    },
  ],
  [
    'text inside the string after the array',
    `"[${wrappedA}] x"`,
    {
      records: [
        [1, A],
        [2, 'x'],
      ],
      bytes: { records: 15, separators: 4, whiteSpace: 1 },
    },
  ],
  [
    'an unescaped quote inside a string export',
    `"[${wrappedA}, {\\"id\\":"b\\"}]"`,
    {
      refusedAt: '"b\\"',
      message: /string that holds the JSON array ends .* inside the array, in element 2/,
    },
  ],
  [
    'a string export cut inside an element',
    `"[${wrappedA}, {\\"id\\":\\"b`,
    {
      records: [
        [1, A],
        [2, '{"id":"b'],
      ],
      stats: { truncated: true },
    },
  ],
  [
    'a string export cut after the array, before the closing quote',
    `"[${wrappedA}]`,
    { records: [[1, A]], stats: { truncated: true }, bytes: { records: 14, separators: 3 } },
  ],
  [
    'a second string export after the first',
    `"[${wrappedA}]"\n"[${wrappedB}]"\n`,
    { refusedAt: `"[${wrappedB}`, message: /a second export/ },
  ],
  // encodings
  [
    'UTF-16 with its byte order mark',
    Buffer.from(`\ufeff${A}\n`, 'utf16le'),
    { refusedAt: 0, message: /UTF-16 byte order mark/ },
  ],
  [
    'UTF-16 big-endian',
    Buffer.from([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]),
    { refusedAt: 0, message: /UTF-16 byte order mark/ },
  ],
];

describe('staging damaged raw objects', () => {
  for (const [name, input, expected] of cases) {
    it.each(chunkSizes)(`${name} (chunks of %i bytes)`, async (size) => {
      if ('refusedAt' in expected) {
        const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8');
        const at =
          typeof expected.refusedAt === 'number'
            ? expected.refusedAt
            : bytes.indexOf(Buffer.from(expected.refusedAt, 'utf8'));
        expect(at).toBeGreaterThanOrEqual(0);
        await expect(stage(input, size)).rejects.toMatchObject({
          name: 'UnsplittableObjectError',
          byteOffset: at,
          message: expect.stringMatching(expected.message),
        });
        await expect(stage(input, size)).rejects.toThrow(/test-object.*Nothing was published/s);
        return;
      }
      const { records, stats } = await stage(input, size);
      expect(records).toEqual(expected.records);
      expect(stats).toMatchObject({ ...expected.stats, bytes: expected.bytes ?? {} });
    });
  }
});
