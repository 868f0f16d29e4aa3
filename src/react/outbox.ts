import { useMemo } from 'react';
import type { OrderResult, OutboxEntry, OutboxSnapshot, ResubmitOptions } from '../types';
import { useInstance } from './context';
import type { InstanceStore } from './instance';
import { useSnapshot } from './snapshot';

const EMPTY_OUTBOX: OutboxSnapshot = Object.freeze({ entries: Object.freeze([]), loaded: false });
const emptyOutbox = () => EMPTY_OUTBOX;

/** What {@link useOutbox} returns. */
export interface OutboxState {
  /** Every entry, oldest first, live in every tab; empty while `loading`. The same array until an entry changes. */
  entries: readonly OutboxEntry[];
  /** True until the outbox has been read (always during a server render). */
  loading: boolean;
  /** Why the instance could not be created; the actions reject with it. */
  error: unknown;
  /** `outbox.retry`: replays a waiting entry now (a "Try again" button). */
  retry(id: string): Promise<OutboxEntry>;
  /** `outbox.discard`: removes an entry that is not in flight (a `pending` one with `attempts` may have been charged: it is never looked up again). */
  discard(id: string): Promise<boolean>;
  /** `outbox.resubmit`: pays again for a `needs-payment` order under a new key (a "Pay again" button). */
  resubmit(id: string, options: ResubmitOptions): Promise<OrderResult>;
}

/** @internal The outbox snapshot of the provider's instance. */
export function useOutboxSnapshot(hook: string): { store: InstanceStore; snapshot: OutboxSnapshot; loading: boolean; error: unknown } {
  const { store, sc, loading, error } = useInstance(hook);
  const snapshot = useSnapshot(sc, 'outbox', emptyOutbox);
  return { store, snapshot, loading: loading || (!!sc && !snapshot.loaded), error };
}

/**
 * The orders waiting or recently finished, as every tab sees them, and
 * their actions.
 *
 * @example
 * ```tsx
 * const { entries, retry } = useOutbox();
 * return entries.filter((e) => e.status == 'pending').map((e) => <button key={e.id} onClick={() => retry(e.id)}>Try again</button>);
 * ```
 */
export function useOutbox(): OutboxState {
  const { store, snapshot, loading, error } = useOutboxSnapshot('useOutbox');
  const actions = useMemo(
    () => ({
      retry: async (id: string) => (await store.ready()).outbox.retry(id),
      discard: async (id: string) => (await store.ready()).outbox.discard(id),
      resubmit: async (id: string, options: ResubmitOptions) => (await store.ready()).outbox.resubmit(id, options),
    }),
    [store],
  );
  return { entries: snapshot.entries, loading, error, ...actions };
}
