import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonLogger, silentLogger } from '../../src/adapters/jsonLogger.ts';
import { rawPrefix } from '../../src/domain/lake/lakeLayout.ts';
import { newRunId } from '../../src/domain/run/runId.ts';
import { pricehubble } from '../../src/domain/sources/pricehubble.ts';
import { loadPartition } from '../../src/jobs/loader/loadPartition.ts';
import { connectLake, type LakeConnection } from '../../src/runtime/lakeConnection.ts';
import { queryCatalog } from '../support/lakeQuery.ts';
import { deadPid } from '../support/leaseScenarios.ts';
import { landRawFile } from '../support/rawFiles.ts';
import { expectedFromSample, sampleFiles } from '../support/sampleOracle.ts';

const day = { source: 'pricehubble', dt: '2024-01-15' };
let root: string;
let lake: LakeConnection;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lake-test-'));
  lake = connectLake(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const land = (name: string, content: Buffer | string): Promise<void> => landRawFile(lake, day, name, content);

function load(runId = newRunId(), log = silentLogger) {
  return loadPartition(
    { source: pricehubble, date: day.dt, runId },
    {
      blobs: lake.blobs,
      catalog: lake.catalog,
      zones: lake.zones,
      log,
      workDir: join(root, 'work'),
    },
  );
}

/** A logger that keeps its lines, parsed. */
function keptLog() {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    log: new JsonLogger({ component: 'loader' }, (line) => lines.push(JSON.parse(line)), 'info'),
  };
}

const query = (sql: string) => queryCatalog(lake, sql);

/** The run prefixes of the day's listings partition (beside them: the partition's leases). */
async function runPrefixesOf(lake: LakeConnection): Promise<string[]> {
  const entries = await readdir(join(lake.zones.curated, 'listings', 'source=pricehubble', 'dt=2024-01-15'));
  return entries.filter((entry) => entry.startsWith('run='));
}

describe('loader progress', () => {
  it('logs structured progress lines with the run id while it stages and checks', async () => {
    const records = Array.from({ length: 60_000 }, (_, i) =>
      JSON.stringify({
        id: `p${i}`,
        raw_price: `CHF ${100_000 + i}`,
        living_area: 80,
        property_type: 'house',
        municipality: 'Bern',
        scraping_date: '2024-01-15',
      }),
    );
    await land('offers.jsonl', `${records.join('\n')}\n`);
    const lines: Record<string, unknown>[] = [];
    const log = new JsonLogger({ component: 'loader' }, (line) => lines.push(JSON.parse(line)));
    const runId = newRunId();
    const summary = await loadPartition(
      { source: pricehubble, date: day.dt, runId },
      {
        blobs: lake.blobs,
        catalog: lake.catalog,
        zones: lake.zones,
        log,
        workDir: join(root, 'work'),
        progressIntervalMs: 5,
      },
    );
    expect(summary.read).toBe(60_000);
    const progress = lines.filter((line) => line.message === 'progress');
    expect(progress.length).toBeGreaterThan(1);
    for (const line of progress) {
      expect(line).toMatchObject({ runId, source: 'pricehubble', dt: day.dt, level: 'info' });
      expect(typeof line.stage).toBe('string');
      expect(line.elapsedMs).toBeGreaterThanOrEqual(0);
    }
    // after staging, a line counts every staged record; the stages come in the load's order
    const stages = [...new Set(progress.map((line) => line.stage))];
    const order = [
      'staging',
      'checking',
      'de-duplicating',
      'writing listings',
      'writing rejects',
      'summarizing',
      'publishing',
    ];
    expect(stages.map((stage) => order.indexOf(stage as string))).toEqual(
      [...stages.map((stage) => order.indexOf(stage as string))].sort((a, b) => a - b),
    );
    expect(stages.every((stage) => order.includes(stage as string))).toBe(true);
    const afterStaging = progress.filter((line) => line.stage !== 'staging');
    expect(afterStaging.length).toBeGreaterThan(0);
    for (const line of afterStaging) expect(line.records).toBe(60_000);
  });
});

