import type { CartApi, Health, SteadyCartEvents } from '../types';

/**
 * Options of {@link createCart}: `namespace` alone (any other key throws
 * `INVALID_OPTIONS`; from the full SDK's options, pass `{ namespace }`).
 */
export interface CartOptions {
  /** The database and channel of the cart: the same `namespace` as the checkout page's `createSteadyCart`. Default `steadycart`. */
  namespace?: string | undefined;
}

/** The events a cart-only instance emits, with the full SDK's details. */
export type CartEvents = Pick<SteadyCartEvents, 'cart' | 'storage:degraded' | 'storage:corrupt'>;

/**
 * `health()` of a cart-only instance: the storage part of the full SDK's
 * {@link Health}. The cart reads only news of the cart off the channel, so its
 * `droppedMessages` counts what is no message at all, not a checkout's
 * malformed news of circuits or orders (the checkout counts those).
 */
export type CartHealth = Pick<Health, 'storage' | 'storageError' | 'droppedMessages'>;

/**
 * The cart alone, from {@link createCart}: the full SDK's `sc.cart`, on the
 * same database and channel, so a product page using it and a checkout page
 * using the full SDK share one cart live.
 */
export interface CartInstance extends CartApi {
  /** Where the cart is kept: `memory` when IndexedDB is missing or broken (nothing then survives a reload). */
  health(): CartHealth;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof CartEvents>(type: K, listener: (detail: CartEvents[K]) => void): () => void;
  /** Releases the database connection, the channel and the listeners. Later calls throw `CLOSED`, except `snapshot()` and `health()`. */
  close(): void;
}
