import { Channel } from '../channel';
import { fail } from '../errors';
import { checkListener, Emitter } from '../events';
import { namespaceOption } from '../namespace';
import { BaseStorage } from '../storage/base';
import { readIntoMemory } from '../storage/memory';
import { isObject } from '../storage/validate';
import { cartApi } from './api';
import { CartStore } from './cart';
import type { CartEvents, CartInstance, CartOptions } from './types';

const EVENTS: Array<keyof CartEvents> = ['cart', 'storage:degraded', 'storage:corrupt'];

/**
 * News on the channel as the cart alone reads it: it acts on its own kind,
 * `cart`, which carries nothing, and leaves the rest (circuits, orders) to the
 * full SDK, which checks them; so this bundle carries none of those checks.
 */
const isNews = (m: unknown): m is { t: string } => isObject(m) && typeof m.t == 'string';

/**
 * @internal Throws `NOT_A_BROWSER` where there is no page (a server render,
 * Node): importing an entry is safe there, creating an instance is not.
 */
export function assertBrowser(): void {
  if (typeof document == 'undefined') fail('NOT_A_BROWSER', 'steadycart needs a browser page');
}

/**
 * Opens the shopper's cart without the rest of steadycart: for product and
 * category pages, which need the cart and nothing else (no endpoints, no
 * outbox, no service worker). Same database and channel as
 * `createSteadyCart`, so a change here reaches a checkout page using the full
 * SDK at once, and the other way round. Falls back to memory, and says so in
 * `health()` and a `storage:degraded` event, when IndexedDB is unusable.
 *
 * Rejects with `INVALID_OPTIONS` for a bad `namespace` or any other option, and with
 * `NOT_A_BROWSER` outside a browser page.
 *
 * @example
 * ```ts
 * import { createCart } from 'steadycart/cart';
 * const cart = await createCart();
 * cart.subscribe(({ count }) => (badge.textContent = String(count)));
 * addButton.onclick = () => cart.add({ sku: 'mug-1', name: 'Mug', unitPrice: 1200, currency: 'EUR' });
 * ```
 */
export async function createCart(options: CartOptions = {}): Promise<CartInstance> {
  assertBrowser();
  if (!isObject(options)) fail('INVALID_OPTIONS', 'options must be an object', '');
  // Its one option: a misspelt `namespace` would open another cart than the checkout's, without a word.
  const unknown = Object.keys(options).find((key) => key != 'namespace');
  if (unknown) fail('INVALID_OPTIONS', 'is not an option', unknown);
  const namespace = namespaceOption(options.namespace);

  const events = new Emitter();
  // Storage degrading while the cart opens is told to the listeners added right after: see Emitter.release.
  events.hold();
  const storage = new BaseStorage(namespace, (reason) => events.emit('storage:degraded', { reason }), readIntoMemory);
  const channel = new Channel(namespace, isNews);
  const store = new CartStore(storage, channel, events);
  // Changes other tabs announce while the cart opens are queued by the channel until now, then re-read.
  channel.listen((message) => message.t == 'cart' && store.onRemoteChange());
  // Restored from the back/forward cache, the page may have missed changes other tabs announced meanwhile (core.ts).
  const restored = (event: PageTransitionEvent) => event.persisted && store.onRemoteChange();
  addEventListener('pageshow', restored);
  await store.get();
  events.release();

  let closed = false;
  const live = () => {
    if (closed) fail('CLOSED', 'this cart is closed');
  };
  return {
    ...cartApi(store, live),
    health: () => ({ storage: storage.kind, storageError: storage.error, droppedMessages: channel.dropped }),
    on(type, listener) {
      if (!EVENTS.includes(type)) fail('INVALID_OPTIONS', 'is not a cart event', 'type');
      checkListener(listener);
      live();
      return events.on(type, listener);
    },
    close() {
      if (closed) return;
      closed = true;
      removeEventListener('pageshow', restored);
      channel.close();
      storage.close();
      events.clear();
    },
  };
}
