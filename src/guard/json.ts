import { STANDALONE_WORKER } from '../build-flags';
import { fail } from '../errors';
import { isCardField, isCardNumber, isProductCodeField } from './card-data';

/** Why card data is refused, as a page tells the shop; the worker only quarantines a stored record, with a short reason. */
const CARD_NUMBER = STANDALONE_WORKER ? 'card data' : 'looks like a card number; send a payment token instead';
const CARD_FIELD = STANDALONE_WORKER ? 'card data' : 'card data must never be stored or sent';

/**
 * @internal Whether `path` is an `allowCardLikeAt` entry written as the guard
 * writes paths (`giftCard.reference`, `items[*].variantId`, `items[0].id`):
 * any other spelling (`$.a`, `.a`, `items[].b`, `items.*.b`) would never match.
 */
export const isJsonPath = (path: unknown): boolean => typeof path == 'string' && /^(?!\$)[^.[\]*]+(?:\.[^.[\]*]+|\[(?:\d+|\*)\])*$/.test(path);

/**
 * Checks that `value` is plain JSON and holds no card data, then serializes
 * it once. A product code (see `isProductCodeField`), or a list of them, is
 * not taken for a card number. Throws `INVALID_ORDER` or `CARD_DATA` (with the JSON path) and
 * never returns a body that would need either.
 *
 * `code` lets the cart reuse the check with its own error code.
 *
 * The standalone worker checks only bodies it parsed from storage: there
 * only the card checks and a number out of range (`1e400` parses as
 * Infinity) can fail, so it carries no other, and gets no body back.
 * @internal
 */
export function toJsonBody(
  value: unknown,
  allowCardLikeAt: readonly string[] = [],
  code: 'INVALID_ORDER' | 'INVALID_ITEM' = 'INVALID_ORDER',
): string {
  const seen = new Set<object>();
  // `[*]` lets one allowed path cover every element of an array.
  const isAllowed = (path: string) => allowCardLikeAt.includes(path) || allowCardLikeAt.includes(path.replace(/\[\d+\]/g, '[*]'));
  const visit = (v: unknown, path: string, productCode?: boolean): void => {
    switch (typeof v) {
      case 'string':
      case 'number':
        if (typeof v == 'number' && !isFinite(v)) fail(code, 'numbers must be finite', path);
        if (!productCode && isCardNumber(v) && !isAllowed(path)) fail('CARD_DATA', CARD_NUMBER, path);
        return;
      case 'boolean':
        return;
      case 'object': {
        if (v === null) return;
        if (!STANDALONE_WORKER) {
          if (seen.has(v)) fail(code, 'must not contain a cycle', path);
          seen.add(v);
        }
        if (Array.isArray(v)) {
          v.forEach((item, i) => {
            if (!STANDALONE_WORKER && item === undefined) fail(code, 'undefined is not JSON', `${path}[${i}]`);
            visit(item, `${path}[${i}]`, productCode);
          });
        } else {
          // A plain object's prototype is some realm's Object.prototype (an iframe's too), or null.
          const proto = Object.getPrototypeOf(v);
          if (!STANDALONE_WORKER && proto && Object.getPrototypeOf(proto)) fail(code, 'must be a plain object', path);
          for (const [key, item] of Object.entries(v)) {
            const at = path ? `${path}.${key}` : key;
            // Named by the object that holds it: the path must not repeat the card number.
            if (isCardNumber(key)) fail('CARD_DATA', CARD_NUMBER, path);
            // Allowed by its path, a field named like card data is the shop's own (a gift card's `cardNumber`, a tax `pan`).
            if (isCardField(key, item) && !isAllowed(at)) fail('CARD_DATA', CARD_FIELD, at);
            // Undefined properties are dropped by JSON, as every shop expects.
            if (item !== undefined) visit(item, at, isProductCodeField(key));
          }
        }
        if (!STANDALONE_WORKER) seen.delete(v);
        return;
      }
      default:
        if (!STANDALONE_WORKER) fail(code, `${typeof v} is not JSON`, path);
    }
  };
  visit(value, '');
  if (STANDALONE_WORKER) return '';
  const body = JSON.stringify(value);
  // Check exactly what is stored and sent: a getter or a proxy may answer differently the second time.
  visit(JSON.parse(body), '');
  return body;
}
