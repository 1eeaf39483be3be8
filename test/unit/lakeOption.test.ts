import { describe, expect, it } from 'vitest';
import { lakeOptionFrom } from '../../src/cli/lakeOption.ts';
import { UsageError } from '../../src/cli/usageError.ts';
import { type CatalogKind, connectLake } from '../../src/runtime/lakeConnection.ts';

describe('--lake and --catalog', () => {
  const lakes = [
    '.lake',
    'relative/lake',
    '/tmp/a lake',
    "/tmp/Zürich's [lake] 1",
    '/tmp/lake * ?',
    '/tmp/back\\slash',
    's3://bucket/lake',
    's3://bucket',
    's3://Bad_Bucket/x',
  ];
  const catalogs: (CatalogKind | undefined)[] = [undefined, 'local', 'glue'];

  it.each(lakes.flatMap((lake) => catalogs.map((catalog) => [lake, catalog] as const)))(
    '%s with catalog %s: accepted exactly when connectLake accepts it, with its catalog',
    async (lake, catalog) => {
      const connected = (() => {
        try {
          return connectLake(lake, catalog).catalogKind;
        } catch (error) {
          return error as Error;
        }
      })();
      const checked = await lakeOptionFrom(lake, catalog).catch((error: unknown) => error as Error);
      if (connected instanceof Error) {
        expect(checked).toBeInstanceOf(UsageError);
      } else {
        expect(checked).toMatchObject({ lake, catalog: connected });
        expect(checked).toHaveProperty('defaultCatalog', connectLake(lake).catalogKind);
      }
    },
  );

  it('refuses a directory whose path holds both \\ and a glob character: DuckDB could not read it back', async () => {
    for (const lake of ['/tmp/back\\slash [1]', '/tmp/a\\b*', 'rel\\x?']) {
      await expect(lakeOptionFrom(lake, undefined)).rejects.toThrow(/both \\ and one of \* \? \[/);
    }
  });
});
