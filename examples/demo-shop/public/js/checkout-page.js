/**
 * Checkout: shipping details, a Demo Pay token, and `sc.placeOrder`. Every
 * outcome is told as it is: `confirmed` with the store's order id; `pending`
 * as saved but not confirmed, updated in place when the store confirms
 * (the `order:*` events reach every tab); `rejected` with the reason;
 * `needs-payment` offers to pay again (`sc.outbox.resubmit`: the same order,
 * a new Demo Pay token, a new key; the old order is never sent); `failed`
 * says so. Once the order is confirmed or safely kept in the outbox, its
 * lines leave the cart (and only they: a line added meanwhile in another tab
 * stays). An order of this cart that the page did not see through (a reload,
 * a tab closed while it was being sent) is followed, never placed twice.
 */
import { startCartBadge, totalsView } from './cart-drawer.js';
import { PRODUCTS, cartItem, imageUrl } from './catalogue.js';
import { h, icon, ICONS, replace, announce } from './dom.js';
import { startLab } from './lab.js';
import { money, shippingFor } from './money.js';
import { claimOrder, describe, ORDER_EVENTS, orderIdOf, orderSummary, shortKey, startOrderBanner, WAITING } from './orders.js';
import { savedOnDevice, sc, tokenLifetimeMs } from './sdk.js';

const main = document.getElementById('checkout-main');
const form = /** @type {HTMLFormElement} */ (document.getElementById('checkout-form'));
const formError = document.getElementById('form-error');
const button = /** @type {HTMLButtonElement} */ (document.getElementById('place-order'));
const summary = document.getElementById('summary');

const FIELDS = [
  { id: 'email', path: 'customer.email', label: 'Email', required: true, check: (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) || 'Enter an email address like name@example.com.' },
  { id: 'name', path: 'customer.name', label: 'Full name', required: true },
  { id: 'line1', path: 'shipTo.line1', label: 'Street address', required: true },
  { id: 'line2', path: 'shipTo.line2', label: 'Apartment, suite' },
  { id: 'city', path: 'shipTo.city', label: 'City', required: true },
  { id: 'postalCode', path: 'shipTo.postalCode', label: 'Postal code', required: true },
];

/** One logical order per checkout: it lets the backend count a duplicate even across idempotency keys. */
const REF_KEY = 'demo:order-ref';
const randomId = (n) => {
  const chars = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => chars[b % chars.length]).join('');
};
const orderRef = () => sessionStorage.getItem(REF_KEY) ?? (sessionStorage.setItem(REF_KEY, `chk_${randomId(12)}`), sessionStorage.getItem(REF_KEY));
const newOrderRef = () => sessionStorage.removeItem(REF_KEY);

/** What a payment provider's SDK would hand back: a one-time token and its expiry. Never a card number. */
function demoPayToken() {
  return { token: `tok_demo_${randomId(24)}`, expiresAt: Date.now() + tokenLifetimeMs() };
}

let cart = { items: [], count: 0, subtotal: 0, currency: null };
let placing = false;
/** The order shown in place of the form, once placed. */
let shown = null;
/** Orders being sent now, by any tab or the service worker: no other order is placed meanwhile. */
const inFlight = new Set();
/** Until the outbox has been read, the page cannot know whether this cart is already ordered: no Place order. */
let outboxRead = false;
/** The order of this cart that the page did not see through (see `followOwnOrder`): its lines leave the cart once it is kept. */
let clearWhenKept = null;

// ------------------------------------------------------------------ summary

function summaryView(items, currency, totals) {
  return [
    h(
      'ul',
      { class: 'lines', role: 'list' },
      items.map((i) =>
        h(
          'li',
          { class: 'line' },
          i.meta?.image ? h('img', { src: imageUrl(i.meta.image), alt: '', width: 64, height: 48 }) : h('span'),
          h('div', {}, h('p', { class: 'line-name' }, i.name), h('p', { class: 'line-price' }, `Qty ${i.qty} · ${money(i.unitPrice, currency)} each`)),
          h('p', { class: 'line-total' }, money(i.unitPrice * i.qty, currency)),
        ),
      ),
    ),
    totals,
  ];
}

