import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectLake } from '../../src/runtime/lakeConnection.ts';
import { queryCatalog } from '../support/lakeQuery.ts';

describe('Trino functions on the local engine', () => {
  it('runs approx_percentile, date_format and from_iso8601_date as Athena would answer them', async () => {
    const root = await mkdtemp(join(tmpdir(), 'trino-compat-'));
    try {
      const rows = await queryCatalog(
        connectLake(root),
        `SELECT approx_percentile(x, 0.5) AS median,
                date_format(from_iso8601_date('2024-01-15'), '%Y-%m') AS month
         FROM (VALUES (1.0::DOUBLE), (2.0::DOUBLE), (4.0::DOUBLE)) AS t(x)`,
      );
      expect(rows).toEqual([{ median: 2, month: '2024-01' }]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
