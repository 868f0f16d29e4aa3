/**
 * How an order's state is told to the shopper, honestly: `pending` is never
 * shown as confirmed. Used by the checkout page and by the banner that every
 * page shows while an order waits, so that an update reaches the shopper in
 * whichever tab they are looking at.
 */
import { h, replace, announce } from './dom.js';
import { money } from './money.js';
import { sc } from './sdk.js';

export const ORDER_EVENTS = ['order:sending', 'order:pending', 'order:confirmed', 'order:rejected', 'order:needs-payment', 'order:failed', 'order:expired'];
const WAITING = ['sending', 'pending'];

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
      return { tone: 'ok', chip: 'Confirmed', title: 'Order confirmed', text: `Thank you! The store has confirmed your order${id ? ` ${id}` : ''}. It will be packed and shipped shortly.` };
    }
    case 'sending':
    case 'pending':
      return {
        tone: 'wait',
        chip: o.status == 'sending' ? 'Sending now' : 'Not confirmed yet',
        title: 'Order received, waiting for the store',
        text: 'We could not reach our store just now, so your order is saved safely on this device and will be sent automatically as soon as the store is reachable. It is not confirmed yet: this page updates by itself when it is. You will not be charged twice.',
      };
    case 'rejected':
      return { tone: 'bad', chip: 'Not placed', title: o.result?.status == 402 ? 'Your payment was declined' : 'The store could not accept this order', text: refusalText(o.result) };
    case 'needs-payment':
      return { tone: 'bad', chip: 'Payment needed', title: 'Please confirm your payment again', text: 'Your order waited longer than the payment authorisation lasts, so it was not sent and nothing was charged. Confirm the payment again and we will place it right away.' };
    case 'expired':
      return { tone: 'bad', chip: 'Not placed', title: 'We could not place this order in time', text: 'We kept trying for a day but could not reach the store, so the order was cancelled on this device. If a charge appears anyway, contact us and we will refund it.' };
    case 'failed':
    default:
      return { tone: 'bad', chip: 'Not placed', title: 'We could not place your order', text: 'The order was not placed and nothing was charged. Your cart is still here: please try again in a moment.' };
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

function dismiss(id) {
  dismissed.add(id);
  sessionStorage.setItem(DISMISSED_KEY, JSON.stringify([...dismissed].slice(-50)));
  watched.delete(id);
  renderBanner();
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
        WAITING.includes(e.status) ? ` ${orderSummary(e.order)}. Saved on this device; we will send it as soon as the store is reachable.`
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
    if (WAITING.includes(e.status) || e.status == 'needs-payment') watched.set(e.id, e);
  }
  renderBanner();
  addEventListener('online', renderBanner);
  addEventListener('offline', renderBanner);
  for (const type of ORDER_EVENTS) {
    sc.on(type, async (ev) => {
      const known = watched.get(ev.id);
      // An order is worth a banner once it waits; one settled at once is told by the page that placed it.
      if (!known && ev.status != 'pending') return;
      // The event carries the state; the outbox has the order itself.
      const entry = known ?? (await sc.outbox.list()).find((e) => e.id == ev.id);
      if (!entry) return;
      const before = known?.status;
      watched.set(ev.id, { ...entry, status: ev.status, result: ev.result ?? entry.result, error: ev.error });
      renderBanner();
      if (!shownElsewhere.has(ev.id) && before && before != ev.status && !WAITING.includes(ev.status)) {
        announce(ev.status == 'confirmed' ? `Your order ${orderIdOf(ev.result) ?? ''} is confirmed.` : describe(ev).title);
      }
    });
  }
}

export { WAITING };
