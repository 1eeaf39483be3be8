import { describe, expect, it } from 'vitest';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import { recordsPathOf, sourceContractSchema } from '../../src/domain/sources/sourceContract.ts';
import { chunkSizes, stage } from '../support/staging.ts';

/**
 * Exports whose records are inside an object, at a source's `recordsPath`. Every case runs at
 * every chunk size; `stage` checks that every byte read is accounted for, and each case checks
 * the envelope's share of the bytes against its own pieces: the text before the records'
 * `[` and after their `]`, written out by hand.
 */

const A = '{"id":"a"}'; // 10 bytes
const B = '{"id":"b","n":[1,{"k":"]"}]}'; // 28 bytes

interface Envelope {
  readonly path: string;
  /** White space (and a BOM) before the envelope. */
  readonly before?: string;
  /** The envelope from its `{` up to the records' `[`. */
  readonly open: string;
  /** The records array, `[` to `]`. */
  readonly array: string;
  /** The envelope after the records' `]`, up to and including its `}`. */
  readonly close: string;
  /** White space after the envelope. */
  readonly after?: string;
  readonly records: readonly [number, string][];
  /** The array's brackets and top-level commas. */
  readonly separators: number;
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

const envelopes: ReadonlyArray<readonly [string, Envelope]> = [
  [
    'results, with keys before and after the array',
    {
      path: 'results',
      open: '{"count": 2, "results": ',
      array: `[${A}, ${B}]`,
      close: ', "next": null}',
      records: [
        [1, A],
        [2, B],
      ],
      separators: 3,
    },
  ],
  [
    'data.items, nested, with an "items" key off the path and keys after both objects',
    {
      path: 'data.items',
      open: '{"meta": {"page": 1, "items": [0]}, "data": {"total": 2, "items":',
      array: `[${A},${B}]`,
      close: ', "more": false}, "tail": ["x"]}',
      records: [
        [1, A],
        [2, B],
      ],
      separators: 3,
    },
  ],
  [
    'strings with brackets, braces, quotes and escaped quotes in other keys and values',
    {
      path: 'results',
      open: String.raw`{"note": "a [b] {c} \"results\": [", "we\"ird]{": "]}\\", "results": `,
      array: `[${A}]`,
      close: String.raw`, "x\"}": "\"]"}`,
      records: [[1, A]],
      separators: 2,
    },
  ],
  [
    'the path key inside objects and arrays that are not on the path',
    {
      path: 'results',
      open: '{"other": {"results": [{"id":"x"}]}, "list": [{"results": []}], "results": ',
      array: `[${A}]`,
      close: '}',
      records: [[1, A]],
      separators: 2,
    },
  ],
  [
    'keys that start like the path key',
    {
      path: 'results',
      open: '{"result": [1], "results_old": [2], "": [3], "results": ',
      array: `[${A}]`,
      close: '}',
      records: [[1, A]],
      separators: 2,
    },
  ],
  [
    'the path key written with an escape',
    {
      path: 'results',
      open: String.raw`{"res\u0075lts": `,
      array: `[${A}]`,
      close: '}',
      records: [[1, A]],
      separators: 2,
    },
  ],
  [
    'pretty-printed, with line breaks and indentation',
    {
      path: 'data.items',
      open: '{\n  "count": 2,\n  "data": {\n    "items": ',
      array: `[\n      ${A},\n      ${B}\n    ]`,
      close: '\n  }\n}',
      after: '\n',
      records: [
        [1, A],
        [2, B],
      ],
      separators: 3,
    },
  ],
  [
    'a BOM and white space around the envelope',
    {
      path: 'results',
      before: '\ufeff \n',
      open: '{"results":',
      array: `[${A}]`,
      close: '}',
      after: ' \n\n',
      records: [[1, A]],
      separators: 2,
    },
  ],
  [
    'an empty array',
    {
      path: 'results',
      open: '{"count": 0, "results": ',
      array: '[]',
      close: '}',
      records: [],
      separators: 2,
    },
  ],
  [
    'empty elements, numbered as in an array export',
    {
      path: 'results',
      open: '{"results": ',
      array: `[${A},,${B},]`,
      close: '}',
      records: [
        [1, A],
        [3, B],
      ],
      separators: 5,
    },
  ],
];

describe('the stager on exports inside an object (recordsPath)', () => {
  for (const [name, envelope] of envelopes) {
    it.each(chunkSizes)(`${name} (chunks of %i bytes)`, async (size) => {
      const { before = '', open, array, close, after = '' } = envelope;
      const input = before + open + array + close + after;
      const { records, stats } = await stage(input, size, envelope.path);
      expect(records).toEqual(envelope.records);
      expect(stats).toMatchObject({
        format: 'json-envelope',
        records: envelope.records.length,
        truncated: false,
        recordsAfterEnd: 0,
      });
      const recordBytes = envelope.records.reduce((sum, [, text]) => sum + bytes(text), 0);
      expect(stats.bytes).toEqual({
        read: bytes(input),
        bom: before.startsWith('\ufeff') ? 3 : 0,
        envelope: bytes(open) + bytes(close),
        records: recordBytes,
        separators: envelope.separators,
        // what is left: white space inside the array and around the envelope
        whiteSpace:
          bytes(before.replace('\ufeff', '')) +
          bytes(array) -
          recordBytes -
          envelope.separators +
          bytes(after),
      });
    });
  }

  it('accounts for a small envelope byte by byte', async () => {
    // {"n":1,"results":  is 17 bytes, the closing brace 1; [A,B] is 10 + 10 records and 3 separators
    const { records, stats } = await stage(`{"n":1,"results":[${A},{"id":"b"}]}`, 1, 'results');
    expect(records).toEqual([
      [1, A],
      [2, '{"id":"b"}'],
    ]);
    expect(stats.bytes).toEqual({
      read: 41,
      bom: 0,
      envelope: 18,
      records: 20,
      separators: 3,
      whiteSpace: 0,
    });
  });

  it.each(chunkSizes)(
    'stages text after the envelope as records numbered on (chunks of %i bytes)',
    async (size) => {
      const { records, stats } = await stage(`{"results":[${A},${B}]}\n trailing \n`, size, 'results');
      expect(records).toEqual([
        [1, A],
        [2, B],
        [3, 'trailing'],
      ]);
      expect(stats).toMatchObject({ recordsAfterEnd: 1 });
      // `{"results":` and `}`: 11 + 1; the line breaks and the spaces around `trailing`: 4
      expect(stats.bytes).toMatchObject({ envelope: 12, separators: 3, whiteSpace: 4 });
    },
  );

  it('stages a bare array of a source with a recordsPath as an array export', async () => {
    const { records, stats } = await stage(`[${A}, ${B}]`, 3, 'results');
    expect(stats.format).toBe('json-array');
    expect(records).toEqual([
      [1, A],
      [2, B],
    ]);
  });

  it('stages a string export of a source with a recordsPath as before', async () => {
    const { records, stats } = await stage(JSON.stringify(JSON.stringify([{ id: 'a' }])), 2, 'data.items');
    expect(stats.format).toBe('json-string-array');
    expect(records).toEqual([[1, A]]);
  });

  it('stages an object as a JSON Lines record when the source has no recordsPath (as before)', async () => {
    const { records, stats } = await stage('{"results": [{"id":"a"}]}\n');
    expect(stats.format).toBe('json-lines');
    expect(records).toEqual([[1, '{"results": [{"id":"a"}]}']]);
  });
});

interface Refusal {
  readonly path: string;
  readonly input: string;
  /** The byte the message names: a string whose `nth` occurrence (from 1) marks it, or the byte. */
  readonly at: number | readonly [string, number];
  readonly message: RegExp;
}

const refusals: ReadonlyArray<readonly [string, Refusal]> = [
  [
    'the path is absent',
    {
      path: 'results',
      input: '{"count": 0, "next": null}',
      at: 25, // the closing brace
      message: /the object ends without the key "results" of recordsPath "results"/,
    },
  ],
  [
    'the last key of a nested path is absent (the array is one level too high)',
    {
      path: 'data.items',
      input: `{"data": {"total": 1}, "items": [${A}]}`,
      at: ['}', 1],
      message: /the object at "data" ends without the key "items" of recordsPath "data.items"/,
    },
  ],
  [
    'the value at the path is an object',
    {
      path: 'results',
      input: `{"results": ${A}}`,
      at: 12,
      message: /the value at "results" is an object, not an array: recordsPath "results"/,
    },
  ],
  [
    'the value at the path is a string holding an array',
    {
      path: 'results',
      input: `{"results": "[${A}]"}`,
      at: 12,
      message: /the value at "results" is a string, not an array/,
    },
  ],
  [
    'the value at the path is null',
    {
      path: 'results',
      input: '{"results": null, "count": 0}',
      at: 12,
      message: /the value at "results" is a number, true, false or null, not an array/,
    },
  ],
  [
    'a value on the way to the path is an array, not an object',
    {
      path: 'data.items',
      input: `{"data": [${A}]}`,
      at: 9,
      message: /the value at "data" is an array, not an object: recordsPath "data.items"/,
    },
  ],
  [
    'the content ends inside the records array',
    {
      path: 'results',
      input: `{"results": [${A}, {"id":`,
      at: 31, // the end
      message: /the content ends inside the records array \(recordsPath "results"\)/,
    },
  ],
  [
    'the content ends after the array, before the envelope closes',
    {
      path: 'results',
      input: `{"results": [${A}], "next": nul`,
      at: 37, // the end
      message: /the content ends before the object that holds the records closes \(recordsPath "results"\)/,
    },
  ],
  [
    'the content ends before the array',
    {
      path: 'data.items',
      input: '{"count": 2, "data": {"ite',
      at: 26,
      message:
        /the content ends before the object that holds the records closes \(recordsPath "data.items"\)/,
    },
  ],
  [
    'the path key twice',
    {
      path: 'results',
      input: `{"results": [${A}], "results": [${B}]}`,
      at: ['"results"', 2],
      message:
        /the key "results" of recordsPath "results" occurs twice in the same object \(first at byte 1\)/,
    },
  ],
  [
    'the path key twice, the first time written with an escape',
    {
      path: 'results',
      input: String.raw`{"res\u0075lts": [], "results": [{"id":"a"}]}`,
      at: ['"results"', 1],
      message: /the key "results" of recordsPath "results" occurs twice/,
    },
  ],
  [
    'the last key of a nested path twice',
    {
      path: 'data.items',
      input: `{"data": {"items": [${A}], "items": []}}`,
      at: ['"items"', 2],
      message: /the key "items" of recordsPath "data.items" occurs twice/,
    },
  ],
  [
    'the first key of a nested path twice',
    {
      path: 'data.items',
      input: `{"data": {"items": [${A}]}, "data": {}}`,
      at: ['"data"', 2],
      message: /the key "data" of recordsPath "data.items" occurs twice/,
    },
  ],
  [
    'a second envelope after the first (JSON Lines of envelopes)',
    {
      path: 'results',
      input: `{"results": [${A}]}\n{"results": [${B}]}\n`,
      at: 26,
      message:
        /a second export \(an object, a JSON array or a string holding one\) starts after the end of the first/,
    },
  ],
  [
    'JSON Lines of bare records from a source with a recordsPath',
    {
      path: 'results',
      input: `${A}\n${B}\n`,
      at: 9,
      message: /the object ends without the key "results" of recordsPath "results"/,
    },
  ],
  [
    'a missing comma in the envelope',
    {
      path: 'results',
      input: `{"count": 2 "results": [${A}]}`,
      at: 12,
      message:
        /in the object around the records \(recordsPath "results"\): found a quote where ',' or '}' was expected/,
    },
  ],
  [
    'a stray quote in a record',
    {
      path: 'data.items',
      input: `{"data": {"items": [${A}, {"id":"b""}]}}`,
      at: 41,
      message: /in the records array at "data.items", element 2 \(from byte 32\): found a quote/,
    },
  ],
];

/** The offset of the `nth` occurrence of `marker` in `input`. */
function offsetOf(input: string, [marker, nth]: readonly [string, number]): number {
  let at = -1;
  for (let i = 0; i < nth; i++) at = input.indexOf(marker, at + 1);
  return Buffer.byteLength(input.slice(0, at), 'utf8');
}

describe('exports inside an object that cannot be split (recordsPath)', () => {
  for (const [name, refusal] of refusals) {
    it.each(chunkSizes)(`${name} (chunks of %i bytes)`, async (size) => {
      const at = typeof refusal.at === 'number' ? refusal.at : offsetOf(refusal.input, refusal.at);
      const refused = stage(refusal.input, size, refusal.path);
      await expect(refused).rejects.toMatchObject({
        name: 'UnsplittableObjectError',
        category: 'data',
        objectName: 'test-object',
        byteOffset: at,
      });
      await expect(refused).rejects.toThrow(refusal.message);
      await expect(refused).rejects.toThrow(`raw object test-object`);
      await expect(refused).rejects.toThrow(`(at byte ${at} of its content`);
      await expect(refused).rejects.toThrow(/Nothing was published/);
    });
  }
});

describe('recordsPath in a source contract', () => {
  const withPath = (recordsPath: string) => sourceContractSchema.safeParse({ ...pricehubble, recordsPath });

  it('is optional: without it a contract reads as before', () => {
    expect(pricehubble.recordsPath).toBeUndefined();
    expect(recordsPathOf(pricehubble)).toBeUndefined();
  });

  it.each([
    ['results', ['results']],
    ['data.items', ['data', 'items']],
    ['a b.$c-d', ['a b', '$c-d']],
  ])('accepts %j as the keys %j', (path, keys) => {
    const parsed = withPath(path);
    expect(parsed.success).toBe(true);
    expect(parsed.success && recordsPathOf(parsed.data)).toEqual(keys);
  });

  it.each([
    ['', /recordsPath is empty/],
    ['.results', /recordsPath "\.results" has an empty key .* e\.g\. "results" or "data\.items"/],
    ['results.', /has an empty key/],
    ['data..items', /has an empty key \(a leading, trailing or doubled dot\)/],
    ['x'.repeat(201), /recordsPath is 201 characters long; at most 200/],
  ])('refuses %j with a message that says what to write', (path, message) => {
    const parsed = withPath(path);
    expect(parsed.success).toBe(false);
    expect(
      parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'),
    ).toMatch(message);
    expect(parsed.error?.issues[0]?.path).toEqual(['recordsPath']);
  });
});
