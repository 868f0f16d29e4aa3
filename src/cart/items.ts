import { fail } from '../errors';
import { toJsonBody } from '../guard/json';
import { isObject } from '../storage/validate';
import type { Cart, CartItem, NewCartItem } from '../types';

/** @internal A cart line's fields: exported for the test that pins the stored format (schema.ts). */
export const FIELDS = ['sku', 'name', 'unitPrice', 'currency', 'qty', 'meta'];

/** @internal Throws INVALID_ITEM unless `qty` is an integer from 1 to 999. */
export function checkQty(qty: unknown, path = 'qty'): number {
  if (!Number.isInteger(qty) || (qty as number) < 1 || (qty as number) > 999) {
    fail('INVALID_ITEM', 'must be an integer from 1 to 999', path);
  }
  return qty as number;
}

/** @internal Throws INVALID_ITEM, naming `path`, unless `sku` (or an order's id) is a string of 1 to 200 characters. */
export function checkSku(sku: unknown, path = 'sku'): string {
  if (typeof sku != 'string' || !sku || sku.length > 200) fail('INVALID_ITEM', 'must be 1 to 200 characters', path);
  return sku as string;
}

/**
 * Validates a new cart line and returns a clean copy. Throws INVALID_ITEM (or
 * CARD_DATA for card data in any field but `sku`) naming the field.
 * @internal
 */
export function checkItem(input: NewCartItem<unknown>): CartItem {
  if (!isObject(input)) fail('INVALID_ITEM', 'must be an object', '');
  const unknown = Object.keys(input).find((key) => !FIELDS.includes(key));
  if (unknown) fail('INVALID_ITEM', 'is not an item field', unknown);
  const { sku, name, unitPrice, currency, qty = 1, meta } = input;
  if (typeof name != 'string' || !name) fail('INVALID_ITEM', 'must be a non-empty string', 'name');
  if (!Number.isSafeInteger(unitPrice) || unitPrice < 0) fail('INVALID_ITEM', 'must be whole minor units, 0 or more', 'unitPrice');
  if (typeof currency != 'string' || !/^[A-Z]{3}$/.test(currency)) fail('INVALID_ITEM', 'must be ISO 4217, such as EUR', 'currency');
  const item = { sku: checkSku(sku), name, unitPrice, currency, qty: checkQty(qty), meta };
  // The whole line, as placeOrder will check it: a card number as a name is refused before it is stored.
  return JSON.parse(toJsonBody(item, [], 'INVALID_ITEM')) as CartItem;
}

/** @internal Adds a line, or adds to the quantity of the line with the same SKU. */
export function addItem(items: CartItem[], item: CartItem): CartItem[] {
  if (items[0] && items[0].currency != item.currency) {
    fail('CURRENCY_MISMATCH', `the cart is in ${items[0].currency}`, 'currency');
  }
  const existing = items.find((i) => i.sku == item.sku);
  if (!existing) return [...items, item];
  const qty = checkQty(existing.qty + item.qty);
  return items.map((i) => (i == existing ? { ...item, qty } : i));
}

/** @internal Sets the quantity of an existing line. */
export function setItemQty(items: CartItem[], sku: string, qty: number): CartItem[] {
  if (!items.some((i) => i.sku == sku)) fail('ITEM_NOT_FOUND', 'is not in the cart', 'sku');
  return items.map((i) => (i.sku == sku ? { ...i, qty } : i));
}

/** @internal Removes the line with `sku`, or `qty` units of it (the line goes when none is left). */
export function removeItem(items: CartItem[], sku: string, qty?: number): CartItem[] {
  // Without `qty`, `i.qty > qty` is false: the line goes. (Spelled out, this costs the page bytes it does not have.)
  return items.flatMap((i) => (i.sku != sku ? i : i.qty > qty! ? { ...i, qty: i.qty - qty! } : []));
}

/** @internal The public snapshot of a list of lines. */
export function toCart(items: CartItem[], updatedAt: number): Cart {
  return {
    items,
    currency: items[0]?.currency ?? null,
    count: items.reduce((n, i) => n + i.qty, 0),
    subtotal: items.reduce((n, i) => n + i.qty * i.unitPrice, 0),
    updatedAt,
  };
}
