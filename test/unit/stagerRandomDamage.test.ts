import { describe, expect, it } from 'vitest';
import { stage } from '../support/staging.ts';

/**
 * Random damage, from a fixed seed: whatever the bytes, staging either ends with every byte
 * accounted for (`stage` checks it) or refuses the object by name, and the outcome does not
 * depend on where the chunks are cut.
 */

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const record = (i: number): string => JSON.stringify({ id: `r${i}`, note: 'a, [b] {c} "d"', area: 84 });
const damage = [
  '"',
  '\\',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '\n',
  '\r\n',
  '\t',
  '\u00a0',
  '\u3000',
  '\ufeff',
  '\0',
  'x',
];
const rawDamage = [Buffer.from([0xff]), Buffer.from([0xe3, 0x80]), Buffer.from([0xef, 0xbb, 0xbf])];

function damagedObject(next: () => number): Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const records = Array.from({ length: 1 + Math.floor(next() * 6) }, (_, i) => record(i));
  const format = pick(['lines', 'array', 'pretty', 'string'] as const);
  const text =
    format === 'lines'
      ? `${records.join('\n')}\n`
      : format === 'array'
        ? `[${records.join(',')}]`
        : format === 'pretty'
          ? JSON.stringify(
              records.map((r) => JSON.parse(r)),
              null,
              2,
            )
          : JSON.stringify(`[${records.join(',')}]`);
  return damaged(Buffer.from(text, 'utf8'), next);
}

/** An export inside an object, at the records path `data.items`, damaged the same way. */
function damagedEnvelope(next: () => number): Buffer {
  const records = Array.from({ length: Math.floor(next() * 6) }, (_, i) => record(i));
  const envelope = `{"page": 1, "note": "x [y] {z} \\"items\\"", "data": {"total": ${records.length}, "items": [${records.join(',')}]}, "next": null}`;
  const text = next() < 0.5 ? envelope : JSON.stringify(JSON.parse(envelope), null, 2);
  return damaged(Buffer.from(text, 'utf8'), next);
}

function damaged(input: Buffer, next: () => number): Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  let bytes = input;
  for (let n = Math.floor(next() * 4); n > 0; n--) {
    const at = Math.floor(next() * (bytes.length + 1));
    const inserted = next() < 0.8 ? Buffer.from(pick(damage), 'utf8') : pick(rawDamage);
    const removed = next() < 0.3 ? 1 : 0;
    bytes = Buffer.concat([bytes.subarray(0, at), inserted, bytes.subarray(at + removed)]);
  }
  if (next() < 0.3) bytes = bytes.subarray(0, Math.floor(next() * bytes.length)); // cut
  if (next() < 0.2)
    bytes = Buffer.concat([bytes, Buffer.from(pick(['\n', ' junk\n', `\n${record(9)}\n`, '[1]']))]);
  return bytes;
}

async function outcome(bytes: Buffer, size: number, recordsPath?: string): Promise<unknown> {
  try {
    return await stage(bytes, size, recordsPath);
  } catch (error) {
    expect((error as Error).name).toBe('UnsplittableObjectError');
    return { refused: (error as { byteOffset: number }).byteOffset };
  }
}

describe('staging randomly damaged objects', () => {
  const next = random(20240115);
  const objects = Array.from({ length: 400 }, () => damagedObject(next));

  it.each(objects.map((bytes, i) => [i, bytes] as const))('object %i', async (_, bytes) => {
    const whole = await outcome(bytes, 1 << 20);
    for (const size of [1, 3, 17]) expect(await outcome(bytes, size)).toEqual(whole);
  });
});

describe('staging randomly damaged exports inside an object (recordsPath)', () => {
  const next = random(20240116);
  const objects = Array.from({ length: 200 }, () => damagedEnvelope(next));

  it.each(objects.map((bytes, i) => [i, bytes] as const))('object %i', async (_, bytes) => {
    const whole = await outcome(bytes, 1 << 20, 'data.items');
    for (const size of [1, 3, 17]) expect(await outcome(bytes, size, 'data.items')).toEqual(whole);
  });

  it('stages most of them, and refuses some (the damage reaches both outcomes)', async () => {
    const outcomes = await Promise.all(objects.map((bytes) => outcome(bytes, 1 << 20, 'data.items')));
    const refused = outcomes.filter((o) => typeof o === 'object' && o !== null && 'refused' in o).length;
    expect(refused).toBeGreaterThan(10);
    expect(refused).toBeLessThan(190);
  });
});
