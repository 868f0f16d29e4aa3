import { useState } from 'react';
// steadycart's words for each state: never "confirmed" for an order that only waits.
import { orderStatusText } from 'steadycart';
import { useCart, usePlaceOrder } from 'steadycart/react';

/** The order of this checkout, kept in the URL so that a reload still follows it. */
const orderInUrl = () => new URLSearchParams(location.search).get('order') ?? undefined;

export function Checkout() {
  const { cart, clear } = useCart();
  const [followed, setFollowed] = useState(orderInUrl);
  const { placeOrder, status, placing, entry, error } = usePlaceOrder(followed);
  // From the click until the cart is cleared: `placing` ends as the order settles, while the
  // cart still holds its lines for a moment, and a click then would place them again.
  const [paying, setPaying] = useState(false);

  const pay = async () => {
    setPaying(true);
    try {
      await payOnce();
    } finally {
      setPaying(false);
    }
  };

  const payOnce = async () => {
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
      <button disabled={paying || placing || cart.count == 0} onClick={() => pay().catch(() => {})}>
        Pay {cart.count ? `for ${cart.count} item${cart.count > 1 ? 's' : ''}` : ''}
      </button>
      {status && (
        <p role="status" data-test="order-status" data-status={status}>
          {orderStatusText[status]}
          {entry?.result && status == 'confirmed' && <> Order {String((entry.result.body as { orderId?: string } | null)?.orderId ?? '')}</>}
        </p>
      )}
      {error != null && <p role="alert">{(error as Error).message}</p>}
    </section>
  );
}
