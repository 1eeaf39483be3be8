import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JsonLogger } from '../../src/adapters/jsonLogger.ts';
import { FileBlobStore } from '../../src/adapters/local/fileBlobStore.ts';
import type { LeasePolicy } from '../../src/domain/lake/leasePolicy.ts';
import { Lease, type LeaseSubject, withLeases } from '../../src/leases/lease.ts';
import type { BlobStore } from '../../src/ports/blobStore.ts';
import { quickPolicy } from '../support/leaseScenarios.ts';

/**
 * The lease's rules one by one, in process, on the local store: file names, who may take a
 * lease and when, what is logged and said, what is kept and removed. Expected values are
 * written out (names, messages, times), not computed with the lease's own helpers.
 */
let root: string;
let subject: LeaseSubject;
let lines: Record<string, unknown>[];
const log = () => new JsonLogger({}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
const blobs = new FileBlobStore();
const ports = () => ({ blobs, log: log() });
const names = async () => (await readdir(subject.prefix).catch(() => [])).sort();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A lease written by hand, as another run on another machine left it. */
const foreignRecord = (fields: { runId: string; generation: number; expiresAt: string }) =>
  JSON.stringify({ host: 'another-host', pid: 1, acquiredAt: '2024-01-15T00:00:00.000Z', ...fields });

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-unit-'));
  subject = { prefix: join(root, '_leases/'), description: 'listings x dt=2024-01-15' };
  lines = [];
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(root, { recursive: true, force: true });
});

/** The store, counting calls, with `tweak` to change an answer. */
function spying(tweak: Partial<BlobStore> = {}) {
  const calls: string[] = [];
  const seen =
    <A extends unknown[], R>(name: string, call: (...args: A) => R) =>
    (...args: A): R => {
      calls.push(`${name} ${String(args[0])}`);
      return call(...args);
    };
  const store: BlobStore = {
    list: seen('list', (p: string) => (tweak.list ?? blobs.list.bind(blobs))(p)),
    listIncompleteUploads: (p) => blobs.listIncompleteUploads(p),
    read: (u) => blobs.read(u),
    readFrom: (u, s) => blobs.readFrom(u, s),
    upload: (l, u) => blobs.upload(l, u),
    uploadIfAbsent: (l, u) => blobs.uploadIfAbsent(l, u),
    copy: (f, t) => blobs.copy(f, t),
    putText: seen('putText', (u: string, t: string) => (tweak.putText ?? blobs.putText.bind(blobs))(u, t)),
    putTextIfAbsent: seen('putTextIfAbsent', (u: string, t: string) => blobs.putTextIfAbsent(u, t)),
    getText: (u) => (tweak.getText ?? blobs.getText.bind(blobs))(u),
    deletePrefix: (p) => blobs.deletePrefix(p),
  };
  return { store, calls };
}

