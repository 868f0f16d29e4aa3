import type { CartApi } from '../types';
import type { CartStore } from './cart';

/**
 * @internal The public cart API over a store, as both entries expose it.
 * `live` throws `CLOSED` once the instance that owns the store is closed.
 */
export function cartApi(store: CartStore, live: () => void): CartApi {
  return {
    get: async () => (live(), store.get()),
    add: async (item) => (live(), store.add(item)),
    setQuantity: async (sku, qty) => (live(), store.setQuantity(sku, qty)),
    remove: async (sku, qty) => (live(), store.remove(sku, qty)),
    clear: async () => (live(), store.clear()),
    subscribe: (listener) => (live(), store.subscribe(listener)),
    // Also after close: a framework may read once more while it unmounts.
    snapshot: () => store.snapshot(),
  };
}
