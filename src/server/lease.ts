import type { IdempotencyStore } from './store/types';

/** A running handler's hold on a key: renewed every third of the lease until stopped. */
export interface Lease {
  /** Aborts once the lease is lost, or may have lapsed because no heartbeat reached the store in time. */
  readonly signal: AbortSignal;
  stop(): void;
}

/**
 * Starts the heartbeat for `owner`'s lease on `key`, reserved by a request
 * sent at `reservedAt` (`performance.now()`). A heartbeat that fails (store
 * unreachable) is reported and retried at the next beat; one the store
 * refuses means the lease was lost, and aborts `signal`.
 *
 * The store's lease starts when it runs a write, which is after the write was
 * sent: so the lease certainly holds until `leaseMs` after the last
 * acknowledged write was sent. A sixth of the lease before that moment with no
 * newer acknowledgement (a partition, a hung heartbeat), `signal` aborts too,
 * before another process may take the key over; the heartbeats go on all the
 * same, so that a beat that was only late still renews the lease while the
 * handler (which may not heed the signal, a payment call being under way) runs.
 */
export function holdLease(
  store: IdempotencyStore,
  key: string,
  owner: string,
  leaseMs: number,
  reservedAt: number,
  onError: (error: unknown) => void,
): Lease {
  const controller = new AbortController();
  let expiry: ReturnType<typeof setTimeout> | undefined;
  let busy = false;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearInterval(beat);
    clearTimeout(expiry);
  };
  const lose = () => {
    stop();
    controller.abort(new Error(`lease on ${key} lost to another owner`));
  };
  const heldFrom = (sentAt: number) => {
    clearTimeout(expiry);
    expiry = setTimeout(() => controller.abort(new Error(`lease on ${key} may have lapsed: no heartbeat reached the store in time`)), sentAt + (leaseMs * 5) / 6 - performance.now());
  };
  const beat = setInterval(() => {
    if (busy) return;
    busy = true;
    const sentAt = performance.now();
    store
      .heartbeat(key, owner, leaseMs)
      // A beat answered after the run ended (or the lease was lost) changes nothing: no timer is armed again.
      .then((held) => stopped || (held ? heldFrom(sentAt) : lose()), onError)
      .finally(() => (busy = false));
  }, Math.max(5, Math.floor(leaseMs / 3)));
  heldFrom(reservedAt);
  return { signal: controller.signal, stop };
}
