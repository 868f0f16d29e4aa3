/** The storefront: the catalogue, the cart drawer, waiting orders, the lab. */
import { startCartBadge, startCartDrawer } from './cart-drawer.js';
import { PRODUCTS, cartItem, imageUrl } from './catalogue.js';
import { h, announce } from './dom.js';
import { startLab } from './lab.js';
import { money } from './money.js';
import { startOrderBanner } from './orders.js';
import { sc } from './sdk.js';

function productView(p) {
  const titleId = `p-${p.sku}`;
  const add = h('button', { type: 'button', class: 'btn btn-primary', 'aria-describedby': titleId }, 'Add to cart');
  let busy = false;
  add.addEventListener('click', async () => {
    // Not `disabled`: a disabled button drops keyboard focus, and the shopper's place with it.
    if (busy) return;
    busy = true;
    try {
      const cart = await sc.cart.add(cartItem(p));
      announce(`Added ${p.name} to your cart. ${cart.count} ${cart.count == 1 ? 'item' : 'items'} in the cart.`);
      add.textContent = 'Added ✓';
      add.classList.add('added');
      setTimeout(() => {
        add.textContent = 'Add to cart';
        add.classList.remove('added');
      }, 1400);
    } catch (err) {
      announce(`Sorry, ${p.name} could not be added: ${err.message}`);
    } finally {
      busy = false;
    }
  });
  return h(
    'li',
    { class: 'product', dataset: { sku: p.sku } },
    h('div', { class: 'product-media' }, h('img', { src: imageUrl(p.image), alt: p.alt, width: 400, height: 300, loading: 'lazy' }), p.tag ? h('span', { class: 'tag' }, p.tag) : null),
    h(
      'div',
      { class: 'product-body' },
      h('h3', { id: titleId }, p.name),
      h('p', { class: 'product-desc' }, p.desc),
      h('div', { class: 'product-foot' }, h('span', { class: 'price' }, money(p.price)), add),
    ),
  );
}

document.getElementById('products').append(...PRODUCTS.map(productView));
startCartBadge();
startCartDrawer();
startOrderBanner();
startLab();

/**
 * The offline shell keeps what a tab has loaded, and a shopper who goes
 * offline here has not loaded the checkout yet, nor the product images below
 * the fold (they load lazily): ask the worker to keep them too (everything
 * else the checkout loads, this page loaded already), so that the shop shows
 * whole and an order can still be placed offline (docs/service-worker.md,
 * CACHE_URLS). On every visit, so that the kept copy stays that of the current shop.
 */
const KEEP_OFFLINE = ['/checkout', '/assets/js/checkout-page.js', ...PRODUCTS.map((p) => imageUrl(p.image))];
navigator.serviceWorker?.ready.then((reg) => reg.active?.postMessage({ type: 'CACHE_URLS', payload: { urlsToCache: KEEP_OFFLINE } }));
