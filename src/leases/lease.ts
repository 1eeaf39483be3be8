import { hostname } from 'node:os';
import { z } from 'zod';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import type { LeasePolicy } from '../domain/lake/leasePolicy.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Logger } from '../ports/logger.ts';
import { processGone } from './processGone.ts';

/** Another run holds what this one wanted (a partition, the local catalog) and did not let go while it waited. */
export class LeaseHeldError extends PipelineError {
  override readonly name = 'LeaseHeldError';
}

/** This run's lease lapsed and another run took over: it must not go on. */
export class LeaseLostError extends PipelineError {
  override readonly name = 'LeaseLostError';
}

const leaseRecord = z.object({
  runId: z.string(),
  generation: z.number().int().nonnegative(),
  host: z.string(),
  pid: z.number().int(),
  acquiredAt: z.string(),
  expiresAt: z.string(),
});
type LeaseRecord = z.infer<typeof leaseRecord>;

/** What is leased: the prefix its generations live under, and how people call it in messages. */
export interface LeaseSubject {
  readonly prefix: string;
  readonly description: string;
}

export interface LeasePorts {
  readonly blobs: BlobStore;
  readonly log: Logger;
}

const generationName = (generation: number): string => `${String(generation).padStart(12, '0')}.json`;

/**
 * One holder at a time. A lease is a sequence of generations, one object each, created with a
 * put-if-absent: whoever creates generation g+1 holds the subject, so two runs that both find
 * generation g lapsed cannot both take it over (no delete-then-create race). The holder renews
 * its own generation before it lapses; a later generation means it lost the subject.
 */
export class Lease {
  private constructor(
    private readonly ports: LeasePorts,
    private readonly subject: LeaseSubject,
    private readonly policy: LeasePolicy,
    private record: LeaseRecord,
  ) {}

  /** The newest generation, or undefined when there never was one. */
  private static async newest(ports: LeasePorts, subject: LeaseSubject): Promise<LeaseRecord | undefined> {
    const objects = await ports.blobs.list(subject.prefix);
    const newest = objects.filter((o) => o.uri.endsWith('.json')).at(-1);
    if (!newest) return undefined;
    const text = await ports.blobs.getText(newest.uri);
    if (text === undefined) return Lease.newest(ports, subject);
    return leaseRecord.parse(JSON.parse(text));
  }

