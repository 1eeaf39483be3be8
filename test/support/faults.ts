import type { BlobStore } from '../../src/ports/blobStore.ts';
import type { Catalog } from '../../src/ports/catalog.ts';

/** An injected failure: what a crash, a throttle that outlasted the retries, or a full disk looks like to the caller. */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

export interface FaultRule {
  /** `blobs.upload`, `blobs.putText`, `blobs.deletePrefix`, `catalog.publish`, … */
  readonly call: string;
  /** Which calls of it (by their argument) count. */
  readonly matches?: (argument: string) => boolean;
  /** Fail the nth matching call (1 = the first). */
  readonly nth?: number;
}

/** Wraps every method of `target` so that the calls a rule names throw InjectedFault instead. */
function injecting<T extends object>(target: T, prefix: string, rules: readonly FaultRule[]): T {
  const seen = new Map<FaultRule, number>();
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      const call = `${prefix}.${key}`;
      return (...args: unknown[]) => {
        const argument = JSON.stringify(args[args.length > 1 && call.endsWith('upload') ? 1 : 0] ?? '');
        for (const rule of rules) {
          if (rule.call !== call || !(rule.matches?.(argument) ?? true)) continue;
          const count = (seen.get(rule) ?? 0) + 1;
          seen.set(rule, count);
          if (count === (rule.nth ?? 1))
            return Promise.reject(new InjectedFault(`injected: ${call} ${argument}`));
        }
        return value.apply(object, args);
      };
    },
  });
}

export function faultyBlobs(blobs: BlobStore, rules: readonly FaultRule[]): BlobStore {
  return injecting(blobs, 'blobs', rules);
}

export function faultyCatalog(catalog: Catalog, rules: readonly FaultRule[]): Catalog {
  return injecting(catalog, 'catalog', rules);
}
