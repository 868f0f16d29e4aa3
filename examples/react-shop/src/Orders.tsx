import { useRef, useState } from 'react';
import type { OutboxEntry, OutboxStatus } from 'steadycart';
import { useCart, useOutbox, useSteadyCart } from 'steadycart/react';
import { orderLines } from './order-lines';
import { demoPayment } from './payment';
import { PRODUCTS } from './products';

/**
 * Ended, and steadycart says it was not placed: its lines may go back in the cart. Not `failed` nor
 * `expired`: an attempt in doubt may have reached the store, and a second order could charge twice.
 */
const UNPLACED = ['rejected', 'needs-payment'];

/** Each state in the shopper's words: never "confirmed" for an order that only waits. */
const STATE_WORDS: Record<OutboxStatus, string> = {
  sending: 'being placed',
  pending: 'waiting for the store, not confirmed yet',
  confirmed: 'confirmed',
  rejected: 'not placed, nothing charged',
  'needs-payment': 'payment needed, nothing charged',
  failed: 'not confirmed',
  expired: 'no longer tried, not confirmed',
};

/** The state of `entry` in words: a refusal for a declined card says so. */
function stateWords(entry: Pick<OutboxEntry, 'status' | 'result'>): string {
  const declined = entry.status == 'rejected' && (entry.result?.status == 402 || (entry.result?.body as { error?: unknown } | null)?.error == 'card_declined');
  return declined ? 'card declined, not placed, nothing charged' : STATE_WORDS[entry.status];
}

/** Orders placed from this browser in the last day, live in every tab. */
export function Orders() {
  const { entries, loading, retry, resubmit, discard } = useOutbox();
  const { cart, add } = useCart();
  const { sc } = useSteadyCart();
  /** What happened to the last "Pay again" or "Put the items back", said beside the list. */
  const [said, say] = useState('');
  const headingRef = useRef<HTMLHeadingElement>(null);
  // Kept while it says what the last action did, even once the list is empty (the order given up): the focus is there.
  if (loading || (entries.length == 0 && !said)) return null;

  // Each action's button goes as the order changes (Try again, Pay again, Put the items back): the keyboard focus
  // goes to the list's heading, not to the page; what happened is announced by the status below the list (not
  // focused itself: a focused live region that changes is read out twice).
  const focusSaid = () => headingRef.current?.focus();

  const tryAgain = (entry: OutboxEntry, time: string) => {
    focusSaid();
    say(`Trying again to place the order of ${time}.`);
    retry(entry.id).then(
      (now) => say(`The order of ${time}: ${stateWords(now)}.`),
      (error) => say(`The order of ${time} could not be tried again: ${(error as Error).message}`),
    );
  };

  // A needs-payment order's token expired before it could be placed (nothing was charged): a new token, the
  // same order, under a new key. Paid again once at most, in any tab (`replacedBy`).
  const payAgain = async (entry: OutboxEntry) => {
    focusSaid();
    try {
      const result = await resubmit(entry.id, demoPayment());
      say(`Paid again. The new order: ${stateWords({ status: result.status, result: result.result })}.`);
    } catch (error) {
      say(`The payment could not be made again: ${(error as Error).message}`);
    }
  };

  /**
   * Whether the cart lacks some of the order's lines (or units of them): a refused order's "Put the items back" is
   * offered only then. One in needs-payment keeps it: it also gives the order up, so that it cannot be paid for too.
   */
  const lacks = (entry: OutboxEntry) => orderLines(entry).some((line) => (cart.items.find((i) => i.sku == line.sku)?.qty ?? 0) < line.qty);

  // Each line up to the quantity ordered: a line the cart still holds is not added twice. Under one lock across
  // tabs, with the cart as stored (not as rendered): two clicks, or the button in two tabs, would both read it
  // before either added, and double the lines. An order in `needs-payment` is then discarded: its goods go in
  // the next order, and Pay again would charge for them twice.
  const putBack = async (entry: OutboxEntry) => {
    if (!sc) return;
    focusSaid();
    const added = await navigator.locks.request('react-shop:put-back', async () => {
      const { items } = await sc.cart.get();
      let count = 0;
      for (const line of orderLines(entry)) {
        const product = PRODUCTS.find((p) => p.sku == line.sku);
        const missing = line.qty - (items.find((i) => i.sku == line.sku)?.qty ?? 0);
        if (product && missing > 0) count += await add({ ...product, qty: missing }).then(() => missing, () => 0);
      }
      return count;
    });
    // Nothing was charged for it, and it is never sent again (discard refuses an order in flight; this one is not).
    if (entry.status == 'needs-payment') await discard(entry.id).catch(() => false);
    say(added ? 'The items are back in your cart.' : 'The items are in your cart already.');
  };

  return (
    <section aria-label="Your orders">
      <h2 tabIndex={-1} ref={headingRef}>
        Your orders
      </h2>
      <ul>
        {entries.map((entry) => {
          const time = new Date(entry.createdAt).toLocaleTimeString();
          return (
            <li key={entry.id} data-status={entry.status}>
              {time} · {stateWords(entry)}
              {entry.replacedBy && ' · paid again'}
              {entry.status == 'pending' && (
                <>
                  {' '}
                  <button aria-label={`Try again to place the order of ${time}`} onClick={() => tryAgain(entry, time)}>
                    Try again
                  </button>
                </>
              )}
              {entry.status == 'needs-payment' && !entry.replacedBy && (
                <>
                  {' '}
                  <button aria-label={`Pay again for the order of ${time}`} onClick={() => void payAgain(entry)}>
                    Pay again
                  </button>
                </>
              )}
              {UNPLACED.includes(entry.status) && !entry.replacedBy && (entry.status == 'needs-payment' || lacks(entry)) && (
                <>
                  {' '}
                  <button aria-label={`Put the items of the order of ${time} back in the cart`} onClick={() => void putBack(entry)}>
                    Put the items back
                  </button>
                </>
              )}
            </li>
          );
        })}
      </ul>
      <p role="status" className="orders-said">
        {said}
      </p>
    </section>
  );
}
