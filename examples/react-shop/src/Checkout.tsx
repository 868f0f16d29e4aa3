import { useEffect, useRef, useState } from 'react';
// steadycart's words for each state: never "confirmed" for an order that only waits.
import { orderStatusText, type Cart, type OrderedLine, type OutboxEntry, type ServerResult } from 'steadycart';
import { useCart, useOutbox, usePlaceOrder, useSteadyCart, useSteadyCartHealth } from 'steadycart/react';
import { orderLines } from './order-lines';
import { money } from './products';
import { demoPayment } from './payment';

/** The order of this checkout, kept in the URL so that a reload still follows it. */
const orderInUrl = () => new URLSearchParams(location.search).get('order') ?? undefined;

/**
 * One checkout at a time per cart, across tabs: the cart is shared, so two tabs paying
 * for it at once would place it twice. The shop's own lock name, apart from steadycart's.
 */
const CHECKOUT_LOCK = 'react-shop:checkout';

/**
 * `orderStatusText.pending` says the order is saved on this device: not so when this browser cannot keep data
 * (IndexedDB refused: the disk full, storage blocked), where steadycart keeps it in this page only.
 */
const PENDING_IN_PAGE = 'Your order is not confirmed yet. This browser cannot save it, so it is kept in this page only: keep the page open, and it will be placed as soon as the store is reachable.';

/**
 * Why the store refused an order, in the shopper's words: a declined card says so. Either way nothing was charged,
 * and the shopper can try again (its lines are in the cart, or "Put the items back" brings them back).
 */
function refusalText(result: ServerResult | undefined): string {
  const body = result?.body as { error?: unknown } | null | undefined;
  if (result?.status == 402 || body?.error == 'card_declined') return 'Your card issuer declined the payment, so the order was not placed and nothing was charged. You can try again.';
  const reason = typeof body?.error == 'string' ? ` (${body.error.replace(/_/g, ' ')})` : '';
  return `The store could not accept this order${reason}. It was not placed and nothing was charged. You can try again.`;
}

/** How recent a saved order must be to be taken for the cart's own order (see `ownOrder`). */
const RECENT_MS = 10 * 60_000;

const linesKey = (lines: readonly OrderedLine[]) => lines.map(({ sku, qty }) => `${sku}×${qty}`).sort().join(' ');
/** Whether `entry` orders exactly `lines` (skus and quantities, in any order). */
const ordersLines = (entry: OutboxEntry, lines: readonly OrderedLine[]) => linesKey(orderLines(entry)) == linesKey(lines);

/** The newest entry in flight (this tab's, another tab's, or one a reload cut off and steadycart now replays). */
function newestSending(entries: readonly OutboxEntry[]): OutboxEntry | undefined {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i]!.status == 'sending') return entries[i];
  return undefined;
}

/**
 * The order placed for this very cart, when the page did not see it through: a reload (or a
 * closed tab) while it was being placed, or another tab paying for the shared cart. It is the
 * newest order still `sending` or `pending`, saved in the last few minutes, with the cart's
 * lines; or one `confirmed` with the cart's lines and the cart unchanged since it was placed
 * (steadycart placed it while no page of the shop was open). Paying again would charge twice:
 * the page follows that order instead, and takes its lines out of the cart once it is kept
 * (`pending` or `confirmed`), as after its own payment (`removeOrdered`: once per order in
 * every tab), and Pay stays disabled until then.
 * An older waiting order, or one for other lines, never blocks the shop: it stays in "Your
 * orders", where steadycart places it when the store is back. Only while an order is
 * actually `sending` (seconds: one attempt's budget) is Pay disabled, whichever it is.
 */
function ownOrder(entries: readonly OutboxEntry[], cart: Cart): OutboxEntry | undefined {
  if (!cart.items.length) return undefined;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    const waiting = (e.status == 'sending' || e.status == 'pending') && Date.now() - e.createdAt < RECENT_MS;
    const keptWithCartUnchanged = e.status == 'confirmed' && cart.updatedAt <= e.createdAt;
    if ((waiting || keptWithCartUnchanged) && ordersLines(e, cart.items)) return e;
  }
  return undefined;
}