function renderSummary() {
  if (shown?.order?.items) {
    const o = shown.order;
    const items = o.items.map((i) => ({ ...i, meta: { image: PRODUCTS.find((p) => p.sku == i.sku)?.image } }));
    replace(
      summary,
      summaryView(items, o.currency, h(
        'div',
        { class: 'totals' },
        h('div', {}, h('span', {}, 'Subtotal'), h('span', {}, money(o.subtotal, o.currency))),
        h('div', {}, h('span', {}, 'Shipping'), h('span', {}, o.shipping ? money(o.shipping, o.currency) : 'Free')),
        h('div', { class: 'grand' }, h('span', {}, 'Total'), h('span', {}, money(o.total, o.currency))),
      )),
    );
    return;
  }
  if (!cart.items.length) {
    replace(summary, h('p', { class: 'muted' }, 'Your cart is empty.'));
    return;
  }
  replace(summary, summaryView(cart.items, cart.currency, totalsView(cart)));
}

function updateButton() {
  const total = cart.subtotal + shippingFor(cart.subtotal);
  const busy = placing || inFlight.size > 0 || !outboxRead || !!clearWhenKept;
  // aria-disabled rather than disabled: a disabled button would drop the keyboard focus.
  button.setAttribute('aria-disabled', String(busy));
  const label = `Place order · ${money(total, cart.currency || 'USD')}`;
  replace(button, placing || inFlight.size > 0 ? [h('span', { class: 'spinner', 'aria-hidden': 'true' }), placing ? 'Placing your order…' : 'An order is being placed…'] : label);
  // Busy only while this tab places an order; another order on its way only disables it.
  button.setAttribute('aria-busy', String(placing));
}

/** The form, or the empty-cart message, when no placed order is shown. */
function renderForm() {
  if (shown) return;
  if (!cart.items.length && !placing) {
    replace(
      main,
      h(
        'div',
        { class: 'empty' },
        icon(ICONS.bag),
        h('p', {}, 'Your cart is empty, so there is nothing to check out yet.'),
        h('a', { class: 'btn btn-primary', href: '/' }, 'Browse the collection'),
      ),
    );
    return;
  }
  if (form.parentElement != main) replace(main, form);
}

// ------------------------------------------------------------------ validation

function fieldError(id, message) {
  const input = document.getElementById(id);
  const error = document.getElementById(`${id}-error`);
  if (!input || !error) return;
  input.setAttribute('aria-invalid', String(!!message));
  error.textContent = message || '';
}

function validate() {
  let first = null;
  /** The labels of the fields to check, named in the summary at the top of the form. */
  const wrong = [];
  for (const f of FIELDS) {
    const value = /** @type {HTMLInputElement} */ (document.getElementById(f.id)).value.trim();
    let message = '';
    if (f.required && !value) message = `Enter your ${f.label.toLowerCase()}.`;
    else if (value && f.check) {
      const ok = f.check(value);
      if (ok !== true) message = ok;
    }
    fieldError(f.id, message);
    if (message) wrong.push(f.label);
    if (message && !first) first = f;
  }
  if (first) {
    formError.className = 'form-error notice-bad';
    formError.textContent = wrong.length == 1 ? `Please check this field: ${wrong[0]}.` : `Please check these ${wrong.length} fields: ${wrong.join(', ')}.`;
    document.getElementById(first.id).focus();
  }
  return !first;
}

const value = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id)).value.trim();

function buildOrder(payment) {
  const shipping = shippingFor(cart.subtotal);
  return {
    orderRef: orderRef(),
    items: cart.items.map(({ sku, name, qty, unitPrice, meta }) => ({ sku, gtin: meta?.gtin, name, qty, unitPrice })),
    currency: cart.currency,
    subtotal: cart.subtotal,
    shipping,
    total: cart.subtotal + shipping,
    customer: { name: value('name'), email: value('email') },
    shipTo: { line1: value('line1'), line2: value('line2'), city: value('city'), postalCode: value('postalCode'), country: value('country') },
    payment: { method: 'demo_pay', token: payment.token },
    placedAt: new Date().toISOString(),
  };
}

// ------------------------------------------------------------------ placing