describe('loader on the local lake', () => {
  it.each(sampleFiles)('keeps every valid offer of %s with the right price and types', async (file) => {
    await copyFile(file, join(await mkdirRaw(), 'sample'));
    const summary = await load();
    const expected = await expectedFromSample(file);
    expect(summary.read).toBe(expected.read);
    expect(summary.kept).toBe(expected.kept.length);
    expect(summary.read).toBe(summary.kept + summary.rejected);
    const rows = await query(
      'SELECT id, price, living_area, property_type, municipality, scraping_date::VARCHAR AS scraping_date FROM listings ORDER BY id',
    );
    expect(rows).toEqual(expected.kept);
  });

  it('publishes both tables atomically under a fresh run prefix and writes a manifest', async () => {
    await land('offers.jsonl', await readFile(sampleFiles[0] as string));
    const summary = await load();
    const listings = await lake.catalog.getPartition('listings', day);
    const rejected = await lake.catalog.getPartition('listings_rejected', day);
    expect(listings?.location).toContain(`/run=${summary.runId}/`);
    expect(rejected?.location).toContain(`/run=${summary.runId}/`);
    const manifest = JSON.parse((await lake.blobs.getText(summary.manifest)) ?? '{}');
    expect(manifest).toMatchObject({ runId: summary.runId, read: summary.read, kept: summary.kept });
    const [counts] = await query(
      'SELECT (SELECT count(*) FROM listings) AS kept, (SELECT count(*) FROM listings_rejected) AS rejected',
    );
    expect(counts).toEqual({ kept: summary.kept, rejected: summary.rejected });
  });

  it('reads gzip, JSON arrays and JSON-string exports in one day', async () => {
    await land('a.jsonl.gz', gzipSync(await readFile(sampleFiles[0] as string)));
    await land('b.json', await readFile(sampleFiles[1] as string));
    await land(
      'c.json',
      JSON.stringify([
        {
          id: 'extra',
          raw_price: 'CHF 990 000',
          living_area: 120,
          property_type: 'house',
          municipality: 'Bern',
          scraping_date: '2024-01-14',
        },
      ]),
    );
    const summary = await load();
    expect(summary.objects.map((o) => [o.format, o.compressed, o.records])).toEqual([
      ['json-lines', true, 100],
      ['json-string-array', false, 100],
      ['json-array', false, 1],
    ]);
    expect(summary.read).toBe(201);
    expect(summary.read).toBe(summary.kept + summary.rejected);
    // every byte of every object accounted for, after gunzip (a local lake's URIs are paths)
    for (const object of summary.objects) {
      const stored = await readFile(object.uri);
      const content = object.compressed ? gunzipSync(stored) : stored;
      const { read, bom, envelope, records, separators, whiteSpace } = object.bytes;
      expect(
        [object.storedBytes, read, bom + envelope + records + separators + whiteSpace],
        object.uri,
      ).toEqual([stored.length, content.length, content.length]);
    }
    const [row] = await query("SELECT price FROM listings WHERE id = 'extra'");
    expect(row).toEqual({ price: 990000 });
  });

  it('running the same day again leaves one copy and removes superseded runs', async () => {
    await land('offers.jsonl', await readFile(sampleFiles[0] as string));
    const first = await load();
    const second = await load();
    const third = await load();
    const [count] = await query('SELECT count(*) AS n FROM listings');
    expect(count?.n).toBe(third.kept);
    expect(third.kept).toBe(first.kept);
    expect(third.published[0]?.previous).toContain(second.runId);
    // the run replaced last stays one run longer (for queries that started before the publish)
    const runs = await runPrefixesOf(lake);
    expect(runs.sort()).toEqual([`run=${second.runId}`, `run=${third.runId}`].sort());
  });

  it('fails on a corrupt gzip with an actionable message and keeps the published partition', async () => {
    await land('offers.jsonl', await readFile(sampleFiles[0] as string));
    const good = await load();
    const before = await query('SELECT * FROM listings ORDER BY id');
    const gzipped = gzipSync(Buffer.from('{"id":"x"}\n'.repeat(1000)));
    await land('broken.jsonl.gz', gzipped.subarray(0, gzipped.length - 20));
    const failing = newRunId();
    await expect(load(failing)).rejects.toMatchObject({
      name: 'RawObjectReadError',
      message: expect.stringMatching(
        /broken\.jsonl\.gz.*replace it in the raw zone and re-run this date.*Nothing was published/s,
      ),
    });
    expect((await lake.catalog.getPartition('listings', day))?.location).toContain(good.runId);
    expect(await query('SELECT * FROM listings ORDER BY id')).toEqual(before);
    expect(await runPrefixesOf(lake)).toEqual([`run=${good.runId}`]);
  });

  it('publishes a day whose rejected records are under the limit even when their reasons are not', async () => {
    // 45 of 100 records fail two rules each: 45% of the records (pricehubble allows 50%),
    // though 90 reasons; counting reasons refused this day.
    const studioOnRequest = (i: number) =>
      JSON.stringify({
        id: `bad-${i}`,
        raw_price: 'Preis auf Anfrage',
        living_area: 60,
        property_type: 'studio',
        municipality: 'Bern',
        scraping_date: '2024-01-15',
      });
    const valid = (i: number) =>
      JSON.stringify({
        id: `ok-${i}`,
        raw_price: '800 000 €',
        living_area: 100,
        property_type: 'house',
        municipality: 'Bern',
        scraping_date: '2024-01-15',
      });
    const lines = [
      ...Array.from({ length: 45 }, (_, i) => studioOnRequest(i)),
      ...Array.from({ length: 55 }, (_, i) => valid(i)),
    ];
    await land('offers.jsonl', `${lines.join('\n')}\n`);

    const summary = await load();

    expect(summary).toMatchObject({ read: 100, kept: 55, rejected: 45 });
    expect(summary.rejectedByReason).toEqual({ unparseable_price: 45, unsupported_property_type: 45 });
    expect(await query('SELECT count(*) AS n FROM listings')).toEqual([{ n: 55 }]);
  });

  it('fails clearly when the day has no raw data', async () => {
    await expect(load()).rejects.toMatchObject({
      name: 'NoRawDataError',
      message: expect.stringContaining('raw/source=pricehubble/dt=2024-01-15'),
    });
    expect(await lake.catalog.listTables()).toEqual([]);
  });

  it('publishes empty tables for a day whose objects hold only blank lines', async () => {
    await land('empty.jsonl', '\n\n');
    const summary = await load();
    expect(summary).toMatchObject({ read: 0, kept: 0, rejected: 0 });
    expect(await query('SELECT count(*) AS n FROM listings')).toEqual([{ n: 0 }]);
  });
});

