import type { Storage } from '../storage';
import { sleep } from '../time';

/** A lease outlives a context that died holding it by at most this long. */
const LEASE_MS = 10_000;

/**
 * @internal Runs `task` while holding the lock `name` across every tab and
 * worker of the origin, or returns `undefined` at once when another context
 * holds it (with `wait`, waits for it instead, up to a lease's length). Web
 * Locks where they exist (released by the browser when a context dies);
 * elsewhere a lease in IndexedDB, renewed while held.
 */
export async function withLock<T>(storage: Storage, name: string, task: () => Promise<T>, wait = false): Promise<T | undefined> {
  const locks = typeof navigator != 'undefined' ? navigator.locks : undefined;
  if (locks) {
    const signal = wait ? AbortSignal.timeout(LEASE_MS) : undefined;
    return locks.request(name, { ifAvailable: !wait, signal }, (lock) => (lock ? task() : undefined)).catch((error) => {
      // Waited a lease's length in vain; anything else is the task's own failure.
      if (signal?.aborted) return undefined;
      throw error;
    });
  }

  // One owner per holding, so that even this context cannot take a lock twice.
  const owner = Math.random().toString(36).slice(2);
  const take = () =>
    storage.update('leases', name, (lease) =>
      // A lease is honoured only while it is plausible: a malformed one, or one dated beyond a
      // lease's length (a wrong clock, a tampered record), must not stop every replay for good.
      !lease || !(typeof lease.until == 'number' && lease.until >= Date.now() && lease.until <= Date.now() + LEASE_MS) || lease.owner == owner
        ? { id: name, owner, until: Date.now() + LEASE_MS }
        : undefined,
      'relaxed',
    );
  for (const end = Date.now() + (wait ? LEASE_MS : 0); !(await take()); await sleep(100)) {
    if (Date.now() >= end) return undefined;
  }
  const renew = setInterval(take, LEASE_MS / 3);
  try {
    return await task();
  } finally {
    clearInterval(renew);
    await storage.update('leases', name, (lease) => (lease?.owner == owner ? { ...lease, until: 0 } : undefined), 'relaxed').catch(() => {});
  }
}
