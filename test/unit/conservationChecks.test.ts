import { describe, expect, it } from 'vitest';
import { checkBytes, checkConservation } from '../../src/jobs/loader/conservationChecks.ts';

const day = { source: 'pricehubble', dt: '2024-01-15' };
const uri = 'raw/source=pricehubble/dt=2024-01-15/offers.json';

/** A 100-byte object: a 3-byte BOM, two records of 40 and 45 bytes, `[`, `,`, `]` and 9 blanks. */
const wholeAccount = { read: 100, bom: 3, envelope: 0, records: 85, separators: 3, whiteSpace: 9 };

describe('byte conservation of one raw object', () => {
  it('is a bug in the pipeline, not in the data', () => {
    const skipped = { ...wholeAccount, records: 80 };
    let error: unknown;
    try {
      checkBytes('run-1', { uri, bytes: skipped }, { contentBytes: 100, ended: true });
    } catch (e) {
      error = e;
    }
    expect((error as { category?: string }).category).toBe('bug');
  });

  it('passes when the stager read the whole content and placed every byte', () => {
    expect(() =>
      checkBytes('run-1', { uri, bytes: wholeAccount }, { contentBytes: 100, ended: true }),
    ).not.toThrow();
  });

  it('fails by name when bytes were skipped, saying where they should have gone', () => {
    const skipped = { ...wholeAccount, records: 80 };
    expect(() => checkBytes('run-1', { uri, bytes: skipped }, { contentBytes: 100, ended: true })).toThrow(
      expect.objectContaining({
        name: 'ConservationError',
        message:
          `Byte conservation failed for raw object ${uri}: its content is 100 bytes, the stager read 100 and ` +
          'accounted for 95 (BOM 3, envelope 0, records 80, separators 3, white space 9). Nothing was published; this is a bug, ' +
          'please report it with the run id run-1.',
      }),
    );
  });

  it('fails when the stager stopped before the end, or the content was not read to its end', () => {
    // 90 bytes read but 100 placed: counted twice somewhere
    const shortRead = { ...wholeAccount, read: 90 };
    expect(() =>
      checkBytes('r', { uri, bytes: { ...wholeAccount } }, { contentBytes: 101, ended: true }),
    ).toThrow(/its content is 101 bytes, the stager read 100/);
    expect(() => checkBytes('r', { uri, bytes: wholeAccount }, { contentBytes: 100, ended: false })).toThrow(
      /its content is 100 bytes \(not read to its end\)/,
    );
    expect(() => checkBytes('r', { uri, bytes: shortRead }, { contentBytes: 90, ended: true })).toThrow(
      /accounted for 100/,
    );
  });
});

describe('record conservation of a day', () => {
  const staged = [{ records: 7 }, { records: 3 }];

  it('returns the records staged when the engine read them all and wrote each once', () => {
    expect(checkConservation('run-1', day, staged, { read: 10, kept: 6, rejected: 4 })).toBe(10);
    expect(checkConservation('run-1', day, [], { read: 0, kept: 0, rejected: 0 })).toBe(0);
  });

  it.each([
    ['the engine read fewer records than were staged', { read: 9, kept: 6, rejected: 3 }, 9],
    ['a record was written to no table', { read: 10, kept: 6, rejected: 3 }, 10],
    ['a record was written to both tables', { read: 10, kept: 7, rejected: 4 }, 10],
    ['the engine read more than was staged', { read: 11, kept: 7, rejected: 3 }, 11],
  ])('fails by name when %s', (_, outcome, read) => {
    expect(() => checkConservation('run-9', day, staged, outcome)).toThrow(
      expect.objectContaining({
        name: 'ConservationError',
        message:
          `Conservation failed for pricehubble/2024-01-15: staged 10 records, the engine read ${read}, ` +
          `wrote ${outcome.kept} kept + ${outcome.rejected} rejected. Nothing was published; this is a bug, ` +
          'please report it with the run id run-9.',
      }),
    );
  });
});
