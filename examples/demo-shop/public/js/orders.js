/**
 * How an order's state is told to the shopper, honestly: `pending` is never
 * shown as confirmed. The words are steadycart's own (`orderStatusText`); the
 * shop adds its titles, the store's order number and the reason of a refusal.
 * Used by the checkout page and by the banner that every page shows while an
 * order waits, so that an update reaches the shopper in whichever tab they
 * are looking at.
 */
import { h, replace, announce } from './dom.js';
import { money } from './money.js';
import { savedOnDevice, sc } from './sdk.js';

export const ORDER_EVENTS = ['order:sending', 'order:pending', 'order:confirmed', 'order:rejected', 'order:needs-payment', 'order:failed', 'order:expired'];
const WAITING = ['sending', 'pending'];

/** steadycart's shopper-facing text for each order state. */
const { orderStatusText } = window.SteadyCart;

/** `orderStatusText.pending`, or the truth when nothing is saved: the order is in this page only. */
const PENDING_IN_PAGE = 'Your order is not confirmed yet. This browser cannot save it, so it is kept in this page only: keep the page open, and it will be placed as soon as the store is reachable.';

/** "1a2b3c4d" from an idempotency key: enough to recognise an order. */
export const shortKey = (id) => String(id).slice(0, 8);

/** The server's order id from a confirmed result (`201 { orderId, ... }`). */
export const orderIdOf = (result) => (result && result.body && typeof result.body == 'object' && result.body.orderId) || null;

/** "3 items · $92.00" from an order body as placed. */
export function orderSummary(order) {
  if (!order || !Array.isArray(order.items)) return '';
  const count = order.items.reduce((n, i) => n + (i.qty || 0), 0);
  return `${count} ${count == 1 ? 'item' : 'items'} · ${money(order.total ?? 0, order.currency || 'USD')}`;
}

/** Why the server refused an order, in words a shopper understands. */
export function refusalText(result) {
  const body = result && result.body;
  if (result?.status == 402 || body?.error == 'card_declined') {
    return 'Your card issuer declined the payment, so the order was not placed and nothing was charged.';
  }
  const reason = typeof body?.error == 'string' ? ` (${body.error.replace(/_/g, ' ')})` : '';
  return `The store could not accept this order${reason}. It was not placed and nothing was charged.`;
}

/**
 * Title, text and tone for an order in a given state.
 * @param {{ status: string, result?: any, error?: any }} o
 */
export function describe(o) {
  switch (o.status) {
    case 'confirmed': {
      const id = orderIdOf(o.result);
      return { tone: 'ok', chip: 'Confirmed', title: 'Order confirmed', text: `${orderStatusText.confirmed}${id ? ` Your order number is ${id}.` : ''} It will be packed and shipped shortly.` };
    }
    case 'sending':
    case 'pending':
      return {
        tone: 'wait',
        chip: o.status == 'sending' ? 'Sending now' : 'Not confirmed yet',
        title: savedOnDevice() ? 'Order saved, waiting for the store' : 'Order waiting for the store: keep this page open',
        text: `${savedOnDevice() ? orderStatusText.pending : PENDING_IN_PAGE} It is sent automatically; this page updates by itself.`,
      };
    case 'rejected':
      return { tone: 'bad', chip: 'Not placed', title: o.result?.status == 402 ? 'Your payment was declined' : 'The store could not accept this order', text: refusalText(o.result) };
    case 'needs-payment':
      return { tone: 'bad', chip: 'Payment needed', title: 'Your payment authorisation expired', text: orderStatusText['needs-payment'] };
    case 'expired':
      // Not "not placed": an attempt in doubt may have reached the store (orderStatusText.expired says so).
      return { tone: 'bad', chip: 'Not confirmed', title: 'We stopped trying to place this order', text: orderStatusText.expired };
    case 'failed':
    default:
      return { tone: 'bad', chip: 'Not confirmed', title: 'Your order could not be confirmed', text: orderStatusText.failed };
  }
}

// ------------------------------------------------------------------ banner

/** Ids the current page already shows in full (the checkout page's own order). */
const shownElsewhere = new Set();
/** Orders this tab saw waiting, so that their outcome is reported even after they finish. */
const watched = new Map();
const DISMISSED_KEY = 'demo:dismissed-orders';
const dismissed = new Set(JSON.parse(sessionStorage.getItem(DISMISSED_KEY) || '[]'));

export function claimOrder(id) {
  shownElsewhere.add(id);
  renderBanner();
}

const orderRows = () => [...document.querySelectorAll('#order-banner [data-order-key]')];

function dismiss(id) {
  const at = orderRows().findIndex((row) => /** @type {HTMLElement} */ (row).dataset.orderKey == id);
  dismissed.add(id);
  sessionStorage.setItem(DISMISSED_KEY, JSON.stringify([...dismissed].slice(-50)));
  watched.delete(id);
  renderBanner();
  // The Dismiss button is gone with its notice: the focus goes to the notice now in its place
  // (its Dismiss button, else its link), else to the main content, rather than to <body>.
  // The main content starts where the notice was: no scrolling, which would hide its top under the header.
  const next = /** @type {HTMLElement | undefined} */ (orderRows()[at]);
  const target = next?.querySelector('button') ?? next?.querySelector('a');
  if (target) target.focus();
  else document.getElementById('main')?.focus({ preventScroll: true });
}

