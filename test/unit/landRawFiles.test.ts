import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonLogger, silentLogger } from '../../src/adapters/jsonLogger.ts';
import { FileBlobStore } from '../../src/adapters/local/fileBlobStore.ts';
import { rawPrefix, zonesUnder } from '../../src/domain/lake/lakeLayout.ts';
import { RawLandingConflictError } from '../../src/jobs/loader/loaderErrors.ts';
import { landRawFiles } from '../../src/landing/landRawFiles.ts';
import type { BlobStore } from '../../src/ports/blobStore.ts';
import { listingTogether } from '../support/listingTogether.ts';

const day = { source: 'pricehubble', dt: '2024-01-15' };
let work: string;
let zones: ReturnType<typeof zonesUnder>;
let raw: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'land-raw-files-'));
  zones = zonesUnder(join(work, 'lake'));
  raw = rawPrefix(zones, day);
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function file(path: string, content: string): Promise<string> {
  const full = join(work, path);
  await mkdir(join(full, '..'), { recursive: true });
  await writeFile(full, content);
  return full;
}

const land = (files: readonly string[], blobs: BlobStore = new FileBlobStore()) =>
  landRawFiles(files, day, { blobs, zones, log: silentLogger });

async function landedNames(): Promise<string[]> {
  try {
    return (await readdir(raw)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

describe('landing raw files: what it says and returns', () => {
  it('copies a new file, then says it is already there, and refuses other content under its name in full words', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = new JsonLogger({}, (line) => lines.push(JSON.parse(line)));
    const blobs = new FileBlobStore();
    const offers = await file('offers.jsonl', '{"id":"1"}\n');
    const uri = `${raw}offers.jsonl`;
    expect(await landRawFiles([offers], day, { blobs, zones, log })).toEqual([
      { file: offers, uri, copied: true },
    ]);
    expect(await landRawFiles([offers], day, { blobs, zones, log })).toEqual([
      { file: offers, uri, copied: false },
    ]);
    expect(lines.map(({ time: _t, level: _l, ...rest }) => rest)).toEqual([
      { message: 'landed', file: 'offers.jsonl', uri, bytes: 11 },
      { message: 'already landed', file: 'offers.jsonl', uri },
    ]);
    const other = await file('elsewhere/offers.jsonl', '{"id":"2"}\n');
    await expect(landRawFiles([other], day, { blobs, zones, log })).rejects.toThrow(
      `${uri} already exists with different content. The raw zone is never modified: land the new file under ` +
        'another name (e.g. with a time suffix), or remove the old object deliberately first.',
    );
    const twin = await file('a/offers.jsonl', 'x');
    await expect(land([offers, twin])).rejects.toThrow(
      `${offers} and ${twin} would both land as offers.jsonl; nothing was landed. Give each file once, under a name of its own.`,
    );
  });
});

describe('landing raw files on the local lake', () => {
  it('refuses two files of one base name from two folders before anything lands', async () => {
    const first = await file('a/first.jsonl', '{"id":"f"}\n');
    const a = await file('monday/offers.jsonl', '{"id":"1"}\n');
    const b = await file('tuesday/offers.jsonl', '{"id":"2"}\n');

    const landing = land([first, a, b]);

    await expect(landing).rejects.toBeInstanceOf(RawLandingConflictError);
    await expect(landing).rejects.toThrow(
      /monday\/offers\.jsonl and .*tuesday\/offers\.jsonl would both land as offers\.jsonl/,
    );
    expect(await landedNames()).toEqual([]);
  });

  it('refuses them even when their content is the same: each file is given once', async () => {
    const a = await file('monday/offers.jsonl', '{"id":"1"}\n');
    const b = await file('copy/offers.jsonl', '{"id":"1"}\n');
    await expect(land([a, b])).rejects.toMatchObject({ name: 'RawLandingConflictError' });
    expect(await landedNames()).toEqual([]);
  });

  it('lands new files, and landing the same content again is a no-op', async () => {
    const a = await file('in/a.jsonl', '{"id":"1"}\n');
    const b = await file('in/b.jsonl', '{"id":"2"}\n');

    expect((await land([a, b])).map((l) => l.copied)).toEqual([true, true]);
    expect((await land([a, b])).map((l) => l.copied)).toEqual([false, false]);

    expect(await landedNames()).toEqual(['a.jsonl', 'b.jsonl']);
  });

  it('refuses different content under a landed name before copying any file of the call', async () => {
    await land([await file('old/b.jsonl', '{"id":"old"}\n')]);
    const a = await file('new/a.jsonl', '{"id":"1"}\n');
    const b = await file('new/b.jsonl', '{"id":"new"}\n');

    await expect(land([a, b])).rejects.toThrow(/b\.jsonl already exists with different content/);

    expect(await landedNames()).toEqual(['b.jsonl']);
    expect(await readFile(join(raw, 'b.jsonl'), 'utf8')).toBe('{"id":"old"}\n');
  });

  it('lets exactly one of two concurrent landings of different content under one name land; the other fails by name', async () => {
    const monday = await file('monday/offers.jsonl', '{"id":"monday"}\n');
    const tuesday = await file('tuesday/offers.jsonl', '{"id":"tuesday"}\n');
    // Both list before either writes: both see the name free, the store decides.
    const blobs = listingTogether(new FileBlobStore(), 2);

    const results = await Promise.allSettled([land([monday], blobs), land([tuesday], blobs)]);

    const landed = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(landed).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.reason).toBeInstanceOf(RawLandingConflictError);
    expect(String(refused[0]?.reason.message)).toContain(
      'was landed by another landing at the same time, with different content',
    );
    const winner = results[0]?.status === 'fulfilled' ? '{"id":"monday"}\n' : '{"id":"tuesday"}\n';
    expect(await landedNames()).toEqual(['offers.jsonl']);
    expect(await readFile(join(raw, 'offers.jsonl'), 'utf8')).toBe(winner);
  });

  it('lets two concurrent landings of the same content both succeed, with one object', async () => {
    const a = await file('monday/offers.jsonl', '{"id":"same"}\n');
    const b = await file('again/offers.jsonl', '{"id":"same"}\n');
    const blobs = listingTogether(new FileBlobStore(), 2);

    const [first, second] = await Promise.all([land([a], blobs), land([b], blobs)]);

    // one of them copied, the other found the same bytes there
    expect([first?.[0]?.copied, second?.[0]?.copied].sort()).toEqual([false, true]);
    expect(await landedNames()).toEqual(['offers.jsonl']);
    expect(await readFile(join(raw, 'offers.jsonl'), 'utf8')).toBe('{"id":"same"}\n');
  });
});
