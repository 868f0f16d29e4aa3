import { useCallback, useEffect, useState } from 'react';
import type { OrderResult, OutboxEntry, OutboxStatus, PlaceOrderOptions, SteadyCart } from '../types';
import { useOutboxSnapshot } from './outbox';

/** What {@link usePlaceOrder} returns. */
export interface PlaceOrderState {
  /**
   * `placeOrder`, once the instance is ready. Rejects only for bad input
   * (`INVALID_ORDER`, `CARD_DATA`...), as `placeOrder` does, and keeps that
   * error in `error`.
   */
  placeOrder: SteadyCart['placeOrder'];
  /** The order followed: the one this hook placed last, else the `id` it was given. */
  id: string | undefined;
  /**
   * The order's status now, live in every tab: `sending` while this hook's
   * call is under way, then the outbox entry's status (`pending` until
   * `confirmed`...). `undefined` before an order, while the outbox is
   * being read, and once the order's entry has left the outbox (discarded,
   * or forgotten a day after it ended).
   */
  status: OutboxStatus | undefined;
  /** The order's outbox entry, with the server's `result` once settled. */
  entry: OutboxEntry | undefined;
  /** What this hook's `placeOrder` resolved with (not across reloads: use `entry`). */
  result: OrderResult | undefined;
  /** What `placeOrder` rejected with, or why the instance could not be created. */
  error: unknown;
  /** True while this hook's `placeOrder` call is under way. */
  placing: boolean;
  /**
   * True until the instance is ready and the outbox read: the status of an
   * order placed before a reload is not known yet. Keep Pay disabled while
   * it is: a click then could place the same cart a second time.
   */
  loading: boolean;
}

/** One call of the hook's `placeOrder`, for the `id` the hook had then. */
interface Placed {
  given: string | undefined;
  placing: boolean;
  result?: OrderResult;
  error?: unknown;
}

/**
 * Places an order and follows its status live, also after a reload: give
 * it the order's id (kept in the URL or `sessionStorage`) and it shows that
 * order's status from the outbox. Never show `pending` as confirmed.
 *
 * @example
 * ```tsx
 * // The id of an order placed before a reload, kept in the URL: read once mounted, so a server render matches.
 * const [orderId, setOrderId] = useState<string>();
 * useEffect(() => setOrderId(new URLSearchParams(location.search).get('order') ?? undefined), []);
 * const { placeOrder, status, placing, loading } = usePlaceOrder(orderId);
 * // orderStatusText comes from 'steadycart': a pending order is saved on this device, not confirmed yet. A
 * // followed order may also be sending (the page-load replay), failed or expired (maybe charged): no second Pay
 * // for any but a refused one (needs-payment: useOutbox().resubmit).
 * if (status && status != 'rejected') return <p>{orderStatusText[status]}</p>;
 * const pay = () =>
 *   placeOrder(order).then((r) => {
 *     history.replaceState(null, '', `?order=${r.id}`);
 *     setOrderId(r.id);
 *   });
 * // Disabled while the status is not known yet, and while a call is under way: a click would place a second order.
 * return <button disabled={loading || placing} onClick={pay}>Pay</button>;
 * ```
 */
export function usePlaceOrder(id?: string): PlaceOrderState {
  const { store, snapshot, loading, error: instanceError } = useOutboxSnapshot('usePlaceOrder');
  const [placed, setPlaced] = useState<Placed | undefined>();
  // A call made for another `id` than the one given now is not this order's; the id of the order it
  // placed is (a page keeps it, in its URL say, and gives it back).
  const own = placed && (placed.given === id || (id !== undefined && placed.result?.id === id)) ? placed : undefined;
  const orderId = own?.result?.id ?? id;
  const entry = orderId === undefined ? undefined : snapshot.entries.find((e) => e.id === orderId);
  // The order whose entry the outbox has listed. Once listed, the entry is the truth: gone (discarded, or
  // forgotten a day after it ended), the order has no status, not the call's old `pending`, which would
  // say it will be placed. Until then (the outbox is read after the call stored it, or never: `outbox: false`)
  // the call's result is all there is.
  const [listed, setListed] = useState<string>();
  useEffect(() => {
    if (entry) setListed(entry.id);
  }, [entry]);

  const placeOrder = useCallback(
    async (order: object, options?: PlaceOrderOptions) => {
      const call: Placed = { given: id, placing: true };
      setPlaced(call);
      try {
        const result = await (await store.ready()).placeOrder(order, options);
        setPlaced((now) => (now === call ? { given: id, placing: false, result } : now));
        return result;
      } catch (error) {
        setPlaced((now) => (now === call ? { given: id, placing: false, error } : now));
        throw error;
      }
    },
    [store, id],
  ) as SteadyCart['placeOrder'];

  let status: OutboxStatus | undefined;
  if (own?.placing) status = 'sending';
  else if (entry) status = entry.status;
  else if (own?.result && listed !== orderId) status = own.result.status;
  return {
    placeOrder,
    id: orderId,
    status,
    entry,
    result: own?.result,
    error: own?.error ?? instanceError,
    placing: !!own?.placing,
    loading,
  };
}