/**
 * Places the cart's order.
 * @param {object} order
 * @param {number} expiresAt  the payment token's expiry
 */
async function place(order, expiresAt) {
  placing = true;
  updateButton();
  formError.textContent = '';
  // The focused button's new name is not read out by itself: said, as placing may take a few seconds.
  announce('Placing your order…');
  let result;
  try {
    result = await sc.placeOrder(order, { paymentTokenExpiresAt: expiresAt });
  } catch (err) {
    // Only bad input throws (docs/backend-contract.md): say which field, never send it.
    placing = false;
    updateButton();
    if (err?.code == 'CARD_DATA') {
      const field = FIELDS.find((f) => err.path == f.path || err.path?.startsWith(f.path + '.'));
      if (field) fieldError(field.id, 'This looks like a card number. Please do not enter card details here: Demo Pay takes care of payment.');
      formError.className = 'form-error notice-bad';
      formError.textContent = 'The order was not sent: it seems to contain card details.';
      if (field) document.getElementById(field.id).focus();
    } else {
      formError.className = 'form-error notice-bad';
      formError.textContent = `The order could not be sent: ${err?.message ?? err}`;
    }
    return;
  }
  placing = false;
  if (result.status == 'confirmed' || result.status == 'pending') {
    // Shown before anything else is awaited, so that every later event of this order (a replay
    // may settle a pending one at once) updates the page. Confirmed, or kept safely in the
    // outbox: only now do its lines leave the cart.
    const showing = showPlaced(result, order);
    await sc.cart.removeOrdered(result.id, order.items);
    newOrderRef();
    await showing;
    return;
  }
  updateButton();
  // Told here: a reload shows the form, and the next attempt is an order of its own.
  newOrderRef();
  const d = describe(result);
  formError.className = 'form-error notice-bad';
  replace(formError, h('strong', {}, d.title + '. '), d.text, result.status == 'rejected' ? ' You can try again.' : '');
  formError.dataset.status = result.status;
  formError.focus();
}

/**
 * One checkout at a time per cart, across tabs: the order reference lives in
 * this tab's sessionStorage, so two tabs placing the same cart would be two
 * orders, and two charges. The shop's own lock name ("demo:", like its storage
 * keys), apart from steadycart's own locks.
 */
const CHECKOUT_LOCK = 'demo:checkout';

/**
 * Runs `fn` holding the checkout lock if no other tab holds it (`fn(false)` if one does). A browser
 * without Web Locks (Firefox before 96) runs it at once: that tab's checkout still works, unguarded.
 * @param {(lock: unknown) => Promise<boolean>} fn
 */
const checkoutLock = (fn) => (navigator.locks ? navigator.locks.request(CHECKOUT_LOCK, { ifAvailable: true }, fn) : fn(true));

/**
 * Says why no order is placed now. #form-error is an alert: the sentence is announced as it
 * appears. At the top of the form, far from the button: focused (as a refusal is), so that it
 * is also seen.
 * @param {string} text
 * @param {string} status  for `data-status`
 */
function sayWait(text, status) {
  formError.className = 'form-error notice-wait';
  formError.textContent = text;
  formError.dataset.status = status;
  formError.focus();
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (placing || !outboxRead || clearWhenKept || !cart.items.length) return;
  if (!validate()) return;
  formError.textContent = '';
  // Set before the lock is asked for: a second click in this tab meanwhile is ignored, not refused.
  placing = true;
  const ran = await checkoutLock(async (lock) => {
    if (!lock) return false;
    // Another tab may have ordered this cart since this page last drew it: read it again.
    cart = await sc.cart.get();
    // And an order may be on its way since: this cart's own (sent before a reload, or by a closed tab), or another.
    const entries = await sc.outbox.list();
    if (followOwnOrder(entries)) {
      placing = false;
      return true;
    }
    // (Read again from the outbox, as the events may have missed an entry's end: a discarded one.)
    inFlight.clear();
    for (const entry of entries) if (entry.status == 'sending') inFlight.add(entry.id);
    if (inFlight.size) {
      placing = false;
      updateButton();
      // Another order is being sent (by a tab that went away, or the service worker), outside the checkout lock.
      sayWait('An order is being placed right now. You can place this one once it has been placed or saved.', 'order-in-flight');
      return true;
    }
    if (!cart.items.length) {
      placing = false;
      renderSummary();
      updateButton();
      renderForm(); // the empty cart, in place of the form
      return true;
    }
    const payment = demoPayToken();
    await place(buildOrder(payment), payment.expiresAt);
    return true;
  });
  if (!ran) {
    placing = false;
    updateButton();
    sayWait('This cart is being ordered in another tab. That tab shows how it went.', 'ordering-elsewhere');
  }
});
for (const f of FIELDS) document.getElementById(f.id).addEventListener('input', () => fieldError(f.id, ''));

