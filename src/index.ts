/**
 * steadycart: checkout resilience for the web.
 * @packageDocumentation
 */
import { CartStore } from './cart/cart';
import { createCore } from './core';
import { fail } from './errors';
import { normalizeOptions } from './options';
import { registerWorker } from './page/worker';
import { startReplayTriggers } from './page/triggers';
import { STATUSES } from './outbox/statuses';
import type { Health, SteadyCart, SteadyCartOptions } from './types';

export { SteadyCartError, isSteadyCartError, type ErrorCode } from './errors';

/** Every event name `on` accepts. */
const EVENTS: string[] = ['cart', 'attempt', 'failover', 'endpoint:state', 'storage:degraded', 'storage:corrupt', 'worker:state'].concat(
  STATUSES.map((s) => `order:${s}`),
);
export type * from './types';

/**
 * Creates a steadycart instance: opens storage (or degrades to memory),
 * loads the cart and the shared endpoint state, and starts replaying waiting
 * orders. Throws `INVALID_OPTIONS` naming the first bad option.
 *
 * @example
 * ```ts
 * const sc = await createSteadyCart({
 *   endpoints: [
 *     { url: 'https://pay-us.example.com', domain: 'main' },
 *     { url: 'https://pay-eu.example.com', domain: 'main' },
 *     { url: 'https://backup.example.com', domain: 'backup' },
 *   ],
 *   serviceWorker: '/steadycart-sw.js',
 * });
 * const result = await sc.placeOrder(order, { paymentTokenExpiresAt });
 * ```
 */
export async function createSteadyCart(options?: SteadyCartOptions): Promise<SteadyCart> {
  const config = normalizeOptions(options);
  let closed = false;
  let worker: Health['worker'] = 'none';
  let cart: CartStore | undefined;
  let triggers: ReturnType<typeof startReplayTriggers> | undefined;
  const core = await createCore(config, {
    onMessage: (message) => message.t == 'cart' && cart?.onRemoteChange(),
    onRecovered: (outageMs) => triggers?.recovered(outageMs),
    onWaiting: () => sw.sync(),
  });
  const { events, storage, outbox, circuits } = core;
  cart = new CartStore(storage, core.channel, events);
  await cart.get();
  await circuits.load();
  // A circuit remembered as open is probed once now rather than trusted blindly: the outage may be long over.
  circuits.probeOpen();
  // The standalone service worker learns its configuration from the page, and keeps it.
  if (options && config.endpoints.length) await storage.put('meta', { id: 'config', value: JSON.parse(JSON.stringify(options)) }, 'relaxed');
  const sw = registerWorker(config, outbox, (state, reason) => {
    worker = state;
    events.emit('worker:state', { state, reason });
  });
  // A new worker waits while an order is in flight; it may take over once none is.
  events.on('order:confirmed', sw.activateWaiting);
  events.on('order:pending', sw.activateWaiting);
  if (config.retentionMs) triggers = startReplayTriggers(outbox, () => circuits.probeOpen());
  events.release();

  const open = <T>(value: T): T => (closed ? fail('CLOSED', 'this steadycart instance is closed') : value);
  const id = (value: unknown) => (typeof value == 'string' ? value : fail('INVALID_OPTIONS', 'must be an outbox entry id', 'id'));
  return {
    cart: {
      get: async () => open(cart!).get(),
      add: async (item) => open(cart!).add(item),
      setQuantity: async (sku, qty) => open(cart!).setQuantity(sku, qty),
      remove: async (sku) => open(cart!).remove(sku),
      clear: async () => open(cart!).clear(),
      subscribe: (listener) => open(cart!).subscribe(listener),
    },
    outbox: {
      list: async () => open(outbox).list(),
      retry: async (entry) => open(outbox).retry(id(entry)),
      discard: async (entry) => open(outbox).discard(id(entry)),
    },
    placeOrder: async (order, opts) => open(outbox).place(order, opts),
    health: () => ({
      storage: storage.kind,
      storageError: storage.error,
      droppedMessages: core.channel.dropped,
      worker,
      endpoints: circuits.health(),
      retryTokens: core.budget.tokens,
    }),
    on(type, listener) {
      if (!EVENTS.includes(type)) fail('INVALID_OPTIONS', 'is not a steadycart event', 'type');
      if (typeof listener != 'function') fail('INVALID_OPTIONS', 'must be a function', 'listener');
      return open(events).on(type, listener);
    },
    close() {
      if (closed) return;
      closed = true;
      triggers?.stop();
      core.close();
    },
  };
}
