import type { Cart, OrderedLine } from '../types';
import { fail } from '../errors';
import { CartStore } from './cart';
import { checkQty, checkSku, removeItem } from './items';

/** Orders remembered as taken out: a tab that follows an order sees it kept long before this many newer ones. */
const TAKEN_KEPT = 50;
/** Thrown inside the transaction for an order already taken out: it aborts, so nothing is written. */
const ALREADY_TAKEN = {};

/**
 * @internal The checkout page's cart (the full SDK): the cart, plus taking an
 * order's lines out once. Product pages (steadycart/cart) never need that,
 * and keep the record's `taken` as they find it.
 */
export class CheckoutCart extends CartStore {
  /**
   * Removes each line's `qty` units (the line when none is left) and records
   * `id`, in one transaction, unless `id` is recorded already: once per order
   * in every tab, and never half done. For an order already taken out, nothing
   * is written (no new revision, no message to the other tabs): it resolves
   * with the cart as stored.
   */
  removeOrdered(id: string, lines: readonly OrderedLine[]): Promise<Cart> {
    checkSku(id, 'id');
    if (!Array.isArray(lines)) fail('INVALID_ITEM', 'must be an array of { sku, qty }', 'lines');
    // Copied as checked: the write comes later, and the caller's array may change meanwhile (a form reset).
    const removed = lines.map((line, i) => [checkSku(line?.sku, `lines[${i}].sku`), checkQty(line.qty, `lines[${i}].qty`)] as const);
    return this.change((items, next) => {
      const taken = Array.isArray(next.taken) ? next.taken : [];
      if (taken.includes(id)) throw ALREADY_TAKEN;
      next.taken = [id, ...taken].slice(0, TAKEN_KEPT);
      return removed.reduce((left, [sku, qty]) => removeItem(left, sku, qty), items);
    }).catch((error: unknown) => (error === ALREADY_TAKEN ? this.get() : Promise.reject(error)));
  }
}
