import type { Storage } from '../storage';

/** A lease outlives a context that died holding it by at most this long. */
const LEASE_MS = 10_000;

/**
 * @internal Runs `task` while holding the lock `name` across every tab and
 * worker of the origin, or returns `undefined` at once when another context
 * holds it. Web Locks where they exist (released by the browser when a
 * context dies); elsewhere a lease in IndexedDB, renewed while held.
 */
export async function withLock<T>(storage: Storage, name: string, task: () => Promise<T>): Promise<T | undefined> {
  const locks = typeof navigator != 'undefined' ? navigator.locks : undefined;
  if (locks) return locks.request(name, { ifAvailable: true }, (lock) => (lock ? task() : undefined));

  // One owner per holding, so that even this context cannot take a lock twice.
  const owner = Math.random().toString(36).slice(2);
  const take = () =>
    storage.update('leases', name, (lease) =>
      !lease || lease.until < Date.now() || lease.owner == owner ? { id: name, owner, until: Date.now() + LEASE_MS } : undefined,
      'relaxed',
    );
  if (!(await take())) return undefined;
  const renew = setInterval(take, LEASE_MS / 3);
  try {
    return await task();
  } finally {
    clearInterval(renew);
    await storage.update('leases', name, (lease) => (lease?.owner == owner ? { ...lease, until: 0 } : undefined), 'relaxed').catch(() => {});
  }
}
