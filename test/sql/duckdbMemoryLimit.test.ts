import { describe, expect, it } from 'vitest';
import { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { isDuckdbMemoryLimit } from '../../src/domain/sql/duckdbMemoryLimit.ts';

describe('the DuckDB memory limits the command line accepts', () => {
  it.each([
    ['512MB', '488.2 MiB'],
    ['1GB', '953.6 MiB'],
    ['1.5GB', '1.3 GiB'],
    ['2GiB', '2.0 GiB'],
    ['1536mb', '1.4 GiB'],
  ])('DuckDB takes %s as %s', async (limit, shown) => {
    expect(isDuckdbMemoryLimit(limit)).toBe(true);
    const session = await DuckdbSession.open({ memoryLimit: limit });
    try {
      expect(await session.all("SELECT current_setting('memory_limit') AS limit")).toEqual([
        { limit: shown },
      ]);
    } finally {
      session.close();
    }
  });

  it.each(['abc', '', '1000', '0GB', '-1GB', 'none', '1 GB', '512KB', '1.GB', '80%'])(
    'refuses %j',
    (limit) => {
      expect(isDuckdbMemoryLimit(limit)).toBe(false);
    },
  );
});
