import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileBlobStore } from '../../src/adapters/local/fileBlobStore.ts';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'file-blob-store-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const path = join(work, name);
  await writeFile(path, content);
  return path;
}

describe('FileBlobStore.uploadIfAbsent', () => {
  it('creates the object, folders included, and leaves no temporary file', async () => {
    const store = new FileBlobStore();
    const uri = join(work, 'lake', 'raw', 'source=a', 'dt=2024-01-15', 'offers.jsonl');

    expect(await store.uploadIfAbsent(await file('offers.jsonl', 'first\n'), uri)).toBe('created');

    expect(await readFile(uri, 'utf8')).toBe('first\n');
    expect(await readdir(join(work, 'lake', 'raw', 'source=a', 'dt=2024-01-15'))).toEqual(['offers.jsonl']);
  });

  it('says exists and keeps the object when the name is taken, whatever the content', async () => {
    const store = new FileBlobStore();
    const uri = join(work, 'raw', 'offers.jsonl');
    await store.uploadIfAbsent(await file('a', 'first\n'), uri);

    expect(await store.uploadIfAbsent(await file('b', 'second\n'), uri)).toBe('exists');
    expect(await store.uploadIfAbsent(await file('c', 'first\n'), uri)).toBe('exists');

    expect(await readFile(uri, 'utf8')).toBe('first\n');
    expect(await readdir(join(work, 'raw'))).toEqual(['offers.jsonl']);
  });

  it('lets exactly one of many concurrent uploads of one name create it', async () => {
    const store = new FileBlobStore();
    const uri = join(work, 'raw', 'offers.jsonl');
    const contents = Array.from({ length: 8 }, (_, i) => `landing ${i}\n`.repeat(10_000));
    const sources = await Promise.all(contents.map((content, i) => file(`source-${i}`, content)));

    const outcomes = await Promise.all(sources.map((source) => store.uploadIfAbsent(source, uri)));

    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'exists')).toHaveLength(7);
    // the object is the winner's, whole: a name is never replaced, nor written twice
    expect(await readFile(uri, 'utf8')).toBe(contents[outcomes.indexOf('created')]);
    expect(await readdir(join(work, 'raw'))).toEqual(['offers.jsonl']);
  });

  it('fails on a missing source file without creating the object', async () => {
    const store = new FileBlobStore();
    const uri = join(work, 'raw', 'offers.jsonl');
    // many times: a copy made by a stream pipeline left its partial file behind now and then
    for (let attempt = 0; attempt < 50; attempt++) {
      await expect(store.uploadIfAbsent(join(work, 'missing'), uri)).rejects.toMatchObject({
        code: 'ENOENT',
      });
      expect(await readdir(join(work, 'raw'))).toEqual([]);
    }
  });
});

describe('FileBlobStore: what a killed writer leaves behind', () => {
  it('lists partial files and bare folders as incomplete uploads, not as objects, and deletePrefix removes them', async () => {
    const store = new FileBlobStore();
    const runs = join(work, 'runs');
    // written by hand: a copy cut short, a folder made just before the kill, a whole object
    await mkdir(join(runs, 'run=a'), { recursive: true });
    await writeFile(join(runs, 'run=a', 'part-0.parquet.partial'), 'half');
    await mkdir(join(runs, 'run=b', 'nested'), { recursive: true });
    await mkdir(join(runs, 'run=c'), { recursive: true });
    await writeFile(join(runs, 'run=c', 'part-0.parquet'), 'whole');

    expect((await store.list(`${runs}/`)).map((o) => o.uri)).toEqual([join(runs, 'run=c', 'part-0.parquet')]);
    expect(await store.listIncompleteUploads(`${runs}/`)).toEqual([
      join(runs, 'run=a', 'part-0.parquet.partial'),
      `${join(runs, 'run=b', 'nested')}/`,
    ]);
    expect(await store.listIncompleteUploads(`${runs}/run=c/`)).toEqual([]);
    expect(await store.listIncompleteUploads(join(work, 'missing/'))).toEqual([]);

    // deleting one object leaves another writer's upload of that name alone
    expect(await store.deletePrefix(join(runs, 'run=a', 'part-0.parquet'))).toBe(0);
    expect(await store.listIncompleteUploads(`${runs}/run=a/`)).toHaveLength(1);
    expect(await store.deletePrefix(`${runs}/run=a/`)).toBe(0);
    expect(await store.deletePrefix(`${runs}/run=b/`)).toBe(0);
    expect((await readdir(runs)).sort()).toEqual(['run=c']);
    expect(await store.listIncompleteUploads(`${runs}/`)).toEqual([]);
  });
});
