import { hostname } from 'node:os';

/**
 * Whether the process that wrote a lease or a scratch folder is gone: knowable only on the
 * machine it ran on (elsewhere it may be alive, and only its lease's expiry tells).
 */
export function processGone(owner: { readonly host: string; readonly pid: number }): boolean {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
