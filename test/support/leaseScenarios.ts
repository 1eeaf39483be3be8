import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { expect } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import type { LeasePolicy } from '../../src/domain/lake/leasePolicy.ts';
import { Lease, type LeaseSubject, withLeases } from '../../src/leases/lease.ts';
import type { BlobStore } from '../../src/ports/blobStore.ts';

/** Quick leases for tests: they lapse in a second and are waited for a little. */
export const quickPolicy: LeasePolicy = { ttlMs: 1_000, renewEveryMs: 300, waitMs: 300, pollMs: 20 };

/** A pid that belonged to a process that has exited (so nobody is behind it now). */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

/**
 * The lease's guarantees, the same for every blob store: exactly one holder among racers, a
 * named wait, takeover of a lapsed or orphaned lease, loss detected, nothing left behind.
 */
export function leaseScenarios(blobs: () => BlobStore, subject: () => LeaseSubject) {
  const ports = () => ({ blobs: blobs(), log: silentLogger });
  return {
    async oneHolderAmongRacers(): Promise<void> {
      const racers = Array.from({ length: 8 }, (_, i) => `run-${i}`);
      // A lease that lasts longer than the race: a racer slowed by a busy machine must find it
      // held, not lapsed (taking over a lapsed lease is right, and tested below).
      const outcomes = await Promise.allSettled(
        racers.map((run) =>
          Lease.acquire(ports(), subject(), run, { ...quickPolicy, ttlMs: 60_000, waitMs: 0 }),
        ),
      );
      const winners = outcomes.filter((o) => o.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const winner of winners) await (winner as PromiseFulfilledResult<Lease>).value.release();
      for (const loser of outcomes.filter((o) => o.status === 'rejected')) {
        expect((loser as PromiseRejectedResult).reason).toMatchObject({ name: 'LeaseHeldError' });
      }
    },

    async waitsThenNamesTheHolder(): Promise<void> {
      const held = await Lease.acquire(ports(), subject(), 'run-first', quickPolicy);
      const started = Date.now();
      const error = await Lease.acquire(ports(), subject(), 'run-second', quickPolicy).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(quickPolicy.waitMs - 20);
      expect(error?.name).toBe('LeaseHeldError');
      expect(error?.message).toContain('held by run-first');
      expect(error?.message).toMatch(/lapses at \d{4}-\d{2}-\d{2}T/);
      await held.release();
      const next = await Lease.acquire(ports(), subject(), 'run-second', quickPolicy);
      await next.release();
    },

    async takesOverALapsedLease(): Promise<void> {
      const stale = await Lease.acquire(ports(), subject(), 'run-stuck', { ...quickPolicy, ttlMs: 50 });
      await new Promise((resolve) => setTimeout(resolve, 80));
      const taker = await Lease.acquire(ports(), subject(), 'run-next', quickPolicy);
      await expect(stale.verify()).rejects.toMatchObject({ name: 'LeaseLostError' });
      await expect(stale.renew()).rejects.toMatchObject({ name: 'LeaseLostError' });
      await taker.verify();
      await taker.release();
    },

    async takesOverAnOrphanAtOnce(): Promise<void> {
      // A lease of a process that is gone from this machine, with hours left.
      const orphan = {
        runId: 'run-killed',
        generation: 0,
        host: hostname(),
        pid: deadPid(),
        acquiredAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      };
      await blobs().putText(`${subject().prefix}${'0'.padStart(12, '0')}.json`, JSON.stringify(orphan));
      const started = Date.now();
      const lease = await Lease.acquire(ports(), subject(), 'run-next', quickPolicy);
      expect(Date.now() - started).toBeLessThan(quickPolicy.waitMs);
      await lease.release();
    },

    async leavesNothingBehind(): Promise<void> {
      for (const run of ['a', 'b', 'c']) {
        await withLeases(ports(), [subject()], `run-${run}`, quickPolicy, async (verify) => verify());
      }
      expect(await blobs().list(subject().prefix)).toEqual([]);
    },

    async renewsWhileWorking(): Promise<void> {
      // Work longer than the TTL: the background renewal keeps the lease, others keep waiting.
      const policy = { ...quickPolicy, ttlMs: 400, renewEveryMs: 100 };
      const working = withLeases(ports(), [subject()], 'run-long', policy, async (verify) => {
        await new Promise((resolve) => setTimeout(resolve, 900));
        await verify();
        return 'done';
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await expect(
        Lease.acquire(ports(), subject(), 'run-other', { ...policy, waitMs: 0 }),
      ).rejects.toMatchObject({
        name: 'LeaseHeldError',
      });
      expect(await working).toBe('done');
    },
  };
}
