/**
 * The order `check` sends: the merchant's own (`--order FILE`, a valid order
 * for that backend) or a demo-shop order paid with `tok_ok`. Every logical
 * order gets its own serialisation, sent byte-identical on every attempt.
 */
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { CliError } from '../errors';

/** An order body as JSON text, with a changed variant for the 422 checks. */
export interface OrderBodies {
  /** The body sent for a key, every time. */
  body: string;
  /** Another body for the same key: must answer 422. */
  changed: string;
}

/** Makes the bodies of one logical order. */
export type OrderSource = () => OrderBodies;

/** A demo-shop order (examples/demo-shop/public/js/checkout-page.js), paid with a charging token. */
export function demoOrder(): Record<string, unknown> {
  return {
    orderRef: `chk_${randomBytes(9).toString('base64url')}`,
    items: [{ sku: 'steadycart-check', name: 'Conformance check item', qty: 1, unitPrice: 100 }],
    currency: 'USD',
    subtotal: 100,
    shipping: 0,
    total: 100,
    customer: { name: 'Steadycart Check', email: 'check@example.com' },
    shipTo: { line1: '1 Test Street', line2: '', city: 'Testville', postalCode: '00000', country: 'US' },
    payment: { method: 'demo_pay', token: 'tok_ok' },
    placedAt: new Date().toISOString(),
  };
}

/** The same order with one field added: another fingerprint for the same key. */
function changedOf(order: unknown): string {
  if (order !== null && typeof order === 'object' && !Array.isArray(order)) {
    return JSON.stringify({ ...order, steadycartCheck: 'changed body' });
  }
  return JSON.stringify({ order, steadycartCheck: 'changed body' });
}

/**
 * The order source for a run: `--order FILE` (the file's order for every
 * key) or a fresh demo order per key.
 */
export async function orderSource(file: string | undefined): Promise<OrderSource> {
  if (file === undefined) {
    return () => {
      const order = demoOrder();
      return { body: JSON.stringify(order), changed: changedOf(order) };
    };
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError('ORDER_FILE', `--order ${file}: ${(err as Error).message}`);
  }
  let order: unknown;
  try {
    order = JSON.parse(text);
  } catch (err) {
    throw new CliError('ORDER_FILE', `--order ${file} is not JSON: ${(err as Error).message}`);
  }
  const bodies = { body: JSON.stringify(order), changed: changedOf(order) };
  return () => bodies;
}