/** A day of `bad` records that fail one rule (a studio) and `good` ones that pass. */
function dayOf(bad: number, good: number): string {
  const offer = (id: string, propertyType: string) =>
    JSON.stringify({
      id,
      raw_price: '800 000 CHF',
      living_area: 100,
      property_type: propertyType,
      municipality: 'Bern',
      scraping_date: '2024-01-15',
    });
  return `${[
    ...Array.from({ length: bad }, (_, i) => offer(`bad-${i}`, 'studio')),
    ...Array.from({ length: good }, (_, i) => offer(`ok-${i}`, 'house')),
  ].join('\n')}\n`;
}

describe('what a load tells its operator', () => {
  it('logs each step with its counts, removes a killed load’s scratch, and times its phases', async () => {
    await land('a.jsonl', dayOf(1, 2));
    await land('b.jsonl', '\n\n');
    const workDir = join(root, 'work');
    const leftover = join(workDir, 'load-20240101T000000Z-aaaaaa-x1');
    await mkdir(leftover, { recursive: true });
    await writeFile(
      join(leftover, 'owner.json'),
      JSON.stringify({ pid: deadPid(), host: hostname(), runId: 'killed', startedAt: '' }),
    );
    const { lines, log } = keptLog();

    const summary = await load(newRunId(), log);

    const messages = lines.map((l) => l.message);
    expect(lines.find((l) => l.message === 'loader started')).toMatchObject({ rawObjects: 2 });
    expect(lines.filter((l) => l.message === 'raw object staged').map((l) => [l.object, l.records])).toEqual([
      [expect.stringMatching(/a\.jsonl$/), 3],
      [expect.stringMatching(/b\.jsonl$/), 0],
    ]);
    expect(lines.find((l) => l.message === 'contract applied')).toMatchObject({
      read: 3,
      kept: 2,
      rejected: 1,
    });
    // no progress lines unless asked for, and the only warning is about the killed load's folder
    expect(messages).not.toContain('progress');
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'removed 1 scratch folder(s) left by killed runs',
    ]);
    expect(existsSync(leftover)).toBe(false);
    expect(Object.keys(summary.phasesMs)).toEqual(
      expect.arrayContaining(['stage', 'check', 'dedupe', 'writeListings', 'writeRejected', 'publish']),
    );
    const phases = Object.values(summary.phasesMs).reduce((a, b) => a + b, 0);
    expect(summary.durationMs).toBeGreaterThanOrEqual(phases - Object.keys(summary.phasesMs).length);
    expect(summary.durationMs).toBeLessThan(120_000);
  });

  it('a raw object it cannot read fails by name, with the cause attached', async () => {
    await land('broken.jsonl.gz', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03]));
    const error = await load().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe('RawObjectReadError');
    expect(error?.cause).toBeInstanceOf(Error);
  });

  it('a day without raw data names the folder and what to do', async () => {
    await expect(load()).rejects.toMatchObject({
      name: 'NoRawDataError',
      message: expect.stringMatching(/land the day's files there.*or check that the scraper delivered\.$/is),
    });
  });
});

