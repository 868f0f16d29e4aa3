import type { Storage } from '../storage';
import { sleep } from '../time';

/** A lease outlives a context that died holding it by at most this long. */
const LEASE_MS = 10_000;
/** A held lease is renewed this often, which is also how soon its loss is noticed. */
const RENEW_MS = LEASE_MS / 3;

/** How `withLock` takes its lock. */
export interface LockOptions {
  /** Wait for the lock, up to a lease's length, instead of giving up at once when another context holds it. */
  wait?: boolean;
  /**
   * The Web Locks manager to use. Default: `navigator.locks`. `null` uses the
   * IndexedDB lease, as in engines without Web Locks (tests force it this way).
   */
  locks?: LockManager | null;
}

/**
 * The task run under a lock. `lost` fires when the lock was taken away while
 * the task ran: a lease that another context took over (after this one was
 * frozen past its lease, for example). The task must then stop at once: it is
 * no longer alone. Web Locks are never taken away, so with them it never fires.
 */
export type LockedTask<T> = (lost: AbortSignal) => Promise<T>;

/**
 * @internal Runs `task` while holding the lock `name` across every tab and
 * worker of the origin, or returns `undefined` at once when another context
 * holds it (with `wait`, waits for it instead, up to a lease's length). Web
 * Locks where they exist (released by the browser when a context dies);
 * elsewhere a lease in IndexedDB, renewed while held.
 */
export async function withLock<T>(storage: Storage, name: string, task: LockedTask<T>, options: LockOptions = {}): Promise<T | undefined> {
  const { wait = false } = options;
  const locks = options.locks !== undefined ? options.locks : typeof navigator != 'undefined' ? navigator.locks : undefined;
  if (locks) {
    const signal = wait ? AbortSignal.timeout(LEASE_MS) : undefined;
    const never = new AbortController().signal;
    return locks.request(name, { ifAvailable: !wait, signal }, (lock) => (lock ? task(never) : undefined)).catch((error) => {
      // Waited a lease's length in vain; anything else is the task's own failure.
      if (signal?.aborted) return undefined;
      throw error;
    });
  }
  return withLease(storage, name, task, wait);
}

/** The lock as a lease in IndexedDB: taken when free or expired, renewed while held, released at the end. */
async function withLease<T>(storage: Storage, name: string, task: LockedTask<T>, wait: boolean): Promise<T | undefined> {
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
  const lost = new AbortController();
  // Renewal extends only our own lease. Should another owner hold it (it expired while this context
  // was frozen, and another context took it), the lock is lost, even if that one has let go since:
  // two contexts may have worked at once, so this one stops. A storage failure proves nothing: retried.
  const renew = () =>
    storage
      .update('leases', name, (lease) => (lease?.owner == owner ? { ...lease, until: Date.now() + LEASE_MS } : undefined), 'relaxed')
      .then(
        (held) => {
          if (!held) lost.abort();
        },
        () => {},
      );
  const timer = setInterval(renew, RENEW_MS);
  try {
    return await task(lost.signal);
  } finally {
    clearInterval(timer);
    await storage.update('leases', name, (lease) => (lease?.owner == owner ? { ...lease, until: 0 } : undefined), 'relaxed').catch(() => {});
  }
}
