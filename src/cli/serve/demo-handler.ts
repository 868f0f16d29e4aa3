/**
 * The demo payment handler behind `serve`: takes `--handler-delay-ms`, asks
 * the demo PSP to pay with the order's `payment.token`, records the
 * execution in the ledger, and answers as the demo shop expects:
 * 201 `{ orderId, key, status: 'confirmed', endpoint }` (endpoint: the region) or
 * 402 `{ error: 'card_declined', key }`.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HandlerContext, HandlerResult } from '../../server/options';
import type { CrashPoint } from './crash';
import type { Ledger } from './ledger';
import type { DemoPsp } from './psp';

export interface DemoHandlerOptions {
  psp: DemoPsp;
  ledger: Ledger;
  region: string;
  delayMs: number;
  crash: (point: CrashPoint) => void;
}

/**
 * The order id for a key: the same on every attempt and in every region, as a
 * real order row keyed on it would be. Digits only (`ord_` and up to 16
 * digits), the form the demo shop shows and its tests expect.
 */
export const orderIdOf = (key: string): string => `ord_${BigInt(`0x${createHash('sha256').update(key).digest('hex').slice(0, 13)}`)}`;

/** The payment token of a demo-shop order, `{ …, payment: { token } }`. */
function tokenOf(order: unknown): unknown {
  const payment = (order as { payment?: unknown } | null)?.payment;
  return (payment as { token?: unknown } | null | undefined)?.token;
}

/** The merchant handler of `serve`. */
export function demoHandler(o: DemoHandlerOptions) {
  return async (order: unknown, { key, attempt, signal }: HandlerContext): Promise<HandlerResult> => {
    o.crash('reserved');
    // Aborts (throws) if this run loses its lease meanwhile: it must not pay then.
    if (o.delayMs > 0) await sleep(o.delayMs, undefined, { signal });
    signal.throwIfAborted();
    const verdict = await o.psp.pay(key, tokenOf(order));
    await o.ledger.append({ key, attempt, region: o.region, charged: verdict.kind === 'charged' });
    o.crash('charged');
    if (verdict.kind === 'declined') return { status: 402, body: { error: 'card_declined', key } };
    return { status: 201, body: { orderId: orderIdOf(key), key, status: 'confirmed', endpoint: o.region } };
  };
}