// ------------------------------------------------------------------ the placed order, updated in place

/** The first step: saved on the device, or (this browser cannot keep data) in this page only. */
const SAVED = () => (savedOnDevice() ? 'Saved on this device' : 'Kept in this page only (this browser cannot save it)');

function stepsView(status, orderId) {
  const step = (state, text) => h('li', { class: state }, h('span', { class: 'tick', 'aria-hidden': 'true' }, state == 'done' ? '✓' : state == 'now' ? '…' : ''), h('span', {}, text, h('span', { class: 'visually-hidden' }, state == 'done' ? ' (done)' : state == 'now' ? ' (in progress)' : ' (not yet)')));
  if (status == 'confirmed') {
    return h('ol', { class: 'steps' }, step('done', SAVED()), step('done', 'Sent to the store'), step('done', `Confirmed by the store${orderId ? ` as ${orderId}` : ''}`));
  }
  if (WAITING.includes(status)) {
    return h(
      'ol',
      { class: 'steps' },
      step('done', SAVED()),
      step('now', status == 'sending' ? 'Sending to the store now…' : 'Waiting for the store to be reachable; we retry automatically'),
      step('todo', 'Confirmed by the store'),
    );
  }
  return null;
}

/** Shows an order just placed (or paid again for the order `replaces`), and where a replay may already have moved it on. */
async function showPlaced(result, order, replaces) {
  show({ id: result.id, status: result.status, result: result.result, error: result.error, order, replaces }, true);
  // A replay (another tab, the service worker) may already have moved it on.
  const now = (await sc.outbox.list()).find((e) => e.id == result.id);
  if (now && shown?.id == now.id && now.status != shown.status) show(now);
}

/** The Demo Pay panel of an order that needs payment again: what paying again does. */
function payAgainPanel(error) {
  return h(
    'div',
    { class: 'pay-again' },
    h(
      'div',
      { class: 'pay-option' },
      h('span', { class: 'pay-mark', 'aria-hidden': 'true' }, 'DEMO'),
      h('span', {}, h('strong', {}, 'Demo Pay'), h('br'), h('span', { class: 'muted' }, 'Paying again takes a new one-time token and places the same order under a new reference. The expired one is never sent.')),
    ),
    error ? h('p', { class: 'form-error notice-bad', role: 'alert' }, error) : null,
  );
}

/** The checkout's opening words, told again once no order is kept in this page only. */
const LEDE = document.getElementById('checkout-lede')?.textContent ?? '';

/** Asks the browser to confirm leaving the page: an order kept in it only would be lost. */
function holdPage(event) {
  event.preventDefault();
  // (Older browsers show the dialog only for a returnValue.)
  event.returnValue = '';
}
let holding = false;
/**
 * While an order kept in this page only waits, the checkout's opening words say so, and leaving the page (a link,
 * a reload, closing it) asks first.
 */
function keepPageOpen(on) {
  document.getElementById('checkout-lede').textContent = on ? 'This browser cannot save data: your order is kept in this page only. Keep it open until the order is confirmed.' : LEDE;
  if (on == holding) return;
  holding = on;
  if (on) addEventListener('beforeunload', holdPage);
  else removeEventListener('beforeunload', holdPage);
}

/**
 * Shows `entry` in place of the form. `payAgainError` says why paying again
 * failed (shown once, with the order that still needs payment).
 */
