import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { rawPrefix } from '../../src/domain/lake/lakeLayout.ts';
import { newRunId } from '../../src/domain/run/runId.ts';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import { defineSource } from '../../src/domain/sources/sourceContract.ts';
import { loadPartition } from '../../src/jobs/loader/loadPartition.ts';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { offer } from '../support/contractRun.ts';
import { queryCatalog } from '../support/lakeQuery.ts';

/**
 * Damaged raw objects through the whole loader: every record the object holds ends in exactly
 * one of `listings` and `listings_rejected`, or the object fails with UnsplittableObjectError
 * and nothing is published; and the manifest's byte account of the object adds up to its size.
 * The expected records are written out by hand from the inputs.
 */

/** The data-quality gate is not what these cases are about: every share of rejects is accepted. */
const source = defineSource({ ...pricehubble, quality: { maxRejectedShare: 1 } });
const day = { source: source.name, dt: '2024-01-15' };

const line = (id: string, overrides: Record<string, unknown> = {}): string =>
  JSON.stringify(offer({ id, ...overrides }));
/** An offer as the source's string export writes it inside its string. */
const wrapped = (id: string): string => JSON.stringify(line(id)).slice(1, -1);

interface Expected {
  /** Ids in `listings`. */
  readonly kept: readonly string[];
  /** Rows of `listings_rejected`: record number, reasons, raw text. */
  readonly rejected: readonly [number, readonly string[], string][];
}

interface Refused {
  readonly refused: RegExp;
}

const cases: ReadonlyArray<readonly [string, string | Buffer, Expected | Refused]> = [
  [
    'a stray quote inside a JSON array',
    `[${line('a')},\n${line('b').replace('"b"', '"b""')},\n${line('c')}]`,
    { refused: /in the JSON array, element 2 .*found a quote where ',' or '}' was expected/ },
  ],
  [
    'a JSON array cut inside its second element',
    `[${line('a')}, {"id": "b", "raw_pri`,
    { kept: ['a'], rejected: [[2, ['malformed_record'], '{"id": "b", "raw_pri']] },
  ],
  [
    'JSON Lines whose first line is an array',
    `[1, 2]\n${line('a')}\n${line('b')}\n`,
    {
      kept: ['a', 'b'],
      rejected: [
        [1, ['malformed_record'], '1'],
        [2, ['malformed_record'], '2'],
      ],
    },
  ],
  [
    'a double-encoded JSON string followed by text and by a record',
    `"[${wrapped('a')}]" tail\n${line('b')}\n`,
    { kept: ['a', 'b'], rejected: [[2, ['malformed_record'], 'tail']] },
  ],
  [
    'a stray quote inside the double-encoded string',
    `"[${wrapped('a')}, ${wrapped('b').replace('\\"b\\"', '\\"b"')}]"`,
    { refused: /the string that holds the JSON array ends .* inside the array, in element 2/ },
  ],
  [
    'tabs and Unicode white space around records and fields',
    `\t${line('a')}\u00a0\n\u3000${line('b', { municipality: '\tBern\u2003' })}\n${line('c', { municipality: '\t\ufeff' })}\n`,
    {
      kept: ['a', 'b'],
      rejected: [[3, ['missing_field'], line('c', { municipality: '\t\ufeff' })]],
    },
  ],
  [
    'NUL bytes',
    `${line('a')}\n\0\0\0\n{"id":"x\0"}\n`,
    {
      kept: ['a'],
      rejected: [
        [2, ['malformed_record'], '\0\0\0'],
        [3, ['malformed_record'], '{"id":"x\0"}'],
      ],
    },
  ],
  [
    'invalid UTF-8 inside a record',
    Buffer.concat([Buffer.from(`${line('a')}\n{"id":"`), Buffer.from([0xff]), Buffer.from('"}\n')]),
    { kept: ['a'], rejected: [[2, ['malformed_record'], '{"id":"\ufffd"}']] },
  ],
  [
    'a JSON array followed by JSON Lines',
    `[${line('a')}]\n${line('b')}\n${line('c')}\n`,
    { kept: ['a', 'b', 'c'], rejected: [] },
  ],
  [
    'two JSON arrays one after the other',
    `[${line('a')}]\n[${line('b')}]\n`,
    { refused: /a second export .* starts after the end of the first/ },
  ],
  ['UTF-16 text', Buffer.from(`\ufeff${line('a')}\n`, 'utf16le'), { refused: /UTF-16 byte order mark/ }],
  [
    'gzip data followed by a zero byte and more records, which gunzip would skip',
    Buffer.concat([gzipSync(`${line('a')}\n`), Buffer.from([0]), Buffer.from(`${line('b')}\n`)]),
    { refused: /bytes after the end of the gzip data/ },
  ],
  ['only white space', ' \n\t\u3000\n', { kept: [], rejected: [] }],
];

describe('the loader on damaged raw objects', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'damaged-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each(cases)('%s', async (name, content, expected) => {
    const lake = connectLake(join(root, name.replace(/\W+/g, '-')));
    const dir = rawPrefix(lake.zones, day);
    await mkdir(dir, { recursive: true });
    const stored = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    await writeFile(join(dir, 'object'), stored);
    const load = loadPartition(
      { source, date: day.dt, runId: newRunId() },
      {
        blobs: lake.blobs,
        catalog: lake.catalog,
        zones: lake.zones,
        log: silentLogger,
        workDir: join(root, 'work'),
      },
    );
    if ('refused' in expected) {
      await expect(load).rejects.toMatchObject({
        name: 'UnsplittableObjectError',
        message: expect.stringMatching(expected.refused),
      });
      expect(await lake.catalog.getPartition('listings', day)).toBeUndefined();
      return;
    }
    const summary = await load;
    const query = (sql: string) => queryCatalog(lake, sql);
    const kept = await query('SELECT id FROM listings ORDER BY id');
    const rejected = await query(
      'SELECT record_number, reasons, raw_record FROM listings_rejected ORDER BY record_number',
    );
    expect(kept.map((r) => r.id)).toEqual(expected.kept);
    expect(rejected.map((r) => [r.record_number, r.reasons, r.raw_record])).toEqual(expected.rejected);
    expect(summary).toMatchObject({
      read: expected.kept.length + expected.rejected.length,
      kept: expected.kept.length,
      rejected: expected.rejected.length,
    });
    const [object] = summary.objects;
    const { bytes } = object ?? {
      bytes: { read: -1, bom: 0, envelope: 0, records: 0, separators: 0, whiteSpace: 0 },
    };
    expect(bytes.read).toBe(stored.length);
    expect(bytes.bom + bytes.envelope + bytes.records + bytes.separators + bytes.whiteSpace).toBe(
      stored.length,
    );
    const manifest = JSON.parse((await lake.blobs.getText(summary.manifest)) ?? '{}');
    expect(manifest.objects[0].bytes).toEqual(bytes);
  });
});
