import type { IdempotencyStore } from './store/types';

/** A running handler's hold on a key: renewed every third of the lease until stopped. */
export interface Lease {
  /** Aborts once the lease is lost, or may have lapsed because no heartbeat reached the store in time. */
  readonly signal: AbortSignal;
  stop(): void;
}

/** Heartbeats that may be awaiting the store's answer at once. */
const MAX_BEATS_IN_FLIGHT = 3;

/**
 * Starts the heartbeat for `owner`'s lease on `key`, reserved by a request
 * sent at `reservedAt` (`performance.now()`). A heartbeat that fails (store
 * unreachable, or a store that throws instead of rejecting) is reported and
 * retried at the next beat; one the store refuses means the lease was lost,
 * and aborts `signal`.
 *
 * A beat does not wait for the one before it to be answered: a beat that
 * never answers (a query on a dead pooled connection, which has no timeout)
 * must not hold back the next ones, or the lease would lapse in the store
 * while the handler runs and another process would run it a second time. At
 * most {@link MAX_BEATS_IN_FLIGHT} beats await an answer at once; each is
 * checked against the owner token by the store, so overlapping beats are safe.
 *
 * The store's lease starts when it runs a write, which is after the write was
 * sent: so the lease certainly holds until `leaseMs` after the last
 * acknowledged write was sent. Only an acknowledgement of a beat sent later
 * than the last acknowledged one moves that moment on: a late answer to an
 * older beat cannot shorten it. A sixth of the lease before that moment with no
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
  let inFlight = 0;
  // When the last acknowledged write (the reservation, then a beat) was sent.
  let ackedSentAt = -Infinity;
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
  /** The write sent at `sentAt` was acknowledged: the lease holds until then plus `leaseMs`, unless a later one said so already. */
  const heldFrom = (sentAt: number) => {
    if (sentAt <= ackedSentAt) return;
    ackedSentAt = sentAt;
    clearTimeout(expiry);
    expiry = setTimeout(() => controller.abort(new Error(`lease on ${key} may have lapsed: no heartbeat reached the store in time`)), sentAt + (leaseMs * 5) / 6 - performance.now());
  };
  const beat = setInterval(() => {
    if (inFlight >= MAX_BEATS_IN_FLIGHT) return;
    inFlight++;
    const sentAt = performance.now();
    // Through a promise: a store that throws synchronously is a failed beat, not an exception in a timer.
    Promise.resolve()
      .then(() => store.heartbeat(key, owner, leaseMs))
      // A beat answered after the run ended (or the lease was lost) changes nothing: no timer is armed again.
      .then((held) => stopped || (held ? heldFrom(sentAt) : lose()), onError)
      .finally(() => inFlight--);
  }, Math.max(5, Math.floor(leaseMs / 3)));
  heldFrom(reservedAt);
  return { signal: controller.signal, stop };
}
