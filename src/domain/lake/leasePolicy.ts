/**
 * How long one writer may hold a partition without renewing its lease, how often it renews,
 * and how long a second writer waits before it gives up with LeaseHeldError. A crashed
 * holder's lease lapses after `ttlMs` (at once, on the same machine, when its process is gone).
 */
export interface LeasePolicy {
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  readonly waitMs: number;
  readonly pollMs: number;
}

/** Renewing every minute, a lease lapses after five missed minutes: a stuck task, not a slow one. */
export const defaultLeasePolicy: LeasePolicy = {
  ttlMs: 5 * 60_000,
  renewEveryMs: 60_000,
  waitMs: 2 * 60_000,
  pollMs: 1_000,
};
