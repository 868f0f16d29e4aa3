import type { IdempotencyStore } from './store/types';

/** A running handler's hold on a key: renewed every third of the lease until stopped. */
export interface Lease {
  /** Aborts once the store says another owner holds the key. */
  readonly signal: AbortSignal;
  stop(): void;
}

/**
 * Starts the heartbeat for `owner`'s lease on `key`. A heartbeat that fails
 * (store unreachable) is reported and retried at the next beat; one the store
 * refuses means the lease was lost, and aborts `signal`.
 */
export function holdLease(
  store: IdempotencyStore,
  key: string,
  owner: string,
  leaseMs: number,
  onError: (error: unknown) => void,
): Lease {
  const controller = new AbortController();
  let busy = false;
  const timer = setInterval(() => {
    if (busy || controller.signal.aborted) return;
    busy = true;
    store
      .heartbeat(key, owner, leaseMs)
      .then((held) => {
        if (!held) {
          clearInterval(timer);
          controller.abort(new Error(`lease on ${key} lost to another owner`));
        }
      }, onError)
      .finally(() => (busy = false));
  }, Math.max(5, Math.floor(leaseMs / 3)));
  return { signal: controller.signal, stop: () => clearInterval(timer) };
}
