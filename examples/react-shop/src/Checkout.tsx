import { useState } from 'react';
import type { OutboxStatus } from 'steadycart';
import { useCart, usePlaceOrder } from 'steadycart/react';

/** What to tell the shopper in each state: never "confirmed" for an order that only waits. */
const SAY: Record<OutboxStatus, string> = {
  sending: 'Placing your order…',
  pending: 'We have received your order and will confirm it as soon as the store is reachable.',
  confirmed: 'Thank you, your order is confirmed.',
  rejected: 'The store refused this order.',
  'needs-payment': 'Please enter your payment details again.',
  expired: 'We could not place this order.',
  failed: 'We could not place this order.',
};

/** The order of this checkout, kept in the URL so that a reload still follows it. */
const orderInUrl = () => new URLSearchParams(location.search).get('order') ?? undefined;

export function Checkout() {
  const { cart, clear } = useCart();
  const [followed, setFollowed] = useState(orderInUrl);
  const { placeOrder, status, placing, entry, error } = usePlaceOrder(followed);

  const pay = async () => {
    const result = await placeOrder(
      { items: cart.items.map(({ sku, qty, unitPrice }) => ({ sku, qty, unitPrice })), total: cart.subtotal, payment: { token: `pm_demo_${Date.now()}` } },
      { paymentTokenExpiresAt: Date.now() + 30 * 60_000 },
    );
    history.replaceState(null, '', `?order=${result.id}`);
    setFollowed(result.id);
    // The order is kept by steadycart (confirmed or pending): the cart can go.
    if (result.status == 'confirmed' || result.status == 'pending') await clear();
  };

  return (
    <section aria-label="Checkout">
      <button disabled={placing || cart.count == 0} onClick={() => pay().catch(() => {})}>
        Pay {cart.count ? `for ${cart.count} item${cart.count > 1 ? 's' : ''}` : ''}
      </button>
      {status && (
        <p role="status" data-test="order-status" data-status={status}>
          {SAY[status]}
          {entry?.result && status == 'confirmed' && <> Order {String((entry.result.body as { orderId?: string } | null)?.orderId ?? '')}</>}
        </p>
      )}
      {error != null && <p role="alert">{(error as Error).message}</p>}
    </section>
  );
}