export function Checkout() {
  const { sc } = useSteadyCart();
  const { cart, loading: cartLoading, removeOrdered } = useCart();
  const { entries, loading: outboxLoading } = useOutbox();
  const { health } = useSteadyCartHealth();
  const [followed, setFollowed] = useState(orderInUrl);
  const { placeOrder, status, placing, entry, result, error } = usePlaceOrder(followed);
  // From the click until the order's lines have left the cart: `placing` ends as the order settles, while the
  // cart still holds its lines for a moment, and a click then would place them again.
  const [paying, setPaying] = useState(false);
  // While a followed order's lines leave the cart: until they have, the cart holds them, and Pay would
  // place them again.
  const [taking, setTaking] = useState(false);
  // The same, at once: two clicks in one task both run before React renders `paying`.
  const payingNow = useRef(false);
  /** Why this tab did not pay, when another tab holds the checkout. */
  const [notice, setNotice] = useState('');
  /** The order followed whose lines leave the cart once it is kept (an order this page did not see through). */
  const [takeWhenKept, setTakeWhenKept] = useState<string>();
  const headingRef = useRef<HTMLHeadingElement>(null);

  const follow = (id: string) => {
    history.replaceState(null, '', `?order=${id}`);
    setFollowed(id);
  };

  // An order of this cart being placed, or just saved, that this page did not place: follow it.
  const loaded = !cartLoading && !outboxLoading;
  const adopt = loaded && !paying ? ownOrder(entries, cart) : undefined;
  useEffect(() => {
    if (!adopt || payingNow.current) return;
    // Also when it is followed already (its id in the URL after another reload): its lines still leave the cart.
    setTakeWhenKept(adopt.id);
    if (adopt.id == followed) return;
    setNotice('');
    follow(adopt.id);
  }, [adopt, followed]);
  // Paid again ("Pay again" in Your orders, in this tab or another): the old order is over, and never sent. The
  // checkout follows the order that replaced it, and the URL names that one, so that a reload follows it too.
  const replacedBy = entry?.replacedBy;
  useEffect(() => {
    if (replacedBy && replacedBy != followed) follow(replacedBy);
  }, [replacedBy, followed]);
  // Kept by steadycart: its lines can go, as after this page's own payment.
  useEffect(() => {
    if (entry && entry.id == takeWhenKept && (entry.status == 'pending' || entry.status == 'confirmed')) {
      setTakeWhenKept(undefined);
      setTaking(true);
      removeOrdered(entry.id, orderLines(entry))
        .catch(() => {})
        .finally(() => setTaking(false));
    }
  }, [entry, takeWhenKept, removeOrdered]);

  const inFlight = loaded ? newestSending(entries) : undefined;

  const pay = async () => {
    if (payingNow.current) return;
    payingNow.current = true;
    setPaying(true);
    setNotice('');
    // The button is disabled from here: the keyboard focus goes to the checkout's heading, just above what happens to
    // the order. Not to the status itself: a focused live region that changes is read out twice.
    headingRef.current?.focus();
    try {
      const ran = navigator.locks
        ? await navigator.locks.request(CHECKOUT_LOCK, { ifAvailable: true }, async (lock) => (lock ? (await payOnce(), true) : false))
        : (await payOnce(), true);
      if (!ran) setNotice('This cart is being ordered in another tab. That tab shows how it went.');
    } finally {
      payingNow.current = false;
      setPaying(false);
    }
  };

  const payOnce = async () => {
    if (!sc) return;
    // Another tab may have ordered this cart, or be placing an order, since this page last drew them: read them again.
    const [now, list] = await Promise.all([sc.cart.get(), sc.outbox.list()]);
    // An order of this cart, saved by another tab or before a reload, is this cart's: paying again would charge twice.
    const elsewhere = ownOrder(list, now) ?? newestSending(list);
    if (elsewhere) {
      if (ordersLines(elsewhere, now.items)) setTakeWhenKept(elsewhere.id);
      follow(elsewhere.id);
      return;
    }
    if (!now.items.length) return;
    const { payment, paymentTokenExpiresAt } = demoPayment();
    const result = await placeOrder({ items: now.items.map(({ sku, qty, unitPrice }) => ({ sku, qty, unitPrice })), total: now.subtotal, payment }, { paymentTokenExpiresAt });
    follow(result.id);
    // The order is kept by steadycart (confirmed or pending): its lines can go.
    if (result.status == 'confirmed' || result.status == 'pending') await removeOrdered(result.id, now.items);
  };

  // Why Pay cannot be used now, said beside it (and announced): an order in flight, from any tab.
  const waitReason = inFlight && !paying && inFlight.id != followed ? 'Another order is being placed. You can pay once it has gone through or been saved.' : '';
  const orderId = entry?.result && status == 'confirmed' ? String((entry.result.body as { orderId?: string } | null)?.orderId ?? '') : '';
  const statusText =
    status == 'pending' && health?.storage == 'memory' ? PENDING_IN_PAGE
    : status == 'rejected' ? refusalText(entry?.result ?? result?.result)
    : status && orderStatusText[status];
  const message = [notice, statusText ? statusText + (orderId ? ` Order ${orderId}` : '') : '', waitReason].filter(Boolean).join(' ');

  return (
    <section aria-label="Checkout">
      <h2 tabIndex={-1} ref={headingRef}>
        Checkout
      </h2>
      <button disabled={paying || taking || placing || !!inFlight || !!adopt || !loaded || cart.count == 0} aria-describedby="order-status" onClick={() => pay().catch(() => {})}>
        {/* The amount in the name too: what the click charges. */}
        Pay {cart.count ? `for ${cart.count} item${cart.count > 1 ? 's' : ''} · ${money(cart.subtotal)}` : ''}
      </button>
      {/* Always there, so that a screen reader announces each message as it appears. */}
      <p role="status" id="order-status" data-test="order-status" data-status={status ?? (notice ? 'ordering-elsewhere' : '')} className="order-status">
        {message}
      </p>
      {error != null && <p role="alert">{(error as Error).message}</p>}
    </section>
  );
}