function renderBanner() {
  const banner = document.getElementById('order-banner');
  if (!banner) return;
  const items = [...watched.values()].filter((e) => !shownElsewhere.has(e.id) && !dismissed.has(e.id));
  const offline = navigator.onLine
    ? null
    : h(
        'div',
        { class: 'notice-row notice-wait', dataset: { offline: '' } },
        h(
          'div',
          { class: 'notice wrap' },
          h('span', { class: 'dot', 'aria-hidden': 'true' }),
          h('p', {}, h('span', { class: 'notice-title' }, 'You are offline.'), ' You can keep shopping: your cart is saved on this device, and an order placed now is sent as soon as you are back online.'),
        ),
      );
  replace(
    banner,
    offline,
    items.map((e) => {
      const d = describe(e);
      const short = e.status == 'confirmed' ? `Your order ${orderIdOf(e.result) ?? shortKey(e.id)} is confirmed.` : d.title + '.';
      const detail =
        WAITING.includes(e.status) ? ` ${orderSummary(e.order)}. ${savedOnDevice() ? 'Saved on this device' : 'Kept in this page only: keep it open'}; we will send it as soon as the store is reachable.`
        : e.status == 'confirmed' ? ' Thank you!'
        : ` ${orderSummary(e.order)}.`;
      return h(
        'div',
        { class: `notice-row notice-${d.tone}`, dataset: { orderKey: e.id, status: e.status } },
        h(
          'div',
          { class: 'notice wrap' },
          h('span', { class: 'dot', 'aria-hidden': 'true' }),
          h('p', {}, h('span', { class: 'notice-title' }, short), detail, ' ', h('a', { href: `/checkout?order=${encodeURIComponent(e.id)}` }, 'See the order')),
          WAITING.includes(e.status) ? null : h('button', { type: 'button', class: 'link', onclick: () => dismiss(e.id) }, 'Dismiss'),
        ),
      );
    }),
  );
}

/** Watches the outbox and shows waiting orders (and how they end) on every page. */
export async function startOrderBanner() {
  for (const e of await sc.outbox.list()) {
    // An order paid again (replacedBy) is over: the new one is told instead.
    if (WAITING.includes(e.status) || (e.status == 'needs-payment' && !e.replacedBy)) watched.set(e.id, e);
  }
  renderBanner();
  // An order needing payment that a tab gave up (its items put back there, the order discarded) leaves the
  // outbox, and no event says so: the outbox's live view does.
  sc.outbox.subscribe(({ entries, loaded }) => {
    let gone = false;
    for (const [id, e] of watched) if (loaded && e.status == 'needs-payment' && !entries.some((x) => x.id == id)) gone = watched.delete(id);
    if (gone) renderBanner();
  });
  addEventListener('online', renderBanner);
  addEventListener('offline', () => {
    renderBanner();
    announce('You are offline. You can keep shopping: an order placed now is sent as soon as you are back online.');
  });
  // Each order's last event: one that comes while the outbox is read for it says more than that read.
  const latest = new Map();
  for (const type of ORDER_EVENTS) {
    sc.on(type, async (ev) => {
      latest.set(ev.id, ev);
      const known = watched.get(ev.id);
      if (!known && [...watched.values()].some((e) => e.status == 'needs-payment')) {
        // Paid again, in this tab or another: the old order's banner goes.
        const entry = (await sc.outbox.list()).find((e) => e.id == ev.id);
        if (entry?.replaces && watched.delete(entry.replaces)) renderBanner();
      }
      // An order is worth a banner once it waits; one settled at once is told by the page that placed it.
      if (!known && ev.status != 'pending') return;
      // The event carries the state; the outbox has the order itself.
      const entry = known ?? (await sc.outbox.list()).find((e) => e.id == ev.id);
      if (!entry) return;
      const before = known?.status;
      // A retry (sending, then pending again) changes nothing the banner says: redrawing it would drop focus.
      if (before && WAITING.includes(before) && WAITING.includes(ev.status)) return;
      // Read after the event, or begun before a later one (dropped above, the order not watched yet): it may have ended meanwhile.
      const last = known ? ev : latest.get(ev.id);
      if (!known && !WAITING.includes(entry.status)) watched.set(ev.id, entry);
      else watched.set(ev.id, { ...entry, status: last.status, result: last.result ?? entry.result, error: last.error });
      renderBanner();
      // The banner is no live region (redrawn whole, it would say every notice again): a new waiting order is announced
      // here, unless the page shows it in full (the checkout that placed it, which may claim it a moment after this event).
      if (!known && WAITING.includes(last.status)) {
        setTimeout(() => {
          const now = watched.get(ev.id);
          if (now && WAITING.includes(now.status) && !shownElsewhere.has(ev.id) && !dismissed.has(ev.id)) announce(`${describe(now).title}.`);
        }, 500);
      }
      if (!shownElsewhere.has(ev.id) && before && before != ev.status && !WAITING.includes(ev.status)) {
        announce(ev.status == 'confirmed' ? `Your order ${orderIdOf(ev.result) ?? ''} is confirmed.` : describe(ev).title);
      }
    });
  }
}

export { WAITING };