function show(entry, placedNow = false) {
  const first = !shown || shown.id != entry.id;
  shown = { ...(first ? {} : shown), ...entry, payAgainError: entry.payAgainError };
  claimOrder(entry.id);
  if (placedNow || first) history.replaceState(null, '', `/checkout?order=${encodeURIComponent(entry.id)}`);
  const d = describe(shown);
  const orderId = orderIdOf(shown.result);
  const heading = h('h2', { tabindex: '-1', id: 'outcome-title' }, d.title);
  // Rebuilt with the keyboard focus in it: the focus goes to the new heading, not to the page.
  const hadFocus = main.contains(document.activeElement);
  const actions = [];
  if (shown.status == 'needs-payment') {
    actions.push(h('button', { type: 'button', class: 'btn btn-primary', onclick: payAgain }, 'Pay again with Demo Pay'));
  }
  // Only an order steadycart says was not placed: a failed or expired one may have been charged, and its
  // lines back in the cart would invite a second order, a second charge.
  if (['rejected', 'needs-payment'].includes(shown.status) && shown.order?.items) {
    actions.push(h('button', { type: 'button', class: 'btn btn-secondary', onclick: restoreCart }, 'Put the items back in my cart'));
  }
  // Leaving the page would lose an order kept in it only (this browser cannot save it): no way out is offered then.
  const inPageOnly = !savedOnDevice() && WAITING.includes(shown.status);
  // The header's and footer's links stay: leaving asks first, while the order waits.
  keepPageOpen(inPageOnly);
  if (!inPageOnly) actions.push(h('a', { class: shown.status == 'needs-payment' ? 'btn btn-ghost' : 'btn btn-primary', href: '/' }, 'Continue shopping'));
  const iconFor = d.tone == 'ok' ? ICONS.check : d.tone == 'wait' ? ICONS.clock : ICONS.alert;
  replace(
    main,
    h(
      'div',
      { class: 'outcome', dataset: { status: shown.status, orderKey: shown.id, orderId: orderId ?? '' } },
      h('div', { class: 'outcome-icon' }, icon(iconFor)),
      h('span', { class: `status-chip ${d.tone}` }, d.chip),
      heading,
      h('p', {}, d.text),
      stepsView(shown.status, orderId),
      shown.status == 'needs-payment' ? payAgainPanel(shown.payAgainError) : null,
      h(
        'p',
        { class: 'small muted' },
        'Reference ',
        h('span', { class: 'ref' }, shortKey(shown.id)),
        orderId ? ' · Order ' : '',
        orderId ? h('span', { class: 'ref' }, orderId) : '',
        shown.replaces ? [' · paid again for ', h('span', { class: 'ref' }, shortKey(shown.replaces))] : '',
        ' · ',
        orderSummary(shown.order),
      ),
      h('div', { class: 'outcome-actions' }, actions),
    ),
  );
  main.setAttribute('aria-labelledby', 'outcome-title');
  renderSummary();
  // The focused heading is read out: announced as well, it would be said twice. Announced only when the focus stays put.
  if (first || hadFocus) heading.focus();
  else announce(shown.status == 'confirmed' ? `Order confirmed${orderId ? `: ${orderId}` : ''}.` : `${d.title}.`);
}

/**
 * Pays again for the order shown (in `needs-payment`): a new Demo Pay token,
 * and `sc.outbox.resubmit` places the same order with it under a new key.
 */
