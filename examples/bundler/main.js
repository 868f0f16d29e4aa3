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
/** What this page tells of an order: only what is true (a pending order is saved, not received; a refused one was not placed). */
const tell = ({ status, result }) => say(status == 'confirmed' ? `Confirmed: order ${result?.body?.orderId}.` : orderStatusText[status]);
/** The order this page shows, kept up to date as a replay settles it. */
let shown;

$('place').addEventListener('click', async () => {
  const cart = await sc.cart.get();
  $('place').disabled = true;
  say('Placing the order…');
  const r = await sc.placeOrder(
    { items: cart.items.map(({ sku, qty, unitPrice }) => ({ sku, qty, unitPrice })), total: cart.subtotal, payment: { token: `tok_demo_${crypto.randomUUID()}` } },
    { paymentTokenExpiresAt: Date.now() + 15 * 60_000 },
  );
  shown = r.id;
  if (r.status == 'confirmed' || r.status == 'pending') await sc.cart.clear();
  tell(r);
});

// A pending order is replayed later (the store back, the tab shown again): this page says how it ended.
sc.on('order:*', (e) => e.id == shown && e.status != 'sending' && tell(e));
