import type { Storage } from '../storage';
import { LEASE_MS, type Lease } from './lease';

/** How `withLock` takes its lock. */
export interface LockOptions {
  /** Wait for the lock, up to a lease's length, instead of giving up at once when another context holds it. */
  wait?: boolean;
  /**
   * The Web Locks manager to use. Default: `navigator.locks`. `null` uses
   * `lease`, as in engines without Web Locks (tests force it this way).
   */
  locks?: LockManager | null;
  /**
   * The lock where there is no Web Locks manager: the IndexedDB lease
   * (`withLease`), which pages pass. The service worker passes none: it
   * replays on Background Sync, and every engine that fires it has Web Locks.
   */
  lease?: Lease;
}

/**
 * The task run under a lock. `lost` fires when the lock was taken away while
 * the task ran, or may have been: a lease that another context took over, or
 * one that ran out with no renewal landed (this context was frozen past it, for
 * example); reading a lease's `aborted` checks its age then. The task must then
 * stop at once: it is no longer alone. Web Locks are never taken away, so with
 * them it never fires.
 */
export type LockedTask<T> = (lost: AbortSignal) => Promise<T>;

/**
 * @internal Runs `task` while holding the lock `name` across every tab and
 * worker of the origin, or returns `undefined` at once when another context
 * holds it (with `wait`, waits for it instead, up to a lease's length). Web
 * Locks where they exist (released by the browser when a context dies);
 * elsewhere `lease` (absent only in the service worker, which always has Web Locks).
 */
export async function withLock<T>(storage: Storage, name: string, task: LockedTask<T>, options: LockOptions = {}): Promise<T | undefined> {
  const { wait = false } = options;
  const locks = 'locks' in options ? options.locks : globalThis.navigator?.locks;
  if (locks) {
    // A timer rather than `AbortSignal.timeout`, which Safari has only from 16.
    const waited = new AbortController();
    const timer = wait ? setTimeout(() => waited.abort(), LEASE_MS) : undefined;
    let started = false;
    return locks
      .request(name, { ifAvailable: !wait, signal: wait ? waited.signal : undefined }, (lock) => {
        if (!lock) return undefined;
        started = true;
        clearTimeout(timer);
        // Web Locks are never taken away: the task's `lost` never fires (not even if the wait's timer just did).
        return task(new AbortController().signal);
      })
      .catch((error) => {
        // The task's own failure.
        if (started) throw error;
        // Waited a lease's length in vain.
        if (waited.signal.aborted) return undefined;
        // Refused by the lock manager, as in a sandboxed frame, whose storage is its own memory: the lease is enough there.
        if (options.lease && storage.kind == 'memory') return options.lease(storage, name, task, wait);
        throw error;
      });
  }
  return options.lease!(storage, name, task, wait);
}

