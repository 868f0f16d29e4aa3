/** What every check of one `check` run shares. */
import { randomUUID } from 'node:crypto';
import type { Exchange, Prober } from './http';
import type { OrderSource } from './order';
import type { Target } from './target';

export interface CheckContext {
  prober: Prober;
  /** The URL under test. */
  primary: Target;
  /** `--region` URLs: the same idempotency domain as `primary`. */
  regions: Target[];
  orders: OrderSource;
}

/** A fresh random key per logical order, as the SDK mints them. */
export const freshKey = (): string => randomUUID();

/** POSTs an order body with a key (omitted when null), as the SDK sends it. */
export function postOrder(ctx: CheckContext, target: Target, label: string, key: string | null, body: string, attempt = 1): Promise<Exchange> {
  return ctx.prober.send({
    label,
    method: 'POST',
    url: target.checkout,
    headers: {
      'Content-Type': 'application/json',
      ...(key === null ? {} : { 'Idempotency-Key': key }),
      'Steadycart-Attempt': String(attempt),
    },
    body,
  });
}

/** Looks a key up. */
export const lookup = (ctx: CheckContext, target: Target, label: string, key: string): Promise<Exchange> =>
  ctx.prober.send({ label, method: 'GET', url: target.lookup(key) });
