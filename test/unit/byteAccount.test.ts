import { describe, expect, it } from 'vitest';
import { byteAccountProblem, bytesUnaccounted } from '../../src/domain/ingest/byteAccount.ts';

const account = { read: 30, bom: 3, envelope: 0, records: 20, separators: 5, whiteSpace: 2 };

describe('the byte account of a raw object', () => {
  it('holds when every byte read is placed and the whole content was read', () => {
    expect(bytesUnaccounted(account)).toBe(0);
    expect(byteAccountProblem(account, { bytes: 30, ended: true })).toBeUndefined();
  });

  it('names bytes read but placed nowhere (text a stager skipped)', () => {
    const skipped = { ...account, records: 15 };
    expect(bytesUnaccounted(skipped)).toBe(5);
    expect(byteAccountProblem(skipped, { bytes: 30, ended: true })).toBe(
      'its content is 30 bytes, the stager read 30 and accounted for 25 (BOM 3, envelope 0, records 15, separators 5, white space 2)',
    );
  });

  it('names bytes placed twice', () => {
    expect(bytesUnaccounted({ ...account, whiteSpace: 4 })).toBe(-2);
    expect(byteAccountProblem({ ...account, whiteSpace: 4 }, { bytes: 30, ended: true })).toContain(
      'accounted for 32',
    );
  });

  it('refuses a content the stager did not read to its end, even when what it read adds up', () => {
    expect(byteAccountProblem(account, { bytes: 30, ended: false })).toContain('(not read to its end)');
    expect(byteAccountProblem(account, { bytes: 45, ended: true })).toContain('its content is 45 bytes');
  });
});
