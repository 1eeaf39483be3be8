import { describe, expect, it } from 'vitest';
import { lakeOptionFrom } from '../../src/cli/lakeOption.ts';
import { UsageError } from '../../src/cli/usageError.ts';
import { type CatalogKind, connectLake } from '../../src/runtime/lakeConnection.ts';

describe('--lake and --catalog', () => {
  const lakes = [
    '.lake',
    'relative/lake',
    '/tmp/a lake',
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
      if (connected instanceof Error || lake.includes("'")) {
        expect(checked).toBeInstanceOf(UsageError);
      } else {
        expect(checked).toMatchObject({ lake, catalog: connected });
        expect(checked).toHaveProperty('defaultCatalog', connectLake(lake).catalogKind);
      }
    },
  );
});
