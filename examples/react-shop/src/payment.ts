/**
 * The shop's stand-in for a payment provider: a token for the order, and when it dies. A real shop gets
 * both from its provider (see the root README, "When the shopper must pay again").
 */

/**
 * How long a token lives: 30 minutes, or the milliseconds in `localStorage['react-shop:token-lifetime-ms']`
 * to try the needs-payment path (a token dead before the store is back) without waiting half an hour.
 */
function lifetimeMs(): number {
  const set = Number(localStorage.getItem('react-shop:token-lifetime-ms'));
  return set > 0 ? set : 30 * 60_000;
}

/** A new demo token and its expiry, as `placeOrder` and `resubmit` take them. */
export function demoPayment() {
  return { payment: { token: `pm_demo_${Date.now()}` }, paymentTokenExpiresAt: Date.now() + lifetimeMs() };
}
