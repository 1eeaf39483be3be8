import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { FileBlobStore } from '../../src/adapters/local/fileBlobStore.ts';
import { leaseScenarios } from '../support/leaseScenarios.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('leases on the local lake (hard links)', () => {
  const scenarios = leaseScenarios(
    () => new FileBlobStore(),
    () => ({
      prefix: join(root, 'listings', 'source=x', 'dt=2024-01-15', '_leases/'),
      description: 'listings x',
    }),
  );
  it('gives a partition to exactly one of eight racing runs', () => scenarios.oneHolderAmongRacers());
  it('makes a second run wait, then fail naming the holder and when its lease lapses', () =>
    scenarios.waitsThenNamesTheHolder());
  it('takes over a lapsed lease; the stalled holder learns it lost', () => scenarios.takesOverALapsedLease());
  it('takes over at once the lease of a killed process on this machine', () =>
    scenarios.takesOverAnOrphanAtOnce());
  it('leaves no lease behind once released', () => scenarios.leavesNothingBehind());
  it('renews in the background while the holder works longer than one lease', () =>
    scenarios.renewsWhileWorking());
});
