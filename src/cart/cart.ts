import { checkListener, tell, type Events } from '../events';
import type { BaseStorage } from '../storage/base';
import type { CartRecord } from '../storage/schema';
import { updateRecord } from '../storage/update';
import type { Cart, CartItem, NewCartItem } from '../types';
import { fail } from '../errors';
import { isObject, isTime } from '../storage/validate';
import { addItem, checkItem, checkQty, checkSku, removeItem, setItemQty, toCart } from './items';

const EMPTY: CartRecord = { id: 'cart', items: [], rev: 0, updatedAt: 0 };

/**
 * The shopper's cart: persisted before every call resolves, shared live by
 * every tab of the origin. Changes are read-modify-write transactions, so two
 * tabs changing the cart at once both keep their change.
 *
 * @example
 * ```ts
 * await sc.cart.add({ sku: 'mug-1', name: 'Mug', unitPrice: 1200, currency: 'EUR' });
 * const stop = sc.cart.subscribe((cart) => render(cart));
 * ```
 */
export class CartStore {
  private record = EMPTY;
  /** The public cart of `record`, made once per change: `snapshot()` hands out this same object until the next. */
  private view = toCart([], 0);

  /** @internal */
  constructor(
    private readonly storage: BaseStorage,
    private readonly channel: { post(message: { t: 'cart' }): void },
    private readonly events: Events,
  ) {}

  /** The cart as stored now. */
  async get(): Promise<Cart> {
    return this.publish(this.clean(await this.storage.get('cart', 'cart')));
  }

  /** Adds a line, or adds `qty` (default 1) to the line with the same SKU. */
  add(item: NewCartItem<unknown>): Promise<Cart> {
    const line = checkItem(item);
    return this.change((items) => addItem(items, line));
  }

  /** Sets a line's quantity (1 to 999); use `remove` to drop it. */
  setQuantity(sku: string, qty: number): Promise<Cart> {
    checkSku(sku);
    checkQty(qty);
    return this.change((items) => setItemQty(items, sku, qty));
  }

  /** Removes a line, or `qty` units of it (the line goes when none is left); a SKU that is not there is not an error. */
  remove(sku: string, qty?: number): Promise<Cart> {
    checkSku(sku);
    if (qty !== undefined) checkQty(qty);
    return this.change((items) => removeItem(items, sku, qty));
  }

  /** Empties the cart. */
  clear(): Promise<Cart> {
    return this.change(() => []);
  }

  /**
   * Calls `listener` now with the current cart, then after every change in
   * any tab. Returns the function that unsubscribes.
   */
  subscribe(listener: (cart: Cart) => void): () => void {
    checkListener(listener);
    const off = this.events.on('cart', listener);
    tell(listener, this.view);
    return off;
  }

  /** @internal Another context changed the cart. */
  onRemoteChange(): void {
    this.get().catch(() => {});
  }

  /**
   * Changes the stored cart in one transaction: `apply` returns the new lines,
   * and may set other fields of the record it is given, which is written.
   */
  protected async change(apply: (items: CartItem[], next: CartRecord) => CartItem[]): Promise<Cart> {
    let current!: CartRecord;
    const record = await updateRecord(this.storage, 'cart', 'cart', (stored) => {
      current = this.clean(stored);
      const next = { ...current, rev: current.rev + 1, updatedAt: Date.now() };
      next.items = apply(current.items, next);
      // Past 2^53 a sum is rounded: a cart whose subtotal cannot be told exactly is refused.
      if (!Number.isSafeInteger(toCart(next.items, 0).subtotal)) fail('INVALID_ITEM', 'would make the subtotal too large', 'unitPrice');
      // A change that changes nothing (a SKU not there removed, an empty cart cleared) writes nothing and tells no one.
      return JSON.stringify([next.items, next.taken]) == JSON.stringify([current.items, current.taken]) ? undefined : next;
    });
    if (!record) return this.publish(current);
    this.channel.post({ t: 'cart' });
    return this.publish(record);
  }

  /** The stored record with every line that fails validation dropped (and reported). */
  private clean(stored: unknown): CartRecord {
    // None in memory: the database could not be read as storage fell back to it. The cart this page last
    // read goes on there, or the next change would start from an empty one and drop every line.
    if (stored === undefined) return this.storage.memory ? this.record : EMPTY;
    const r = isObject(stored) ? stored : {};
    // Lines that are not an array count as one bad line.
    const items = Array.isArray(r.items) ? r.items : [null];
    const valid: CartItem[] = [];
    for (const raw of items) {
      try {
        const item = checkItem(raw);
        if ((!valid[0] || valid[0].currency == item.currency) && !valid.some((v) => v.sku == item.sku)) valid.push(item);
      } catch {
        // Dropped below, and reported.
      }
    }
    const dropped = items.length - valid.length;
    if (dropped) this.events.emit('storage:corrupt', { store: 'cart', reason: `${dropped} bad line(s) dropped` });
    // Every other field goes on as it is: `taken`, which the checkout's cart reads (`CheckoutCart`) and
    // steadycart/cart never does, and any a newer build added, which a product page still on an older
    // bundle must not erase with its next change.
    return { ...r, id: 'cart', items: valid, rev: isTime(r.rev) ? r.rev : 0, updatedAt: isTime(r.updatedAt) ? r.updatedAt : 0 };
  }

  /** The newest cart seen, synchronously: the same object until the cart changes. */
  snapshot(): Cart {
    return this.view;
  }

  /** Keeps the newest record seen, tells subscribers when it is newer than what they had, and returns the newest cart. */
  private publish(record: CartRecord): Cart {
    // The wall clock also counts: a database deleted by another tab starts its revisions again.
    // The first record read is always taken: a cleaned corrupt one may carry revision 0.
    const first = this.record === EMPTY && record !== EMPTY;
    if (first || record.rev > this.record.rev || record.updatedAt > this.record.updatedAt) {
      this.record = record;
      this.view = toCart(record.items, record.updatedAt);
      this.events.emit('cart', this.view);
    }
    return this.view;
  }
}