describe('taking a lease', () => {
  it('writes generation 000000000000.json first, then the next number on a takeover, and logs the takeover', async () => {
    const stuck = await Lease.acquire(ports(), subject, 'run-stuck', { ...quickPolicy, ttlMs: 30 });
    expect(await names()).toEqual(['000000000000.json']);
    await sleep(60);
    const next = await Lease.acquire(ports(), subject, 'run-next', quickPolicy);
    expect(await names()).toEqual(['000000000000.json', '000000000001.json']);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      message: 'took over listings x dt=2024-01-15 from run-stuck, whose lease had lapsed',
      from: 'run-stuck',
      holderGone: false,
    });
    expect(Date.parse(String(warnings[0]?.expiredAt))).toBeLessThan(Date.now());
    await next.release();
    await stuck.release();
  });

  it('keeps only the last two generations', async () => {
    for (const run of ['a', 'b', 'c', 'd']) {
      await Lease.acquire(ports(), subject, `run-${run}`, { ...quickPolicy, ttlMs: 1 });
      await sleep(5);
    }
    expect(await names()).toEqual(['000000000002.json', '000000000003.json']);
  });

  it('gives the lease again to the run that holds it (a retried step), without waiting or a takeover', async () => {
    const first = await Lease.acquire(ports(), subject, 'run-a', quickPolicy);
    // with no time to wait: a held lease would fail at once
    const again = await Lease.acquire(ports(), subject, 'run-a', { ...quickPolicy, waitMs: 0 });
    expect(await names()).toEqual(['000000000000.json', '000000000001.json']);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
    await expect(first.verify()).rejects.toMatchObject({ name: 'LeaseLostError' });
    await again.verify();
  });

  it('reads only .json generations in the lease folder', async () => {
    await mkdir(subject.prefix, { recursive: true });
    await writeFile(join(subject.prefix, 'zz-notes.txt'), 'not a lease');
    const lease = await Lease.acquire(ports(), subject, 'run-a', quickPolicy);
    await lease.verify();
    expect(await names()).toContain('000000000000.json');
  });

  it('looks again when a generation vanishes between the listing and the read (its holder let go)', async () => {
    let vanished = false;
    const { store } = spying({
      getText: async (uri) => {
        if (!vanished) {
          vanished = true;
          return undefined;
        }
        return blobs.getText(uri);
      },
    });
    await writeFile(
      join(await mkdirp(subject.prefix), '000000000000.json'),
      foreignRecord({
        runId: 'run-old',
        generation: 0,
        expiresAt: '2000-01-01T00:00:00.000Z',
      }),
    );
    const lease = await Lease.acquire({ blobs: store, log: log() }, subject, 'run-a', quickPolicy);
    expect(vanished).toBe(true);
    expect(await names()).toEqual(['000000000000.json', '000000000001.json']);
    await lease.release();
  });

  it('takes a lease that expires this very millisecond (lapsed means expiresAt <= now)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-01-15T10:00:00.000Z'));
    await writeFile(
      join(await mkdirp(subject.prefix), '000000000000.json'),
      foreignRecord({
        runId: 'run-old',
        generation: 0,
        expiresAt: '2024-01-15T10:00:00.000Z',
      }),
    );
    const lease = await Lease.acquire(ports(), subject, 'run-a', { ...quickPolicy, waitMs: 0 });
    expect(await names()).toEqual(['000000000000.json', '000000000001.json']);
    await lease.release();
  });

  it('with no time to wait, fails at once, naming the holder, its host, when it took and when it lapses', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-01-15T10:00:00.000Z'));
    await writeFile(
      join(await mkdirp(subject.prefix), '000000000000.json'),
      foreignRecord({
        runId: 'run-old',
        generation: 0,
        expiresAt: '2024-01-15T10:00:00.001Z',
      }),
    );
    await expect(Lease.acquire(ports(), subject, 'run-a', { ...quickPolicy, waitMs: 0 })).rejects.toThrow(
      'listings x dt=2024-01-15 is held by run-old (on another-host, since 2024-01-15T00:00:00.000Z; its lease ' +
        'lapses at 2024-01-15T10:00:00.001Z unless renewed). run-a waited 0 s and changed nothing. Let that run ' +
        'finish, then re-run this one if its result is not the one wanted.',
    );
    expect(lines).toEqual([]);
  });

  it('says how long it waited, logs the wait once, looks every pollMs, and gives up at the deadline', async () => {
    const holder = await Lease.acquire(ports(), subject, 'run-first', { ...quickPolicy, ttlMs: 60_000 });
    lines = [];
    const { store, calls } = spying();
    const policy: LeasePolicy = { ...quickPolicy, waitMs: 1_500, pollMs: 250 };
    const started = Date.now();
    const error = await Lease.acquire({ blobs: store, log: log() }, subject, 'run-second', policy).catch(
      (e: unknown) => e as Error,
    );
    const waited = Date.now() - started;
    expect(error).toMatchObject({ name: 'LeaseHeldError' });
    expect((error as Error).message).toContain('run-second waited 2 s and changed nothing');
    expect(waited).toBeGreaterThanOrEqual(1_480);
    expect(waited).toBeLessThan(4_000);
    // about one look per 250 ms over 1.5 s: seven at most, fewer on a slow machine
    const looks = calls.filter((c) => c.startsWith('list ')).length;
    expect(looks).toBeGreaterThanOrEqual(2);
    expect(looks).toBeLessThanOrEqual(8);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      message: 'waiting for run-first to let go of listings x dt=2024-01-15',
      holder: 'run-first',
    });
    expect(Date.parse(String(lines[0]?.lapsesAt))).toBeGreaterThan(Date.now());
    await holder.release();
  });

  it('never sleeps past its deadline, however long pollMs is', async () => {
    const holder = await Lease.acquire(ports(), subject, 'run-first', { ...quickPolicy, ttlMs: 60_000 });
    const started = Date.now();
    await expect(
      Lease.acquire(ports(), subject, 'run-second', { ...quickPolicy, waitMs: 200, pollMs: 30_000 }),
    ).rejects.toMatchObject({ name: 'LeaseHeldError' });
    expect(Date.now() - started).toBeLessThan(5_000);
    await holder.release();
  });
});

