import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import { defaultDelistAfterDays, defineSource } from '../../src/domain/sources/sourceContract.ts';
import { currentListings, listingHistory, relistWindowDays } from '../../src/domain/useCases/registry.ts';
import type { Logger } from '../../src/ports/logger.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { queryCatalog } from '../support/lakeQuery.ts';
import { listing, publishListings, publishUseCase, runUseCase } from '../support/listingsLake.ts';

let root: string;
let lake: LakeConnection;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'listing-history-'));
  lake = connectLake(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A day: each source's listings (price per m² → price × 100 m²), then listing_history of it. */
async function day(dt: string, offers: Record<string, Record<string, number>>, log?: Logger) {
  for (const [source, prices] of Object.entries(offers)) {
    await publishListings(
      lake,
      source,
      dt,
      Object.entries(prices).map(([id, ppsqm]) => listing(id, 'Bern', ppsqm, { scraping_date: dt })),
    );
  }
  await publishUseCase(lake, listingHistory, dt, log);
}

/**
 * A partition's rows, sorted: source, id, valid_from, valid_to, price, first_seen, last_seen,
 * delisted_on, days_on_market, price_changes, times_seen, missed_runs.
 */
async function partition(dt: string) {
  const rows = await queryCatalog(
    lake,
    `SELECT source, id, valid_from, valid_to, price, first_seen, last_seen, delisted_on,
            days_on_market, price_changes, times_seen, missed_runs
     FROM listing_history WHERE dt = '${dt}' ORDER BY source, id, valid_from`,
  );
  return rows.map((r) => Object.values(r));
}

/** Log lines a run wrote at warn level, with their fields. */
function recordingLogger(warnings: { message: string; fields?: Record<string, unknown> }[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    error: () => {},
    warn: (message, fields) => {
      warnings.push(fields === undefined ? { message } : { message, fields });
    },
    child: () => logger,
  };
  return logger;
}

const N = defaultDelistAfterDays;

describe('listing_history, one day after the other', () => {
  it('keeps new, unchanged, changed, delisted, relisted and expired offers apart per source', async () => {
    expect(N).toBe(3);
    expect(pricehubble.delistAfterDays).toBe(N);
    await day('2024-03-01', { pricehubble: { a: 5000, b: 6000, c: 7000 }, homegate: { a: 4000 } });
    // every offer is new: one open version each
    expect(await partition('2024-03-01')).toEqual([
      ['homegate', 'a', '2024-03-01', null, 400000, '2024-03-01', '2024-03-01', null, 1, 0, 1, 0],
      ['pricehubble', 'a', '2024-03-01', null, 500000, '2024-03-01', '2024-03-01', null, 1, 0, 1, 0],
      ['pricehubble', 'b', '2024-03-01', null, 600000, '2024-03-01', '2024-03-01', null, 1, 0, 1, 0],
      ['pricehubble', 'c', '2024-03-01', null, 700000, '2024-03-01', '2024-03-01', null, 1, 0, 1, 0],
    ]);

    await day('2024-03-02', { pricehubble: { a: 5000, b: 6500 }, homegate: { a: 4000 } });
    expect(await partition('2024-03-02')).toEqual([
      // unchanged: the same version, seen once more
      ['homegate', 'a', '2024-03-01', null, 400000, '2024-03-01', '2024-03-02', null, 2, 0, 2, 0],
      ['pricehubble', 'a', '2024-03-01', null, 500000, '2024-03-01', '2024-03-02', null, 2, 0, 2, 0],
      // a new price: the old version closes today (written here once), a new one opens
      ['pricehubble', 'b', '2024-03-01', '2024-03-02', 600000, '2024-03-01', '2024-03-02', null, 2, 1, 2, 0],
      ['pricehubble', 'b', '2024-03-02', null, 650000, '2024-03-01', '2024-03-02', null, 2, 1, 2, 0],
      // not seen once: not yet delisted
      ['pricehubble', 'c', '2024-03-01', null, 700000, '2024-03-01', '2024-03-01', null, 1, 0, 1, 1],
    ]);

    // homegate delivers nothing: a day without its offers does not count against them
    await day('2024-03-03', { pricehubble: { a: 5000, b: 6500 } });
    expect(await partition('2024-03-03')).toEqual([
      ['homegate', 'a', '2024-03-01', null, 400000, '2024-03-01', '2024-03-02', null, 2, 0, 2, 0],
      ['pricehubble', 'a', '2024-03-01', null, 500000, '2024-03-01', '2024-03-03', null, 3, 0, 3, 0],
      // the closed version of b is not carried on
      ['pricehubble', 'b', '2024-03-02', null, 650000, '2024-03-01', '2024-03-03', null, 3, 1, 3, 0],
      ['pricehubble', 'c', '2024-03-01', null, 700000, '2024-03-01', '2024-03-01', null, 1, 0, 1, 2],
    ]);

    // the third run of pricehubble without c: delisted today, its version stays open
    await day('2024-03-04', { pricehubble: { a: 5000, b: 6500 } });
    expect((await partition('2024-03-04')).filter((r) => r[1] === 'c')).toEqual([
      ['pricehubble', 'c', '2024-03-01', null, 700000, '2024-03-01', '2024-03-01', '2024-03-04', 1, 0, 1, 3],
    ]);
    const current = await runUseCase(lake, currentListings, '2024-03-05');
    expect(current.rows.filter((r) => r.id === 'c').map((r) => [r.active, r.delisted_on])).toEqual([
      [false, '2024-03-04'],
    ]);

    // c is back at another price: relisted (first_seen kept, delisted_on cleared, a price change);
    // homegate delivers z but not a: a misses its first run
    await day('2024-03-05', { pricehubble: { a: 5000, b: 6500, c: 7200 }, homegate: { z: 3000 } });
    expect(await partition('2024-03-05')).toEqual([
      ['homegate', 'a', '2024-03-01', null, 400000, '2024-03-01', '2024-03-02', null, 2, 0, 2, 1],
      ['homegate', 'z', '2024-03-05', null, 300000, '2024-03-05', '2024-03-05', null, 1, 0, 1, 0],
      ['pricehubble', 'a', '2024-03-01', null, 500000, '2024-03-01', '2024-03-05', null, 5, 0, 5, 0],
      ['pricehubble', 'b', '2024-03-02', null, 650000, '2024-03-01', '2024-03-05', null, 5, 1, 5, 0],
      // the delisted version closes on the day it was delisted
      ['pricehubble', 'c', '2024-03-01', '2024-03-04', 700000, '2024-03-01', '2024-03-05', null, 5, 1, 2, 0],
      ['pricehubble', 'c', '2024-03-05', null, 720000, '2024-03-01', '2024-03-05', null, 5, 1, 2, 0],
    ]);
  });

  it(`forgets an offer delisted ${relistWindowDays} days ago: seen again, it is a new offer`, async () => {
    await day('2024-03-01', { pricehubble: { a: 5000, c: 7000 } });
    for (const dt of ['2024-03-02', '2024-03-03', '2024-03-04']) await day(dt, { pricehubble: { a: 5000 } });
    expect((await partition('2024-03-04')).filter((r) => r[1] === 'c')[0]?.[7]).toBe('2024-03-04');
    // still in the window the day before it ends (no run in between: the state goes on)
    await day('2024-04-02', { pricehubble: { a: 5000 } });
    expect((await partition('2024-04-02')).filter((r) => r[1] === 'c')).toEqual([
      ['pricehubble', 'c', '2024-03-01', null, 700000, '2024-03-01', '2024-03-01', '2024-03-04', 1, 0, 1, 3],
    ]);
    // 30 days after the delisting: written once as closed, then gone from the state
    await day('2024-04-03', { pricehubble: { a: 5000 } });
    expect((await partition('2024-04-03')).filter((r) => r[1] === 'c')).toEqual([
      [
        'pricehubble',
        'c',
        '2024-03-01',
        '2024-03-04',
        700000,
        '2024-03-01',
        '2024-03-01',
        '2024-03-04',
        1,
        0,
        1,
        3,
      ],
    ]);
    await day('2024-04-04', { pricehubble: { a: 5000, c: 7000 } });
    expect((await partition('2024-04-04')).filter((r) => r[1] === 'c')).toEqual([
      ['pricehubble', 'c', '2024-04-04', null, 700000, '2024-04-04', '2024-04-04', null, 1, 0, 1, 0],
    ]);
    // all versions of c: the closed rows of every partition and the open ones of the latest
    const versions = await queryCatalog(
      lake,
      `SELECT valid_from, valid_to FROM listing_history
       WHERE source = 'pricehubble' AND id = 'c'
         AND (valid_to IS NOT NULL OR dt = (SELECT max(dt) FROM listing_history))
       ORDER BY valid_from`,
    );
    expect(versions).toEqual([
      { valid_from: '2024-03-01', valid_to: '2024-03-04' },
      { valid_from: '2024-04-04', valid_to: null },
    ]);
  });

  it('goes on from the latest state before a missing day, and names a day whose listings it skipped', async () => {
    await day('2024-03-01', { pricehubble: { a: 5000 } });
    // listings of the 2nd were loaded but listing_history of the 2nd never ran; the 3rd had no run at all
    await publishListings(lake, 'pricehubble', '2024-03-02', [
      listing('b', 'Bern', 6000, { scraping_date: '2024-03-02' }),
    ]);
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    await day('2024-03-04', { pricehubble: { a: 5500 } }, recordingLogger(warnings));
    expect(await partition('2024-03-04')).toEqual([
      ['pricehubble', 'a', '2024-03-01', '2024-03-04', 500000, '2024-03-01', '2024-03-04', null, 4, 1, 2, 0],
      ['pricehubble', 'a', '2024-03-04', null, 550000, '2024-03-01', '2024-03-04', null, 4, 1, 2, 0],
    ]);
    expect(warnings).toEqual([
      expect.objectContaining({
        fields: expect.objectContaining({ skippedDays: ['2024-03-02'], previousDate: '2024-03-01' }),
      }),
    ]);
  });

  it('a re-run of an earlier day names the later days it left stale', async () => {
    await day('2024-03-01', { pricehubble: { a: 5000 } });
    await day('2024-03-02', { pricehubble: { a: 5000 } });
    await day('2024-03-03', { pricehubble: { a: 5000 } });
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    await publishUseCase(lake, listingHistory, '2024-03-01', recordingLogger(warnings));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('re-run them in order');
    expect(warnings[0]?.fields).toMatchObject({ staleDays: ['2024-03-02', '2024-03-03'] });
  });
});

describe('delistAfterDays in a source contract', () => {
  it('defaults to 3 and must be a whole number of runs from 1', () => {
    const { delistAfterDays: _, ...withoutIt } = pricehubble;
    expect(defineSource({ ...withoutIt, name: 'no_rule' }).delistAfterDays).toBe(3);
    expect(defineSource({ ...pricehubble, name: 'daily', delistAfterDays: 1 }).delistAfterDays).toBe(1);
    for (const bad of [0, 1.5, -2, 91]) {
      expect(() => defineSource({ ...pricehubble, delistAfterDays: bad })).toThrow(/delistAfterDays/);
    }
  });
});
