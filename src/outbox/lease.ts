import { updateRecord, type Storage } from '../storage';
import { sleep } from '../time';
import type { LockedTask } from './lock';

/** A lease outlives a context that died holding it by at most this long. */
export const LEASE_MS = 10_000;
/** A held lease is renewed this often, which is also how soon its loss is noticed. */
const RENEW_MS = LEASE_MS / 3;

/** @internal A lock taken without Web Locks: see {@link withLease}. */
export type Lease = <T>(storage: Storage, name: string, task: LockedTask<T>, wait: boolean) => Promise<T | undefined>;

/**
 * @internal The lock as a lease in IndexedDB, for engines without Web Locks:
 * taken when free or expired, renewed while held, released at the end.
 */
export const withLease: Lease = async (storage, name, task, wait) => {
  // One owner per holding, so that even this context cannot take a lock twice.
  const owner = Math.random().toString(36).slice(2);
  /** When the lease was last taken or renewed, at the latest: it runs for a lease's length from then, at least. */
  let at = 0;
  const take = () => {
    at = Date.now();
    return updateRecord(storage, 'leases', name, (lease) =>
      // A lease is honoured only while it is plausible: a malformed one, or one dated beyond a
      // lease's length (a wrong clock, a tampered record), must not stop every replay for good.
      !lease || !(typeof lease.until == 'number' && lease.until >= Date.now() && lease.until <= Date.now() + LEASE_MS) || lease.owner == owner
        ? { id: name, owner, until: Date.now() + LEASE_MS }
        : undefined,
      'relaxed',
    );
  };
  for (const end = Date.now() + (wait ? LEASE_MS : 0); !(await take()); await sleep(100)) {
    if (Date.now() >= end) return undefined;
  }
  const lost = new AbortController();
  // Once the lease may have run out, the lock is lost: a context frozen past it (a sleeping laptop, a
  // suspended tab) stops before its next step, such as a failover to another domain. The renewal's
  // timer cannot be the one to tell: a hidden tab's timers run late (Firefox's once a second), so the
  // tab could wake, take its answer and fail over first. Reading the signal's `aborted`, as the placer
  // does before every step, checks the lease's age itself.
  Object.defineProperty(lost.signal, 'aborted', { get: () => Date.now() >= at + LEASE_MS && (lost.abort(), true) });
  // Renewal extends only our own lease. Should another owner hold it (it expired while this context
  // was frozen, and another context took it), the lock is lost, even if that one has let go since:
  // two contexts may have worked at once, so this one stops. A storage failure is retried.
  const renew = () => {
    const from = Date.now();
    if (!lost.signal.aborted)
      updateRecord(storage, 'leases', name, (lease) => (lease?.owner == owner ? { ...lease, until: Date.now() + LEASE_MS } : undefined), 'relaxed').then(
        (ours) => (ours ? (at = from) : ((at = -LEASE_MS), lost.abort())),
        () => {},
      );
  };
  const timer = setInterval(renew, RENEW_MS);
  try {
    return await task(lost.signal);
  } finally {
    clearInterval(timer);
    await updateRecord(storage, 'leases', name, (lease) => (lease?.owner == owner ? { ...lease, until: 0 } : undefined), 'relaxed').catch(() => {});
  }
};