  /**
   * Takes the subject for `holderId` (a run id), waiting up to the policy's `waitMs` while
   * another holds it, then failing with LeaseHeldError naming that holder and when its lease
   * lapses. A lapsed lease, or one whose process is gone from this machine, is taken over.
   */
  static async acquire(
    ports: LeasePorts,
    subject: LeaseSubject,
    holderId: string,
    policy: LeasePolicy,
  ): Promise<Lease> {
    const deadline = Date.now() + policy.waitMs;
    let waitingLogged = false;
    for (;;) {
      const current = await Lease.newest(ports, subject);
      const now = Date.now();
      const lapsed =
        current === undefined ||
        current.runId === holderId ||
        Date.parse(current.expiresAt) <= now ||
        processGone(current);
      if (lapsed) {
        const record: LeaseRecord = {
          runId: holderId,
          generation: (current?.generation ?? -1) + 1,
          host: hostname(),
          pid: process.pid,
          acquiredAt: new Date(now).toISOString(),
          expiresAt: new Date(now + policy.ttlMs).toISOString(),
        };
        const uri = `${subject.prefix}${generationName(record.generation)}`;
        if ((await ports.blobs.putTextIfAbsent(uri, `${JSON.stringify(record)}\n`)) === 'created') {
          const lease = new Lease(ports, subject, policy, record);
          if (current && current.runId !== holderId) {
            ports.log.warn(`took over ${subject.description} from ${current.runId}, whose lease had lapsed`, {
              from: current.runId,
              expiredAt: current.expiresAt,
              holderGone: processGone(current),
            });
          }
          await lease.forgetOldGenerations();
          return lease;
        }
        continue; // another holder created that generation first: look again
      }
      if (now >= deadline) {
        throw new LeaseHeldError(
          `${subject.description} is held by ${current.runId} (on ${current.host}, since ${current.acquiredAt}; ` +
            `its lease lapses at ${current.expiresAt} unless renewed). ${holderId} waited ` +
            `${Math.round(policy.waitMs / 1000)} s and changed nothing. Let that run finish, then re-run this one ` +
            'if its result is not the one wanted.',
        );
      }
      if (!waitingLogged) {
        ports.log.info(`waiting for ${current.runId} to let go of ${subject.description}`, {
          holder: current.runId,
          lapsesAt: current.expiresAt,
        });
        waitingLogged = true;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(policy.pollMs, Math.max(1, deadline - now))),
      );
    }
  }

  /** Still this holder's, and not lapsed: checked right before the point of no return. */
  async verify(): Promise<void> {
    const current = await Lease.newest(this.ports, this.subject);
    if (current?.generation !== this.record.generation || current.runId !== this.record.runId) {
      throw new LeaseLostError(
        `${this.record.runId} lost its lease on ${this.subject.description} to ${current?.runId ?? 'nobody'}: ` +
          'it stalled longer than the lease lasts. Nothing of it was published; re-run the day.',
      );
    }
    if (Date.parse(current.expiresAt) <= Date.now()) {
      throw new LeaseLostError(
        `${this.record.runId}'s lease on ${this.subject.description} lapsed at ${current.expiresAt} before it ` +
          'could finish. Nothing of it was published; re-run the day.',
      );
    }
  }

  /** Pushes the expiry out by the policy's TTL; fails with LeaseLostError when another took over. */
  async renew(): Promise<void> {
    await this.verify();
    this.record = { ...this.record, expiresAt: new Date(Date.now() + this.policy.ttlMs).toISOString() };
    await this.ports.blobs.putText(this.uri, `${JSON.stringify(this.record)}\n`);
    // One that took over in between would have created a newer generation.
    await this.verify();
  }

  /**
   * Lets go: its generation and the older ones are removed (they have lapsed or were let go),
   * so that nothing is left of a lease nobody holds. A later generation, someone else's, stays.
   */
  async release(): Promise<void> {
    const objects = await this.ports.blobs.list(this.subject.prefix);
    for (const object of objects) {
      if (object.uri.slice(this.subject.prefix.length) <= generationName(this.record.generation)) {
        await this.ports.blobs.deletePrefix(object.uri);
      }
    }
  }

  private get uri(): string {
    return `${this.subject.prefix}${generationName(this.record.generation)}`;
  }

  /** Generations before the previous one are history nobody reads. */
  private async forgetOldGenerations(): Promise<void> {
    const objects = await this.ports.blobs.list(this.subject.prefix);
    for (const object of objects.slice(0, Math.max(0, objects.length - 2))) {
      await this.ports.blobs.deletePrefix(object.uri);
    }
  }
}

/**
 * Holds the leases of every subject while `work` runs: taken in one order (so two runs never
 * wait for each other crosswise), renewed in the background, released at the end, whatever
 * happened. `work` receives a check to call right before its point of no return.
 */
export async function withLeases<T>(
  ports: LeasePorts,
  subjects: readonly LeaseSubject[],
  holderId: string,
  policy: LeasePolicy,
  work: (verify: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const ordered = [...subjects].sort((a, b) => a.prefix.localeCompare(b.prefix));
  const leases: Lease[] = [];
  let renewal: Promise<void> = Promise.resolve();
  let lost: unknown;
  const timer = setInterval(() => {
    renewal = renewal
      .then(() => Promise.all(leases.map((lease) => lease.renew())))
      .then(
        () => undefined,
        (error: unknown) => {
          lost ??= error;
        },
      );
  }, policy.renewEveryMs);
  timer.unref();
  try {
    for (const subject of ordered) leases.push(await Lease.acquire(ports, subject, holderId, policy));
    return await work(async () => {
      await renewal;
      if (lost) throw lost;
      for (const lease of leases) await lease.verify();
    });
  } finally {
    clearInterval(timer);
    await renewal;
    await Promise.all(leases.map((lease) => lease.release().catch(() => undefined)));
  }
}
