/**
 * A small React shop on steadycart/react, bundled with React by esbuild for
 * the browser tests (see bundle-plugin.mjs; served as app.bundle.js). Each
 * hook's state is rendered into elements with a `data-test` attribute.
 */
import { createElement as h, StrictMode, useEffect, useState, type ReactElement } from 'react';
import { createRoot, hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { SteadyCartProvider, useCart, useOutbox, usePlaceOrder, useSteadyCart, useSteadyCartHealth } from '../../../src/react/index';
import type { SteadyCart, SteadyCartOptions } from '../../../src/index';

/** Renders of each component, to prove that a steady state renders nothing more. */
export const renders = { cart: 0, order: 0, outbox: 0, health: 0 };
/** `[loading, count]` of every render of the cart, in order: the first paint must not wait for IndexedDB. */
export const cartLog: Array<[boolean, number]> = [];
/** `[loading, status]` of every render of the order view given an id: its status is unknown only while it is loading. */
export const orderLog: Array<[boolean, string | undefined]> = [];

const text = (test: string, value: unknown) => h('span', { 'data-test': test }, String(value));

function CartView(): ReactElement {
  renders.cart++;
  const { cart, loading, add, remove, removeOrdered } = useCart();
  cartLog.push([loading, cart.count]);
  return h(
    'section',
    null,
    text('cart-loading', loading),
    text('cart-count', cart.count),
    text('cart-subtotal', cart.subtotal),
    h('button', { 'data-test': 'add', onClick: () => void add({ sku: 'mug', name: 'Mug', unitPrice: 1200, currency: 'EUR' }) }, 'Add a mug'),
    h('button', { 'data-test': 'remove', onClick: () => void remove('mug') }, 'Remove the mugs'),
    h('button', { 'data-test': 'remove-two-teas', onClick: () => void remove('tea', 2) }, 'Remove two teas'),
    h('button', { 'data-test': 'take-ordered-tea', onClick: () => void removeOrdered('order-1', [{ sku: 'tea', qty: 1 }]) }, 'Take out order-1 (a tea)'),
  );
}

function OrderView({ orderId }: { orderId?: string }): ReactElement {
  renders.order++;
  const { placeOrder, id, status, placing, entry, error, loading } = usePlaceOrder(orderId);
  if (orderId) orderLog.push([loading, status]);
  const { cart } = useCart();
  const [thrown, setThrown] = useState('');
  const place = () =>
    placeOrder({ items: cart.items.map(({ sku, qty }) => ({ sku, qty })), payment: { token: 'pm_react' } }).catch((e: Error) => setThrown(e.message));
  return h(
    'section',
    null,
    text('order-id', id ?? ''),
    text('order-status', status ?? 'none'),
    text('order-placing', placing),
    text('order-result', entry?.result?.status ?? ''),
    text('order-error', (error as { code?: string } | undefined)?.code ?? ''),
    text('order-thrown', thrown),
    h('button', { 'data-test': 'place', onClick: place }, 'Place the order'),
    h('button', { 'data-test': 'place-bad', onClick: () => placeOrder({ payment: { card: { number: '4242424242424242' } } }).catch(() => {}) }, 'Place a bad order'),
  );
}

/**
 * An order followed as a page keeps it: the id of the order this view placed
 * becomes the id it gives the hook (from its URL after a reload, say).
 */
function FollowView(): ReactElement {
  const [followed, setFollowed] = useState<string>();
  const { placeOrder, status, result } = usePlaceOrder(followed);
  const { cart } = useCart();
  const place = () => placeOrder({ items: cart.items.map(({ sku, qty }) => ({ sku, qty })), payment: { token: 'pm_follow' } }).then((r) => setFollowed(r.id));
  return h(
    'section',
    null,
    text('follow-id', followed ?? ''),
    text('follow-status', status ?? 'none'),
    text('follow-result', result?.status ?? ''),
    h('button', { 'data-test': 'follow-place', onClick: () => void place() }, 'Place and follow'),
  );
}

function OutboxView(): ReactElement {
  renders.outbox++;
  const { entries, loading } = useOutbox();
  return h('ul', { 'data-test': 'outbox', 'data-loading': String(loading) }, ...entries.map((e) => h('li', { key: e.id, 'data-id': e.id }, e.status)));
}

function HealthView(): ReactElement {
  renders.health++;
  const { health, loading } = useSteadyCartHealth();
  return h('p', null, text('health-loading', loading), text('health-storage', health?.storage ?? ''), text('health-endpoints', health?.endpoints.map((e) => e.state).join(',') ?? ''), text('health-drill', health?.drill?.fault ?? 'none'), text('health-replay-error', health?.lastReplayError?.code ?? 'none'));
}

/** A second health consumer (a header badge beside the support panel), mounted on demand. */
function HealthBadge(): ReactElement {
  const { health } = useSteadyCartHealth();
  return h('p', null, text('badge-replay-error', health?.lastReplayError?.code ?? 'none'));
}

/** Every instance a provider handed out, last one last: for tests that act on it directly. */
export const instances: SteadyCart[] = [];

/** The instance itself: an effect subscribed to its `cart` events counts them. */
function EventsView(): ReactElement {
  const { sc, loading } = useSteadyCart();
  const [cartEvents, setCartEvents] = useState(0);
  useEffect(() => void (sc && instances.push(sc)), [sc]);
  useEffect(() => sc?.on('cart', () => setCartEvents((n) => n + 1)), [sc]);
  return h('p', null, text('instance-loading', loading), text('instance-namespace-storage', sc?.health().storage ?? ''), text('instance-cart-events', cartEvents));
}

/** The whole shop under one provider; its health panel can be closed and opened again. */
export function Shop({ options, orderId }: { options: SteadyCartOptions; orderId?: string }): ReactElement {
  const [showHealth, setShowHealth] = useState(true);
  const [showBadge, setShowBadge] = useState(false);
  return h(
    SteadyCartProvider,
    { options },
    h(CartView),
    h(OrderView, { orderId }),
    h(FollowView),
    h(OutboxView),
    h('button', { 'data-test': 'toggle-health', onClick: () => setShowHealth((shown) => !shown) }, 'Health'),
    showHealth ? h(HealthView) : null,
    h('button', { 'data-test': 'toggle-badge', onClick: () => setShowBadge((shown) => !shown) }, 'Badge'),
    showBadge ? h(HealthBadge) : null,
    h(EventsView),
  );
}

/** Mounts the shop (in Strict Mode, as development builds of apps do) and returns its unmount. */
export function mount(container: Element, options: SteadyCartOptions, orderId?: string): () => void {
  const root = createRoot(container);
  root.render(h(StrictMode, null, h(Shop, { options, orderId })));
  return () => root.unmount();
}

/** What a server sends for the shop. */
export const serverHtml = (options: SteadyCartOptions): string => renderToString(h(Shop, { options }));

/** Hydrates server HTML already in `container`; `onRecoverableError` hears any mismatch. */
export function hydrate(container: Element, options: SteadyCartOptions, onRecoverableError: (error: unknown) => void): () => void {
  const root = hydrateRoot(container, h(Shop, { options }), { onRecoverableError });
  return () => root.unmount();
}
