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

/** How recent a saved order must be to be taken for the cart's own (see `ownOrder`). */
const RECENT_MS = 10 * 60_000;
const linesOf = (items) => items.map(({ sku, qty }) => `${sku}×${qty}`).sort().join(' ');
/**
 * The order placed for this very cart that this page did not see through: a reload while it
 * was being sent, or another tab paying for the shared cart. It is the newest order still
 * `sending` or `pending`, saved in the last few minutes, with exactly the cart's lines.
 * Placing the cart again would charge twice: the page follows that order instead.
 */
const ownOrder = (entries, cart) =>
  cart.count == 0
    ? undefined
    : entries.findLast((e) => (e.status == 'sending' || e.status == 'pending') && Date.now() - e.createdAt < RECENT_MS && linesOf(e.order?.items ?? []) == linesOf(cart.items));

/** One checkout at a time across tabs, which share the cart; where Web Locks are missing, no lock. */
const checkoutLock = (options, fn) => (navigator.locks ? navigator.locks.request('bundler:checkout', options, fn) : fn(true));

const say = (text) => ($('status').textContent = text);
/** What this page tells of an order: only what is true (a pending order is saved, not received; a refused one was not placed). */
const tell = ({ status, result }) => say(status == 'confirmed' ? `Confirmed: order ${result?.body?.orderId}.` : orderStatusText[status]);
/** The order this page shows, kept up to date as a replay settles it. */
let shown;
/** The order the cart is emptied for once it is kept (pending or confirmed); then the one it was emptied for. */
let emptyWhenKept, emptiedFor;
/** From a click until its order is placed (or not): set before anything is awaited, so that a double click places one order. */
let placing = false;

const follow = (entry) => {
  shown = emptyWhenKept = entry.id;
  tell(entry);
};
/**
 * Empties the cart for a kept order. Clearing can be repeated, so every tab that follows the order
 * may do it; a line added meanwhile goes too. The demo shop takes out only the order's lines, once
 * per order in every tab (`sc.cart.removeOrdered`, in examples/demo-shop/public/js/checkout-page.js).
 */
const empty = (id) => {
  emptyWhenKept = undefined;
  emptiedFor = id;
  return sc.cart.clear();
};

function render() {
  const cart = sc.cart.snapshot();
  const { entries, loaded } = sc.outbox.snapshot();
  $('count').textContent = `${cart.count} in the cart · $${(cart.subtotal / 100).toFixed(2)}`;
  // An order of this cart that this page did not place (before a reload, or in another tab): follow it.
  const own = loaded && !placing ? ownOrder(entries, cart) : undefined;
  if (own && own.id != shown) follow(own);
  // Kept by steadycart: the cart can go, as after this page's own order.
  const kept = entries.find((e) => e.id == emptyWhenKept && (e.status == 'pending' || e.status == 'confirmed'));
  if (kept) empty(kept.id);
  $('place').disabled = placing || !loaded || !!own || cart.count == 0;
}
sc.cart.subscribe(render);
sc.outbox.subscribe(render);

$('add').addEventListener('click', () =>
  sc.cart.add({ sku: 'mug-oat', name: 'Stoneware Mug', unitPrice: 2400, currency: 'USD' }),
);

$('place').addEventListener('click', async () => {
  if (placing) return;
  placing = true;
  $('place').disabled = true;
  say('Placing the order…');
  try {
    const placed = await checkoutLock({ ifAvailable: true }, async (lock) => lock && (await placeOnce(), true));
    if (!placed) say('This cart is being ordered in another tab, which shows how it went.');
  } finally {
    placing = false;
    render();
  }
});

async function placeOnce() {
  // Another tab may have ordered this cart since this page drew it: read the cart and the orders again.
  const [cart, entries] = await Promise.all([sc.cart.get(), sc.outbox.list()]);
  const own = ownOrder(entries, cart);
  if (own) return follow(own);
  if (cart.count == 0) return say('');
  const r = await sc.placeOrder(
    {
      items: cart.items.map(({ sku, name, qty, unitPrice }) => ({ sku, name, qty, unitPrice })),
      currency: cart.currency,
      total: cart.subtotal,
      payment: { token: `tok_demo_${crypto.randomUUID()}` },
    },
    { paymentTokenExpiresAt: Date.now() + 15 * 60_000 },
  );
  shown = r.id;
  if (r.status == 'confirmed' || r.status == 'pending') await empty(r.id);
  tell(r);
}

/**
 * An order refused after its cart was emptied (pending, then refused on replay): its lines go
 * back in the cart, each up to the quantity ordered (units added since are not added twice),
 * once across tabs.
 */
async function putBack({ id, status }) {
  emptiedFor = undefined;
  const order = (await sc.outbox.list()).find((e) => e.id == id)?.order;
  await checkoutLock({}, async () => {
    const cart = await sc.cart.get();
    for (const { sku, name, qty, unitPrice } of order?.items ?? []) {
      const inCart = cart.items.find((line) => line.sku == sku)?.qty ?? 0;
      if (inCart < qty) await sc.cart.add({ sku, name, qty: qty - inCart, unitPrice, currency: order.currency });
    }
  });
  say(`${orderStatusText[status]} Its items are back in the cart.`);
}

// A pending order is replayed later (the store back, the tab shown again): this page says how it ended.
sc.on('order:*', (e) => {
  if (e.id != shown || e.status == 'sending') return;
  tell(e);
  if (e.id == emptiedFor && (e.status == 'rejected' || e.status == 'needs-payment')) putBack(e);
});
