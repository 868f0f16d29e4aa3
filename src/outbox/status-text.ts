import type { OutboxStatus } from '../types';

/**
 * What to tell the shopper about an order in each state, in plain English,
 * and only what is true: a `pending` order is saved, never "received" by the
 * store nor "confirmed";
 * `needs-payment` says nothing was charged because no backend processed the
 * order; `expired` and `failed` do not claim the order was never charged,
 * since an uncertain attempt may have reached the store. Use the strings as
 * they are, or as the reference for your own translations.
 *
 * An entry with `replacedBy` was paid again (`outbox.resubmit`): tell the
 * shopper about the order it names rather than this one.
 *
 * @example
 * ```ts
 * import { orderStatusText } from 'steadycart';
 *
 * const result = await sc.placeOrder(order);
 * message.textContent = orderStatusText[result.status];
 * sc.on('order:*', ({ id, status }) => id == result.id && (message.textContent = orderStatusText[status]));
 * ```
 */
export const orderStatusText: Readonly<Record<OutboxStatus, string>> = {
  sending: 'Placing your order…',
  pending: 'Your order is saved on this device and will be placed as soon as the store is reachable. It is not confirmed yet.',
  confirmed: 'Thank you, your order is confirmed.',
  rejected: 'The store could not accept this order, so it was not placed.',
  'needs-payment': 'Your payment authorisation ran out before the order could be sent, so it was not placed and nothing was charged. Please pay again.',
  expired: 'We could not reach the store in time and have stopped trying to place this order. If a charge for it appears, please contact the store.',
  failed: 'We could not confirm your order.',
};
