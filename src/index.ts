/**
 * steadycart: checkout resilience for the web.
 * @packageDocumentation
 */
import { CheckoutCart } from './cart/ordered';
import { assertBrowser } from './cart/create';
import { createCore, REMOTE_EVENTS } from './core';
import { onEveryOrder } from './events';
import { normalizeOptions, storeConfig } from './options';
import { endpointHealth } from './page/health';
import { steadyCart } from './page/instance';
import { INSTRUMENTATION, type Instrumentable } from './page/instrumentation';
import { outboxView } from './page/outbox-view';
import { startReplayTriggers } from './page/triggers';
import { registerWorker } from './page/worker';
import { loadDrill } from './drill/load';
import type { DrillApi } from './drill/types';
import { KEEP_FINISHED_MS } from './outbox/replay';
import { isFinal } from './outbox/statuses';
import type { SteadyCart, SteadyCartOptions } from './types';

export { SteadyCartError, isSteadyCartError, type ErrorCode } from './errors';
export { orderStatusText } from './outbox/status-text';
export type * from './types';
export type * from './drill/types';
export { SKIP_WAITING, isSkipWaiting, replaySyncTag, type SkipWaitingMessage } from './worker-protocol';

/**
 * Creates a steadycart instance in drill mode (docs/drills.md). With
 * `drill: true` written as a literal, the instance is typed with its
 * `drill` API, so `sc.drill.start(...)` compiles without a check; a `drill`
 * typed as `boolean` gets the general signature, where `sc.drill` may be absent.
 *
 * @example
 * ```ts
 * const sc = await createSteadyCart({ endpoints, drill: true }); // staging builds only
 * sc.drill.start({ endpoint: 'https://pay-us.staging.example.com', fault: 'refuse', forMs: 120_000 });
 * ```
 */
export function createSteadyCart(options: SteadyCartOptions & { drill: true }): Promise<SteadyCart & { readonly drill: DrillApi }>;
/**
 * Creates a steadycart instance: opens storage (or degrades to memory),
 * loads the cart and the shared endpoint state, and starts replaying waiting
 * orders. Rejects with `INVALID_OPTIONS` naming the first bad option, and
 * with `NOT_A_BROWSER` outside a browser page (a server render): importing
 * steadycart is safe anywhere, creating an instance is not.
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
export function createSteadyCart(options?: SteadyCartOptions): Promise<SteadyCart>;
export async function createSteadyCart(options?: SteadyCartOptions): Promise<SteadyCart> {
  assertBrowser();
  const config = normalizeOptions(options);
  // Drill mode is its own chunk (a shop that does not ask for it never loads it), loaded before
  // anything starts: should it fail to load, no instance is left running that no one can close.
  const withDrill = config.drill ? await loadDrill() : undefined;
  const core = await createCore(config);
  const { events, outbox, circuits } = core;
  const cart = new CheckoutCart(core.storage, core.channel, events);
  await cart.get();
  // The service worker replays with the pages' configuration, kept normalized, even after they close;
  // not with a page's that keeps no orders (`outbox: false`): the worker would take every order for expired.
  if (config.endpoints.length && config.retentionMs) await storeConfig(core.storage, config);
  // The worker cannot send orders whose headers only a page has: say why such an order waits.
  if (config.replayNeedsPage) events.on('order:pending', ({ id }) => events.emit('replay:needs-page', { id, reason: 'headers' }));
  const worker = registerWorker(config, outbox, events);
  const view = outboxView(outbox, events, config.budgetMs);
  const triggers = config.retentionMs ? startReplayTriggers(outbox, () => circuits.probeOpen(true), (error) => events.emit('replay:error', error)) : undefined;
  core.start({
    onRemoteCart: () => cart.onRemoteChange(),
    onState: (url) => events.emit('endpoint:state', endpointHealth(core).find((h) => h.url == url)!),
    onRecovered: (outageMs) => triggers?.recovered(outageMs),
    // Background Sync where there is a worker, and the page's own timer, so that a waiting order is replayed when due.
    // (An order in flight has its sync too, below: should its tab close before any answer, the worker is woken for it.)
    onWaiting: (due) => {
      worker.sync();
      triggers?.waiting(due);
    },
    // Should the tab that sent or queued it close or crash, this one replays it: checked once its budget is spent.
    onRemoteOrder: (status) => isFinal(status) || triggers?.waiting(Date.now() + config.budgetMs),
    onRemoteOutbox: view.refresh,
  });
  if (config.retentionMs) events.on('order:sending', (event) => REMOTE_EVENTS.has(event) || worker.sync());
  // A finished order is forgotten a day later, by a drain: a page that stays open that long (a kiosk) runs one then.
  onEveryOrder(events, ({ status }) => isFinal(status) && triggers?.waiting(Date.now() + KEEP_FINISHED_MS));
  // A circuit remembered as open is probed once now rather than trusted blindly: the outage may be long over.
  circuits.probeOpen().catch(() => {});
  const sc: SteadyCart & Instrumentable = steadyCart({ core, cart, worker, triggers, view });
  sc[INSTRUMENTATION] = config;
  return withDrill ? withDrill(sc, core) : sc;
}
