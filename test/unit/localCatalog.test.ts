import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { CorruptCatalogError } from '../../src/adapters/local/corruptCatalogError.ts';
import { FileBlobStore } from '../../src/adapters/local/fileBlobStore.ts';
import { LocalCatalog } from '../../src/adapters/local/localCatalog.ts';
import { listingsTable } from '../../src/domain/tables/tableSchema.ts';
import { Lease } from '../../src/leases/lease.ts';

let root: string;
let catalog: LocalCatalog;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-catalog-'));
  catalog = new LocalCatalog(root, 'listings_local');
  await catalog.ensureTable(listingsTable, join(root, 'curated', 'listings/'));
  await catalog.publish([
    {
      table: listingsTable,
      values: { source: 'pricehubble', dt: '2024-01-15' },
      location: join(root, 'run-a/'),
    },
  ]);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function failure(work: Promise<unknown>): Promise<Error> {
  return work.then(
    () => new Error('it did not fail'),
    (error: unknown) => error as Error,
  );
}

describe('a damaged local catalog file', () => {
  const damages: [string, (text: string) => string, RegExp][] = [
    ['not JSON', () => 'this is not a catalog', /it is not JSON, or is cut short/],
    ['cut short', (text) => text.slice(0, text.length / 2), /it is not JSON, or is cut short/],
    ['empty', () => '', /it is empty/],
    ['blank', () => ' \n\t\n', /it is empty/],
    ['a list', () => '[]', /does not have the catalog's shape \(the top level: /],
    [
      'of the wrong shape',
      () => JSON.stringify({ database: 'x', tables: [] }),
      /does not have the catalog's shape \(version: /,
    ],
    [
      'with a partition of the wrong shape',
      (text) => {
        const file = JSON.parse(text);
        file.tables.listings.partitions[0].location = 42;
        return JSON.stringify(file);
      },
      /does not have the catalog's shape \(tables\.listings\.partitions\.0\.location: /,
    ],
    [
      'with a table in no zone of the lake',
      (text) => {
        const file = JSON.parse(text);
        file.tables.listings.definition.zone = 'raw';
        return JSON.stringify(file);
      },
      /does not have the catalog's shape \(tables\.listings\.definition\.zone: Invalid option/,
    ],
    [
      'with a column of an unknown type',
      (text) => {
        const file = JSON.parse(text);
        file.tables.listings.definition.columns[1].type = 'interval';
        return JSON.stringify(file);
      },
      /does not have the catalog's shape \(tables\.listings\.definition\.columns\.1\.type: Invalid option/,
    ],
    [
      'with a table that has no definition',
      (text) => {
        const file = JSON.parse(text);
        delete file.tables.listings.definition;
        return JSON.stringify(file);
      },
      /does not have the catalog's shape \(tables\.listings\.definition: Invalid input/,
    ],
  ];

  it.each(damages)(
    '%s: a CorruptCatalogError naming the file and how to rebuild it',
    async (_, damage, problem) => {
      const text = await readFile(catalog.path, 'utf8');
      await writeFile(catalog.path, damage(text));
      const error = await failure(catalog.listTables());
      expect(error).toBeInstanceOf(CorruptCatalogError);
      expect(error.name).toBe('CorruptCatalogError');
      expect(error.message).toContain(`The local catalog ${catalog.path} is damaged: `);
      expect(error.message).toMatch(problem);
      expect(error.message).toContain('Nothing was changed');
      expect(error.message).toContain('restore the file from a backup');
    },
  );

  it('is never overwritten: a publish fails and leaves the file as it was', async () => {
    await writeFile(catalog.path, '{"database": "listings_local", "version": 3, "tab');
    const error = await failure(
      catalog.publish([
        {
          table: listingsTable,
          values: { source: 'pricehubble', dt: '2024-01-16' },
          location: join(root, 'run-b/'),
        },
      ]),
    );
    expect(error).toBeInstanceOf(CorruptCatalogError);
    expect(await readFile(catalog.path, 'utf8')).toBe('{"database": "listings_local", "version": 3, "tab');
  });

  it('lists the days the raw zone holds, and the command that registers each again', async () => {
    for (const [source, dt] of [
      ['pricehubble', '2024-01-16'],
      ['pricehubble', '2024-01-15'],
      ['homegate', '2024-01-15'],
    ]) {
      await mkdir(join(root, 'raw', `source=${source}`, `dt=${dt}`), { recursive: true });
    }
    await writeFile(catalog.path, '[]');
    const { message } = await failure(catalog.listPartitions('listings'));
    expect(message).toContain(`move it aside (mv ${catalog.path} ${catalog.path}.damaged)`);
    expect(message).toContain('re-run every day the raw zone holds (2: 2024-01-15, 2024-01-16)');
    expect(message).toContain(`npx etl run --date D --lake ${root} for each day D`);
  });

  it('says when there is nothing to re-run', async () => {
    await writeFile(catalog.path, 'null');
    expect((await failure(catalog.listTables())).message).toContain(
      'The raw zone holds no day to re-run: restore the file from a backup.',
    );
  });

  it('a missing file is no damage: an empty catalog', async () => {
    await rm(catalog.path);
    expect(await catalog.listTables()).toEqual([]);
  });
});

describe('the local catalog file, written', () => {
  it('counts every write in its version, and keeps partitions in path order whatever the publish order', async () => {
    const version = async () =>
      (JSON.parse(await readFile(catalog.path, 'utf8')) as { version: number }).version;
    expect(await version()).toBe(2); // beforeEach: one table, one publish
    await catalog.publish([
      {
        table: listingsTable,
        values: { source: 'pricehubble', dt: '2024-01-17' },
        location: join(root, 'run-c/'),
      },
    ]);
    await catalog.publish([
      {
        table: listingsTable,
        values: { source: 'pricehubble', dt: '2024-01-16' },
        location: join(root, 'run-b/'),
      },
    ]);
    expect(await version()).toBe(4);
    expect((await catalog.listPartitions('listings')).map((p) => p.values.dt)).toEqual([
      '2024-01-15',
      '2024-01-16',
      '2024-01-17',
    ]);
  });

  it('refuses to publish into a table it does not hold, and says what is missing', async () => {
    const other = { ...listingsTable, name: 'elsewhere' };
    await expect(
      catalog.publish([
        { table: other, values: { source: 'pricehubble', dt: '2024-01-15' }, location: root },
      ]),
    ).rejects.toThrow('Table elsewhere is not in the catalog: ensureTable first');
  });

  it('passes on a read error that is not a missing file', async () => {
    await rm(catalog.path);
    await mkdir(catalog.path); // a directory where the file should be
    await expect(catalog.listTables()).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

describe('the local catalog file', () => {
  it('is <lake>/catalog/<database>.json, and lists each table with its location and definition', async () => {
    expect(catalog.path).toBe(join(root, 'catalog', 'listings_local.json'));
    const file = JSON.parse(await readFile(join(root, 'catalog', 'listings_local.json'), 'utf8'));
    expect(file.database).toBe('listings_local');
    expect(await catalog.listTables()).toEqual([
      { name: 'listings', location: join(root, 'curated', 'listings/'), definition: listingsTable },
    ]);
  });
});

describe('one writer at a time', () => {
  it('a change that waits too long for another writer fails by name, saying who holds the catalog', async () => {
    const policy = { ttlMs: 60_000, renewEveryMs: 20_000, waitMs: 200, pollMs: 10 };
    const held = await Lease.acquire(
      { blobs: new FileBlobStore(), log: silentLogger },
      { prefix: `${catalog.path}.lock/`, description: 'the catalog, by hand' },
      'another writer',
      policy,
    );
    const waiting = new LocalCatalog(root, 'listings_local', silentLogger, policy);
    const error = await failure(waiting.ensureTable(listingsTable, join(root, 'elsewhere/')));
    expect(error.name).toBe('CatalogLockTimeoutError');
    expect(error.message).toContain(`the local catalog ${catalog.path}`);
    expect(error.message).toContain('held by another writer');
    expect((error.cause as Error | undefined)?.name).toBe('LeaseHeldError');
    // nothing changed while it was held
    expect((await catalog.listTables())[0]?.location).toBe(join(root, 'curated', 'listings/'));
    await held.release();
    await waiting.ensureTable(listingsTable, join(root, 'elsewhere/'));
    expect((await catalog.listTables())[0]?.location).toBe(join(root, 'elsewhere/'));
  });
});

describe('publishing a partition', () => {
  const day = { source: 'pricehubble', dt: '2024-01-15' };

  it('repoints a partition it holds and says where it pointed before; a new one had no location', async () => {
    const previous = await catalog.publish([
      { table: listingsTable, values: day, location: join(root, 'run-b/') },
    ]);
    expect(previous).toEqual([join(root, 'run-a/')]);
    expect(await catalog.listPartitions('listings')).toEqual([
      { values: day, location: join(root, 'run-b/') },
    ]);
    expect(await catalog.getPartition('listings', day)).toEqual({
      values: day,
      location: join(root, 'run-b/'),
    });

    const other = { source: 'pricehubble', dt: '2024-01-16' };
    expect(
      await catalog.publish([{ table: listingsTable, values: other, location: join(root, 'run-c/') }]),
    ).toEqual([undefined]);
    expect(await catalog.getPartition('listings', other)).toEqual({
      values: other,
      location: join(root, 'run-c/'),
    });
  });

  it('knows no partition of a table it does not hold, nor a day it was never given', async () => {
    expect(await catalog.listPartitions('no_such_table')).toEqual([]);
    expect(await catalog.getPartition('no_such_table', day)).toBeUndefined();
    expect(
      await catalog.getPartition('listings', { source: 'pricehubble', dt: '2099-01-01' }),
    ).toBeUndefined();
  });
});
