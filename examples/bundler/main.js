// The same SDK through a bundler: `import ... from 'steadycart'` resolves
// through the package's "exports" (dist/steadycart.mjs) and esbuild bundles
// its dependencies. See examples/demo-shop/lib/bundler.mjs for the build.
import { createSteadyCart, orderStatusText } from 'steadycart';

const config = JSON.parse(document.querySelector('meta[name="demo-config"]').content);
const $ = (id) => document.getElementById(id);

const sc = await createSteadyCart({
  endpoints: config.endpoints.map(({ url, domain }) => ({ url, domain })),
  namespace: 'bundler-example', // its own cart, separate from the shop's
});

sc.cart.subscribe((cart) => {
  $('count').textContent = `${cart.count} in the cart · $${(cart.subtotal / 100).toFixed(2)}`;
  $('place').disabled = cart.count == 0;
});

$('add').addEventListener('click', () =>
  sc.cart.add({ sku: 'mug-oat', name: 'Stoneware Mug', unitPrice: 2400, currency: 'USD' }),
);

const say = (text) => ($('status').textContent = text);

$('place').addEventListener('click', async () => {
  const cart = await sc.cart.get();
  $('place').disabled = true;
  say('Placing the order…');
  const r = await sc.placeOrder(
    { items: cart.items.map(({ sku, qty, unitPrice }) => ({ sku, qty, unitPrice })), total: cart.subtotal, payment: { token: `tok_demo_${crypto.randomUUID()}` } },
    { paymentTokenExpiresAt: Date.now() + 15 * 60_000 },
  );
  if (r.status == 'confirmed' || r.status == 'pending') await sc.cart.clear();
  say(
    r.status == 'confirmed' ? `Confirmed: order ${r.result.body.orderId}.`
    : r.status == 'pending' ? 'Received, not confirmed yet: it will be sent when the store is reachable.'
    : r.status == 'rejected' ? `Refused by the store (HTTP ${r.result.status}); nothing was charged.`
    : orderStatusText[r.status], // failed or needs-payment: only what is true (a failed order may have been charged)
  );
});

sc.on('order:confirmed', (e) => say(`Confirmed: order ${e.result?.body?.orderId ?? e.id}.`));
