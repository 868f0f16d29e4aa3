import { useMemo } from 'react';
import type { Cart, Json, JsonShaped, NewCartItem, OrderedLine } from '../types';
import { useInstance } from './context';
import { useSnapshot } from './snapshot';

const EMPTY_CART: Cart = Object.freeze({ items: [], currency: null, count: 0, subtotal: 0, updatedAt: 0 });
const emptyCart = () => EMPTY_CART;

/** What {@link useCart} returns. */
export interface CartState {
  /** The cart, live in every tab; empty while `loading`. The same object until it changes. */
  cart: Cart;
  /** True until the stored cart has been read (always during a server render). */
  loading: boolean;
  /** Why the instance could not be created (for example `INVALID_OPTIONS`); the actions reject with it. */
  error: unknown;
  /** `cart.add`, once the instance is ready; a line's `meta` takes your own JSON type, as there. */
  add<TMeta extends JsonShaped<TMeta> = Json>(item: NewCartItem<TMeta>): Promise<Cart>;
  /** `cart.setQuantity`, once the instance is ready. */
  setQuantity(sku: string, qty: number): Promise<Cart>;
  /** `cart.remove`, once the instance is ready: the line, or `qty` units of it. */
  remove(sku: string, qty?: number): Promise<Cart>;
  /** `cart.removeOrdered`, once the instance is ready: a kept order's lines, once per order in every tab. */
  removeOrdered(id: string, lines: readonly OrderedLine[]): Promise<Cart>;
  /** `cart.clear`, once the instance is ready. */
  clear(): Promise<Cart>;
}

/**
 * The shopper's cart, live across tabs, and its actions.
 *
 * @example
 * ```tsx
 * const { cart, loading, add } = useCart();
 * return <button disabled={loading} onClick={() => add(mug)}>Add ({cart.count})</button>;
 * ```
 */
export function useCart(): CartState {
  const { store, sc, loading, error } = useInstance('useCart');
  const cart = useSnapshot(sc, 'cart', emptyCart);
  const actions = useMemo(
    () => ({
      add: async <TMeta extends JsonShaped<TMeta> = Json>(item: NewCartItem<TMeta>) => (await store.ready()).cart.add(item),
      setQuantity: async (sku: string, qty: number) => (await store.ready()).cart.setQuantity(sku, qty),
      remove: async (sku: string, qty?: number) => (await store.ready()).cart.remove(sku, qty),
      removeOrdered: async (id: string, lines: readonly OrderedLine[]) => (await store.ready()).cart.removeOrdered(id, lines),
      clear: async () => (await store.ready()).cart.clear(),
    }),
    [store],
  );
  return { cart, loading, error, ...actions };
}
