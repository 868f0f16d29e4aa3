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
import type { Health, SteadyCart, SteadyCartOptions } from './types';

export { SteadyCartError, isSteadyCartError, type ErrorCode } from './errors';
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
    onRecovered: () => triggers?.now(),
    onWaiting: () => sw.sync(),
  });
  const { events, storage, outbox, circuits } = core;
  cart = new CartStore(storage, core.channel, events);
  await cart.get();
  await circuits.load(true);
  // The standalone service worker learns its configuration from the page, and keeps it.
  if (options && config.endpoints.length) await storage.put('meta', { id: 'config', value: JSON.parse(JSON.stringify(options)) });
  const sw = registerWorker(config, outbox, (state, reason) => {
    worker = state;
    // Deferred, so that a listener added as soon as createSteadyCart resolves hears it.
    setTimeout(() => events.emit('worker:state', { state, reason }));
  });
  // A new worker waits while an order is in flight; it may take over once none is.
  events.on('order:confirmed', sw.activateWaiting);
  events.on('order:pending', sw.activateWaiting);
  if (config.retentionMs) triggers = startReplayTriggers(outbox);

  const open = <T>(value: T): T => (closed ? fail('CLOSED', 'this steadycart instance is closed') : value);
  return {
    cart: new Proxy(cart, { get: (target, key) => open(Reflect.get(target, key, target)) }),
    outbox: {
      list: () => open(outbox).list(),
      retry: (id) => open(outbox).retry(id),
      discard: (id) => open(outbox).discard(id),
    },
    placeOrder: (order, opts) => open(outbox).place(order, opts),
    health: () => ({
      storage: storage.kind,
      storageError: storage.error,
      worker,
      endpoints: circuits.health(),
      retryTokens: core.budget.tokens,
    }),
    on: (type, listener) => open(events).on(type, listener),
    close() {
      if (closed) return;
      closed = true;
      triggers?.stop();
      core.close();
    },
  };
}
