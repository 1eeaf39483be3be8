import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { newRunId } from '../../src/domain/run/runId.ts';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import { defineSource } from '../../src/domain/sources/sourceContract.ts';
import { loadPartition } from '../../src/jobs/loader/loadPartition.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { offer } from '../support/contractRun.ts';
import { queryCatalog } from '../support/lakeQuery.ts';
import { landRawFile } from '../support/rawFiles.ts';

/**
 * A source that exports its offers inside an object, one page of an API's answer per file:
 * `{"page": …, "data": {"total": …, "items": [offers]}}`. A test-only contract: no real
 * source sends this yet.
 */
const pagedSource = defineSource({
  ...pricehubble,
  name: 'paged_api',
  description: 'Offers from an API that wraps each page in an object (test only)',
  recordsPath: 'data.items',
  quality: { maxRejectedShare: 1 },
});
const day = { source: pagedSource.name, dt: '2024-01-15' };

let root: string;
let lake: LakeConnection;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'envelope-'));
  lake = connectLake(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const land = (name: string, content: Buffer | string): Promise<void> => landRawFile(lake, day, name, content);

const load = () =>
  loadPartition(
    { source: pagedSource, date: day.dt, runId: newRunId() },
    {
      blobs: lake.blobs,
      catalog: lake.catalog,
      zones: lake.zones,
      log: silentLogger,
      workDir: join(root, 'work'),
    },
  );

/** An API page around `items` (raw JSON texts), with keys before and after them. */
const page = (number: number, items: readonly string[]): string =>
  `{"page": ${number}, "note": "[not] {records}", "data": {"total": ${items.length}, "items": [\n` +
  `${items.map((item) => `  ${item}`).join(',\n')}\n]}, "next": null}\n`;

describe('the loader on exports inside an object (recordsPath)', () => {
  it('publishes the records at the path, numbered within their array, and accounts for the envelope', async () => {
    const studio = JSON.stringify(offer({ id: 's1', property_type: 'studio' }));
    const first = page(1, [JSON.stringify(offer({ id: 'a' })), JSON.stringify(offer({ id: 'b' })), studio]);
    const second = page(2, [JSON.stringify(offer({ id: 'c' })), '{"id": "d"}']);
    await land('page-1.json', first);
    await land('page-2.json.gz', gzipSync(second));

    const summary = await load();

    const kept = await queryCatalog(lake, 'SELECT id FROM listings ORDER BY id');
    expect(kept.map((row) => row.id)).toEqual(['a', 'b', 'c']);
    const rejected = await queryCatalog(
      lake,
      'SELECT source_object, record_number, reasons, raw_record FROM listings_rejected ORDER BY record_number',
    );
    expect(
      rejected.map((row) => [
        String(row.source_object).endsWith('page-2.json.gz'),
        row.record_number,
        row.reasons,
      ]),
    ).toEqual([
      [true, 2, ['missing_field']],
      [false, 3, ['unsupported_property_type']],
    ]);
    expect(rejected[1]?.raw_record).toBe(studio);
    expect(summary).toMatchObject({ read: 5, kept: 3, rejected: 2 });

    // Each object's envelope: from its `{` to the records' `[` and from their `]` to its `}`.
    const envelopeOf = (number: number, items: number) =>
      Buffer.byteLength(
        `{"page": ${number}, "note": "[not] {records}", "data": {"total": ${items}, "items": `,
      ) +
      Buffer.byteLength(']}, "next": null}') -
      1; // the `]` is the array's, a separator
    const objects = [...summary.objects].sort((a, b) => a.uri.localeCompare(b.uri));
    expect(objects.map((o) => [o.format, o.records, o.bytes.envelope, o.bytes.read])).toEqual([
      ['json-envelope', 3, envelopeOf(1, 3), Buffer.byteLength(first)],
      ['json-envelope', 2, envelopeOf(2, 2), Buffer.byteLength(second)],
    ]);
    for (const { bytes } of objects) {
      expect(bytes.bom + bytes.envelope + bytes.records + bytes.separators + bytes.whiteSpace).toBe(
        bytes.read,
      );
    }
    const manifest = JSON.parse((await lake.blobs.getText(summary.manifest)) ?? '{}');
    expect(manifest.objects.map((o: { bytes: { envelope: number } }) => o.bytes.envelope).sort()).toEqual(
      objects.map((o) => o.bytes.envelope).sort(),
    );
  });

  it('fails a day whose object does not hold the path, and publishes nothing', async () => {
    await land('page-1.json', page(1, [JSON.stringify(offer({ id: 'a' }))]));
    // the records one level too high: {"data": {...}, "items": [...]}
    const misplaced = `{"data": {"total": 1}, "items": [${JSON.stringify(offer({ id: 'b' }))}]}`;
    await land('page-2.json', misplaced);

    await expect(load()).rejects.toMatchObject({
      name: 'UnsplittableObjectError',
      byteOffset: misplaced.indexOf('}'),
      message: expect.stringMatching(
        /page-2\.json into records: the object at "data" ends without the key "items" of recordsPath "data\.items".*Nothing was published/,
      ),
    });
    expect(await lake.catalog.getPartition('listings', day)).toBeUndefined();
    expect(await lake.catalog.getPartition('listings_rejected', day)).toBeUndefined();
  });
});
