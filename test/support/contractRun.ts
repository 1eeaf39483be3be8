import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckdbSession } from '../../src/adapters/duckdb/duckdbSession.ts';
import { newStagingStats, stageRecords } from '../../src/domain/ingest/recordStager.ts';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import { recordsPathOf, type SourceContract } from '../../src/domain/sources/sourceContract.ts';
import { sqlString } from '../../src/domain/sql/sqlLiteral.ts';
import { ContractChecker, type ContractOutcome } from '../../src/jobs/loader/applyContract.ts';

export interface ContractResult {
  outcome: ContractOutcome;
  kept: Record<string, unknown>[];
  rejected: Record<string, unknown>[];
  keptTypes: Record<string, string>;
  rejectedTypes: Record<string, string>;
}

async function* once(text: string): AsyncGenerator<Buffer> {
  yield Buffer.from(text, 'utf8');
}

/**
 * Stages each object's text, applies the contract and reads both Parquet outputs back.
 * Objects are read in the order given (object_index = position).
 */
export async function runContract(
  objects: readonly string[],
  source: SourceContract = pricehubble,
): Promise<ContractResult> {
  const work = await mkdtemp(join(tmpdir(), 'contract-test-'));
  try {
    const checker = await ContractChecker.open({ source, runId: '20240115T060000Z-000000', workDir: work });
    const listingsPath = join(work, 'listings.parquet');
    const rejectedPath = join(work, 'rejected.parquet');
    let outcome: ContractOutcome;
    try {
      for (const [index, text] of objects.entries()) {
        const stats = newStagingStats();
        const parts: Buffer[] = [];
        const options = { recordsPath: recordsPathOf(source) };
        for await (const chunk of stageRecords(once(text), stats, `object-${index}`, options))
          parts.push(chunk);
        const path = join(work, `staged-${index}.txt`);
        await writeFile(path, Buffer.concat(parts));
        if (stats.records > 0) checker.check([{ path, objectIndex: index }]);
      }
      outcome = await checker.finish(
        listingsPath,
        rejectedPath,
        objects.map((_, index) => `object-${index}`),
      );
    } finally {
      await checker.close();
    }
    const session = await DuckdbSession.open();
    try {
      const kept = await session.columns(
        `SELECT * FROM read_parquet(${sqlString(listingsPath)}) ORDER BY id`,
      );
      const rejected = await session.columns(
        `SELECT * FROM read_parquet(${sqlString(rejectedPath)}) ORDER BY source_object, record_number`,
      );
      return {
        outcome,
        kept: kept.rows,
        rejected: rejected.rows,
        keptTypes: Object.fromEntries(kept.names.map((n, i) => [n, kept.types[i] ?? ''])),
        rejectedTypes: Object.fromEntries(rejected.names.map((n, i) => [n, rejected.types[i] ?? ''])),
      };
    } finally {
      session.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A valid offer; override what a test is about. */
export function offer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'a1',
    raw_price: '530 000€/mo.',
    living_area: 84,
    property_type: 'apartment',
    municipality: 'Solothurn',
    scraping_date: '2021-02-17',
    ...overrides,
  };
}

export const jsonLines = (records: readonly unknown[]): string =>
  `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
