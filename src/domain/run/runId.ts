import { randomBytes } from 'node:crypto';

/** Sortable, S3-key-safe, unique: `20240115T060000Z-3f9a1c`. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export const runIdPattern = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;