describe('the data-quality gate in the loader', () => {
  it('refuses a day above the limit by name, publishes nothing and leaves no scratch folder', async () => {
    await land('offers.jsonl', dayOf(6, 4));
    const { lines, log } = keptLog();
    const error = await load(newRunId(), log).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe('DataQualityError');
    // 6 of 10 records rejected; pricehubble allows 50%
    expect(error?.message).toContain('60.0% of 10 records were rejected');
    expect(error?.message).toContain('above the limit of 50.0%');
    // what the failure report and the message are built from
    expect((error as Error & { details?: unknown }).details).toMatchObject({
      read: 10,
      rejectedForRules: 6,
      limit: 0.5,
      topReasons: [expect.objectContaining({ reason: 'unsupported_property_type', records: 6 })],
    });
    expect(await lake.catalog.getPartition('listings', day)).toBeUndefined();
    expect(await readdir(join(root, 'work'))).toEqual([]);
    expect(lines.filter((l) => l.level === 'error')).toEqual([
      expect.objectContaining({ message: 'loader failed', error: 'DataQualityError' }),
    ]);
  });

  it("publishes the same day under a run's own limit", async () => {
    await land('offers.jsonl', dayOf(6, 4));
    const summary = await loadPartition(
      {
        source: pricehubble,
        date: day.dt,
        runId: newRunId(),
        quality: { maxRejectedShare: 0.7, reason: 'vendor relabelled flats, DATA-7' },
      },
      {
        blobs: lake.blobs,
        catalog: lake.catalog,
        zones: lake.zones,
        log: silentLogger,
        workDir: join(root, 'work'),
      },
    );
    expect(summary).toMatchObject({ read: 10, kept: 4, rejected: 6 });
    expect(await query('SELECT count(*) AS n FROM listings')).toEqual([{ n: 4 }]);
    expect(await readdir(join(root, 'work'))).toEqual([]);
  });

  it('publishes a day above the warn level and says so in the log', async () => {
    await land('offers.jsonl', dayOf(3, 7));
    const lines: Record<string, unknown>[] = [];
    const log = new JsonLogger({ component: 'loader' }, (line) => lines.push(JSON.parse(line)));
    const warned = { ...pricehubble, quality: { maxRejectedShare: 0.5, warnRejectedShare: 0.2 } };
    const summary = await loadPartition(
      { source: warned, date: day.dt, runId: newRunId() },
      { blobs: lake.blobs, catalog: lake.catalog, zones: lake.zones, log, workDir: join(root, 'work') },
    );
    expect(summary).toMatchObject({ read: 10, kept: 7, rejected: 3 });
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({
        message: 'data quality below the warn level; publishing',
        rejectedShare: 0.3,
        warnAt: 0.2,
      }),
    ]);
    expect(await query('SELECT count(*) AS n FROM listings')).toEqual([{ n: 7 }]);
  });
});

async function mkdirRaw(): Promise<string> {
  const dir = rawPrefix(lake.zones, day);
  await mkdir(dir, { recursive: true });
  return dir;
}