async function payAgain(event) {
  if (placing) return;
  const button = event.currentTarget;
  // aria-disabled rather than disabled, as for Place order: a disabled button would drop the keyboard focus.
  button.setAttribute('aria-disabled', 'true');
  button.setAttribute('aria-busy', 'true');
  replace(button, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Placing your order…');
  announce('Placing your order…');
  const old = shown;
  const { token, expiresAt } = demoPayToken();
  const payment = { method: 'demo_pay', token };
  placing = true;
  let result;
  try {
    result = await sc.outbox.resubmit(old.id, { payment, paymentTokenExpiresAt: expiresAt });
  } catch (err) {
    placing = false;
    // Paid again already, in another tab: that order is the one to follow.
    if (err?.code == 'NOT_RESUBMITTABLE' && (await followReplacement(old.id))) return;
    // Given up in another tab (its items put back there, the order discarded): there is nothing to pay for.
    if (err?.code == 'NOT_FOUND') return givenUpElsewhere();
    show({ ...old, payAgainError: `The payment could not be made again: ${err?.message ?? err}` });
    return;
  }
  placing = false;
  await showPlaced(result, { ...old.order, payment }, old.id);
}

/** Shows the order that paid again for `id`, in this tab or another; false when there is none. */
async function followReplacement(id) {
  const next = (await sc.outbox.list()).find((e) => e.replaces == id);
  if (next) show(next, true);
  return !!next;
}

/**
 * Puts the order's lines back in the cart, each up to the quantity ordered: a line the cart
 * still holds (it is emptied only for an order kept) is not added twice. An order in
 * `needs-payment` is then discarded: its goods go in the next order, and no page may ask
 * to pay for it again.
 */
async function restoreCart() {
  const restored = shown;
  if (!restored) return;
  // Under one lock across tabs: a double click, or the button in two tabs, would both read the
  // cart before either adds, and double the lines. The second then finds them in the cart.
  await navigator.locks.request('demo-shop:restore-cart', async () => {
    // One read: an order's lines are one per sku, so each write below touches a line no other one does.
    const { items } = await sc.cart.get();
    for (const i of restored.order.items) {
      const inCart = items.find((c) => c.sku == i.sku)?.qty ?? 0;
      if (inCart >= i.qty) continue;
      // An order's lines carry no meta: the catalogue gives the line its image and barcode back.
      const product = PRODUCTS.find((p) => p.sku == i.sku);
      try {
        await sc.cart.add({ sku: i.sku, name: i.name, unitPrice: i.unitPrice, currency: restored.order.currency, qty: i.qty - inCart, meta: product && cartItem(product).meta });
      } catch {
        // Over the quantity limit, or in another currency: what is in the cart stays.
      }
    }
  });
  // Nothing was charged for it, and it is never sent again: discarded, no banner or checkout asks to pay for it.
  puttingBack = restored.id;
  if (restored.status == 'needs-payment') await sc.outbox.discard(restored.id).catch(() => {});
  if (shown == restored) backToForm('The items are back in your cart.');
}

/** Leaves the order shown for the checkout form. */
function backToForm(message) {
  // The panel (and the button the shopper pressed in it) goes: the keyboard focus goes to the form's first field,
  // not to the page.
  const hadFocus = main.contains(document.activeElement) || document.activeElement == document.body;
  shown = null;
  keepPageOpen(false);
  history.replaceState(null, '', '/checkout');
  main.removeAttribute('aria-labelledby');
  renderForm();
  renderSummary();
  updateButton();
  if (hadFocus) (form.parentElement == main ? document.getElementById(FIELDS[0].id) : main)?.focus();
  if (message) announce(message);
}

/** The order shown was given up in another tab (its items put back there): the form, and why, at its top. */
function givenUpElsewhere() {
  backToForm('');
  sayWait('That order was given up in another tab, and its items were put back in your cart. Nothing was charged for it.', 'given-up');
}

/** How recent a saved order must be to be taken for the cart's own order (see `ownOrder`). */
const RECENT_MS = 10 * 60_000;
/** "mug-oat×2 teapot-glass×1": an order's or a cart's lines, in any order. */
const linesKey = (items) => items.map(({ sku, qty }) => `${sku}×${qty}`).sort().join(' ');

/**
 * The order placed for this very cart, when the page did not see it through: the shopper
 * reloaded while it was being sent, or closed the tab and opened the checkout again. It is
 * the newest order saved in the last few minutes, still `sending` or `pending`, whose lines
 * are the cart's (or confirmed, with the cart unchanged since it was placed); or the order
 * of this tab's reference, however it ended: one refused before this page read the outbox
 * (the replay a new page starts at once may settle it first) is told, not passed over.
 * Placing the cart again would charge it twice.
 * An older waiting order, or one for other lines, never blocks the shop: steadycart places
 * it when the store is back, and the banner tells how it went.
 */
function ownOrder(entries) {
  const ref = sessionStorage.getItem(REF_KEY);
  const lines = cart.items.length ? linesKey(cart.items) : null;
  const sameLines = (e) => lines && linesKey(e.order?.items ?? []) == lines;
  return [...entries].reverse().find(
    (e) =>
      !e.replacedBy &&
      // (An order paid again, `replaces`, was placed from its panel, whose URL names it. The reference is
      // renewed once its order is kept or refused in a page that follows it: each outcome is told once.)
      ((ref && e.order?.orderRef == ref && !e.replaces) ||
        (WAITING.includes(e.status) && Date.now() - e.createdAt < RECENT_MS && sameLines(e)) ||
        (e.status == 'confirmed' && cart.updatedAt <= e.createdAt && sameLines(e))),
  );
}

/**
 * Follows this cart's own order (see `ownOrder`): shown in place of the form, as after placing
 * it, so that it cannot be placed twice; its lines leave the cart once it is kept (pending or
 * confirmed), as after placing it. Place order stays disabled while it is followed.
 * @returns {boolean} whether there was one
 */
function followOwnOrder(entries) {
  const own = ownOrder(entries);
  if (!own) return false;
  clearWhenKept = own;
  show(own, true);
  keptNow(own);
  return true;
}

/**
 * Once the order followed by `followOwnOrder` is kept, takes its lines out of the cart. Refused,
 * or failed, it leaves the cart as it is. Either way the next checkout gets a new reference.
 */
function keptNow(entry) {
  if (entry.id != clearWhenKept?.id || entry.status == 'sending') return;
  const { order } = clearWhenKept;
  clearWhenKept = null;
  updateButton();
  newOrderRef();
  if (entry.status != 'pending' && entry.status != 'confirmed') return;
  // Once per order in every tab: the tab that placed it may take its lines out too.
  sc.cart.removeOrdered(entry.id, order.items).catch(() => {});
}

// Updates from this tab, other tabs and the service worker alike.
for (const type of ORDER_EVENTS) {
  sc.on(type, (ev) => {
    // Place order waits while any order is being sent.
    const wasBusy = inFlight.size > 0;
    if (ev.status == 'sending') inFlight.add(ev.id);
    else inFlight.delete(ev.id);
    if (wasBusy != inFlight.size > 0) updateButton();
    keptNow(ev);
    // A retry of a pending order (sending, then pending again) leaves the panel as it is: rebuilding
    // it would drop the shopper's focus and announce it again. An order first shown as being sent
    // (followed after a reload) does turn pending: it is waiting for the store, no longer being sent.
    if (shown && ev.id == shown.id && ev.status != shown.status && !(ev.status == 'sending' && shown.status == 'pending')) show({ id: ev.id, status: ev.status, result: ev.result ?? shown.result, error: ev.error });
    // Another tab paid again for the order shown here.
    else if (shown?.status == 'needs-payment' && ev.id != shown.id && !placing) followReplacement(shown.id);
  });
}

// An order in needs-payment shown here that another tab gave up (its items put back there) leaves
// the outbox, and no event says so: the outbox's live view does, once it has listed the order.
const listed = new Set();
/** The order whose items this tab is putting back: this tab discards it. */
let puttingBack = null;
sc.outbox.subscribe(({ entries }) => {
  for (const e of entries) listed.add(e.id);
  if (shown?.status == 'needs-payment' && shown.id != puttingBack && listed.has(shown.id) && !entries.some((e) => e.id == shown.id) && !placing) givenUpElsewhere();
});

// ------------------------------------------------------------------ start

startCartBadge();
startOrderBanner();
startLab();
sc.cart.subscribe((c) => {
  cart = c;
  renderSummary();
  updateButton();
  renderForm();
});

const wanted = new URLSearchParams(location.search).get('order');
cart = await sc.cart.get();
const entries = await sc.outbox.list();
outboxRead = true;
for (const entry of entries) if (entry.status == 'sending') inFlight.add(entry.id);
if (wanted) {
  const asked = entries.find((e) => e.id == wanted);
  // An order paid again is followed by the one that replaced it.
  const entry = (asked?.replacedBy && entries.find((e) => e.id == asked.replacedBy)) || asked;
  if (entry) show(entry);
  else history.replaceState(null, '', '/checkout');
} else followOwnOrder(entries);
updateButton();
renderForm();