describe('checking a lease', () => {
  it('is lost when its generation was overwritten by another run', async () => {
    const lease = await Lease.acquire(ports(), subject, 'run-a', { ...quickPolicy, ttlMs: 60_000 });
    await writeFile(
      join(subject.prefix, '000000000000.json'),
      foreignRecord({ runId: 'run-b', generation: 0, expiresAt: '2999-01-01T00:00:00.000Z' }),
    );
    await expect(lease.verify()).rejects.toThrow(
      'run-a lost its lease on listings x dt=2024-01-15 to run-b: it stalled longer than the lease lasts. ' +
        'Nothing of it was published; re-run the day.',
    );
  });

  it('is lost to nobody when its lease is gone altogether', async () => {
    const lease = await Lease.acquire(ports(), subject, 'run-a', quickPolicy);
    await rm(subject.prefix, { recursive: true });
    await expect(lease.verify()).rejects.toMatchObject({
      name: 'LeaseLostError',
      message: expect.stringContaining('run-a lost its lease on listings x dt=2024-01-15 to nobody'),
    });
  });

  it('has lapsed, even if nobody took it, once its expiry is reached', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-01-15T10:00:00.000Z'));
    const lease = await Lease.acquire(ports(), subject, 'run-a', { ...quickPolicy, ttlMs: 1_000 });
    vi.setSystemTime(new Date('2024-01-15T10:00:00.999Z'));
    await lease.verify();
    vi.setSystemTime(new Date('2024-01-15T10:00:01.000Z'));
    await expect(lease.verify()).rejects.toThrow(
      "run-a's lease on listings x dt=2024-01-15 lapsed at 2024-01-15T10:00:01.000Z before it could finish. " +
        'Nothing of it was published; re-run the day.',
    );
  });
});

describe('letting go', () => {
  it('removes its own generation and older ones, never a later one another run holds', async () => {
    const stuck = await Lease.acquire(ports(), subject, 'run-stuck', { ...quickPolicy, ttlMs: 30 });
    await sleep(60);
    const taker = await Lease.acquire(ports(), subject, 'run-next', { ...quickPolicy, ttlMs: 60_000 });
    await stuck.release();
    expect(await names()).toEqual(['000000000001.json']);
    await taker.verify();
    await taker.release();
    expect(await names()).toEqual([]);
  });
});

describe('holding leases while working', () => {
  const two = (): LeaseSubject[] => [
    { prefix: join(root, 'b', '_leases/'), description: 'b' },
    { prefix: join(root, 'a', '_leases/'), description: 'a' },
  ];

  it('takes them in one order whatever the order asked, so two runs never wait crosswise', async () => {
    const { store, calls } = spying();
    await withLeases({ blobs: store, log: log() }, two(), 'run-a', quickPolicy, async () => undefined);
    expect(calls.filter((c) => c.startsWith('putTextIfAbsent ')).map((c) => c.slice(16))).toEqual([
      join(root, 'a', '_leases', '000000000000.json'),
      join(root, 'b', '_leases', '000000000000.json'),
    ]);
  });

  it("fails the check when a renewal failed, with the renewal's error", async () => {
    const { store } = spying({ putText: () => Promise.reject(new Error('injected: renewal put')) });
    const policy = { ...quickPolicy, ttlMs: 60_000, renewEveryMs: 20 };
    await expect(
      withLeases({ blobs: store, log: log() }, two(), 'run-a', policy, async (verify) => {
        await sleep(100);
        await verify();
      }),
    ).rejects.toThrow('injected: renewal put');
  });

  it('fails the check when another run took a lease over during the work', async () => {
    const policy = { ...quickPolicy, ttlMs: 60_000, renewEveryMs: 60_000 };
    await expect(
      withLeases(ports(), [subject], 'run-a', policy, async (verify) => {
        await writeFile(
          join(subject.prefix, '000000000001.json'),
          foreignRecord({ runId: 'run-b', generation: 1, expiresAt: '2999-01-01T00:00:00.000Z' }),
        );
        await verify();
      }),
    ).rejects.toMatchObject({ name: 'LeaseLostError', message: expect.stringContaining('to run-b') });
  });

  it('stops renewing once the work is done', async () => {
    const { store, calls } = spying();
    const policy = { ...quickPolicy, renewEveryMs: 20 };
    await withLeases({ blobs: store, log: log() }, [subject], 'run-a', policy, () => sleep(60));
    const after = calls.length;
    await sleep(120);
    expect(calls.length).toBe(after);
  });
});

async function mkdirp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
