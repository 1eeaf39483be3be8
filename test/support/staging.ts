import { expect } from 'vitest';
import { bytesUnaccounted } from '../../src/domain/ingest/byteAccount.ts';
import { newStagingStats, type StagingStats, stageRecords } from '../../src/domain/ingest/recordStager.ts';
import { recordsPathKeys } from '../../src/domain/ingest/recordsPath.ts';

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

export interface Staged {
  /** The staged records, parsed back: [record number, text]. */
  records: [number, string][];
  stats: StagingStats;
}

/** Every stager test runs at these chunk sizes: boundaries must not change anything. */
export const chunkSizes = [1, 2, 3, 7, 64, 1 << 20];

/**
 * Stages `input` cut into chunks of `size` bytes and parses the staged lines back. Checks
 * what must hold for every input that stages: the stager read every byte of it and accounted
 * for each one. `recordsPath`: the source's, as a contract writes it.
 */
export async function stage(input: string | Buffer, size = 1 << 20, recordsPath?: string): Promise<Staged> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const stats = newStagingStats();
  const parts: Buffer[] = [];
  const options = { recordsPath: recordsPath === undefined ? undefined : recordsPathKeys(recordsPath) };
  for await (const chunk of stageRecords(chunked(bytes, size), stats, 'test-object', options))
    parts.push(chunk);
  expect(stats.bytes.read).toBe(bytes.length);
  expect(bytesUnaccounted(stats.bytes)).toBe(0);
  const text = Buffer.concat(parts).toString('utf8');
  const records = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line): [number, string] => {
      const at = line.indexOf('\x01');
      return [Number(line.slice(0, at)), line.slice(at + 1)];
    });
  expect(records).toHaveLength(stats.records);
  return { records, stats };
}
