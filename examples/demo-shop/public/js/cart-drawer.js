/**
 * The header's cart button and the cart drawer. Everything reads from
 * `sc.cart.subscribe`, so a change made in another tab shows here at once.
 */
import { imageUrl } from './catalogue.js';
import { h, icon, ICONS, replace, announce } from './dom.js';
import { money, shippingFor, FREE_SHIPPING_FROM } from './money.js';
import { savedOnDevice, sc } from './sdk.js';

/** Keeps every cart badge of the page in step with the cart. */
export function startCartBadge() {
  sc.cart.subscribe((cart) => {
    for (const badge of document.querySelectorAll('[data-cart-count]')) {
      badge.textContent = String(cart.count);
      badge.dataset.count = String(cart.count);
    }
    for (const button of document.querySelectorAll('[data-cart-open]')) {
      button.setAttribute('aria-label', `Cart, ${cart.count} ${cart.count == 1 ? 'item' : 'items'}`);
    }
  });
}

/** Runs a cart change, telling the shopper if it could not be saved. */
async function change(action, done) {
  try {
    const cart = await action();
    if (done) announce(typeof done == 'function' ? done(cart) : done);
  } catch (err) {
    announce(`Sorry, the cart could not be updated: ${err.message}`);
  }
}

/** What a change to one line is announced as: its quantity now, or that it is gone. */
function said(cart, item) {
  const qty = cart.items.find((i) => i.sku == item.sku)?.qty;
  return qty ? `${item.name}: ${qty}` : `Removed ${item.name}`;
}

function lineView(item) {
  const image = item.meta && typeof item.meta == 'object' ? item.meta.image : null;
  const label = item.name;
  return h(
    'li',
    { class: 'line', dataset: { sku: item.sku } },
    image ? h('img', { src: imageUrl(image), alt: '', width: 64, height: 48 }) : h('span'),
    h(
      'div',
      {},
      h('p', { class: 'line-name' }, item.name),
      h('p', { class: 'line-price' }, `${money(item.unitPrice, item.currency)} each`),
      h(
        'div',
        { class: 'line-actions' },
      h(
        'div',
        { class: 'qty', role: 'group', 'aria-label': `Quantity of ${label}` },
        h(
          'button',
          {
            type: 'button',
            'aria-label': `One fewer ${label}`,
            dataset: { action: 'fewer' },
            // One unit off the line as stored, not as drawn: a unit another tab just added stays.
            onclick: () => change(() => sc.cart.remove(item.sku, 1), (cart) => said(cart, item)),
          },
          icon(ICONS.minus, 'icon'),
        ),
        h('output', { 'aria-live': 'off' }, String(item.qty)),
        h(
          'button',
          { type: 'button', 'aria-label': `One more ${label}`, dataset: { action: 'more' }, disabled: item.qty >= 99, onclick: () => change(() => sc.cart.add({ ...item, qty: 1 }), (cart) => said(cart, item)) },
          icon(ICONS.plus, 'icon'),
        ),
      ),
      h('button', { type: 'button', class: 'remove', dataset: { action: 'remove' }, onclick: () => change(() => sc.cart.remove(item.sku), `Removed ${label}`) }, 'Remove', h('span', { class: 'visually-hidden' }, ` ${label}`)),
      ),
    ),
    h('p', { class: 'line-total' }, money(item.unitPrice * item.qty, item.currency)),
  );
}

/** Totals block shared by the drawer and the checkout summary. */
export function totalsView(cart) {
  const currency = cart.currency || 'USD';
  const shipping = shippingFor(cart.subtotal);
  return h(
    'div',
    { class: 'totals' },
    h('div', {}, h('span', {}, 'Subtotal'), h('span', {}, money(cart.subtotal, currency))),
    h('div', {}, h('span', {}, 'Shipping'), h('span', {}, shipping ? money(shipping, currency) : 'Free')),
    cart.subtotal && cart.subtotal < FREE_SHIPPING_FROM
      ? h('p', { class: 'small muted' }, `Add ${money(FREE_SHIPPING_FROM - cart.subtotal, currency)} more for free shipping.`)
      : null,
    h('div', { class: 'grand' }, h('span', {}, 'Total'), h('span', { 'data-total': '' }, money(cart.subtotal + shipping, currency))),
  );
}

export function savedNote() {
  // Only while it is: a browser that cannot keep data (the disk full, storage blocked) keeps the cart in this page.
  return savedOnDevice()
    ? h('p', { class: 'saved-note' }, icon(ICONS.shield), 'Your cart is saved on this device: it survives reloads, other tabs and lost connections.')
    : h('p', { class: 'saved-note' }, icon(ICONS.alert), 'This browser cannot save your cart: it is kept in this page only, and is lost if you close or reload it.');
}

/** The drawer (a modal <dialog>: focus stays inside, Escape closes it, focus returns to the button). */
export function startCartDrawer() {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('cart-drawer'));
  if (!dialog) return { open() {} };
  const title = h('h2', { id: 'cart-title' }, 'Your cart');
  const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close cart', onclick: () => dialog.close() }, icon(ICONS.close));
  const body = h('div', { class: 'drawer-body' });
  const foot = h('div', { class: 'drawer-foot' });
  dialog.append(h('div', { class: 'drawer-head' }, title, close), body, foot);
  dialog.addEventListener('click', (e) => {
    if (e.target == dialog) dialog.close(); // a click on the backdrop
  });

  /**
   * Every change redraws the lines, and the button that had the focus (its +,
   * − or Remove) goes with them: note which it was, to give the focus back.
   */
  function focusedLineButton() {
    const el = /** @type {HTMLElement | null} */ (document.activeElement);
    const line = el?.closest('.line');
    if (!line || !body.contains(line) || !el.dataset.action) return null;
    return { sku: line.dataset.sku, action: el.dataset.action, index: [...body.querySelectorAll('.line')].indexOf(line) };
  }

  /** The same button of the same line; when that line is gone, the next line's; else the close button. */
  function refocus(was) {
    const line = body.querySelector(`.line[data-sku="${CSS.escape(was.sku)}"]`) ?? body.querySelectorAll('.line')[was.index];
    const target = line?.querySelector(`button[data-action="${was.action}"]:not(:disabled)`) ?? line?.querySelector('button:not(:disabled)') ?? close;
    /** @type {HTMLElement} */ (target).focus();
  }

  sc.cart.subscribe((cart) => {
    const was = focusedLineButton();
    title.textContent = cart.count ? `Your cart (${cart.count})` : 'Your cart';
    if (!cart.items.length) {
      replace(body, h('div', { class: 'empty' }, icon(ICONS.bag), h('p', {}, 'Your cart is empty.'), h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => dialog.close() }, 'Keep shopping')));
      replace(foot, savedNote());
    } else {
      replace(body, h('ul', { class: 'lines', role: 'list' }, cart.items.map(lineView)));
      replace(foot, totalsView(cart), h('a', { class: 'btn btn-primary btn-lg btn-block', href: '/checkout' }, 'Checkout'), savedNote());
    }
    if (was) refocus(was);
  });

  const open = () => {
    if (!dialog.open) dialog.showModal();
    close.focus();
  };
  for (const button of document.querySelectorAll('[data-cart-open]')) button.addEventListener('click', open);
  return { open };
}
