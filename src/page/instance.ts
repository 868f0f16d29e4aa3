import { cartApi } from '../cart/api';
import type { CheckoutCart } from '../cart/ordered';
import type { Core } from '../core';
import { fail } from '../errors';
import { checkListener, isEventName, onEveryOrder, type Listener } from '../events';
import { checkPlacement } from '../outbox/placement';
import type { OrderResult, PlaceOrderOptions, SteadyCart } from '../types';
import { endpointHealth } from './health';
import { outboxApi } from './outbox-api';
import type { OutboxView } from './outbox-view';
import type { ReplayTriggers } from './triggers';
import type { WorkerHandle } from './worker';

/** @internal The parts of a page's instance, built and wired by `createSteadyCart`. */
export interface PageParts {
  core: Core;
  cart: CheckoutCart;
  worker: WorkerHandle;
  /** Absent when the outbox is off. */
  triggers?: ReplayTriggers;
  view: OutboxView;
}

/**
 * @internal The public instance over the page's parts. After `close`, every
 * call throws `CLOSED`.
 */
export function steadyCart({ core, cart, worker, triggers, view }: PageParts): SteadyCart {
  let closed = false;
  const live = () => {
    if (closed) fail('CLOSED', 'this steadycart instance is closed');
  };
  /** Orders on their way from this instance, by their bytes: the same bytes again join the call under way (a double-click on Pay). */
  const placing = new Map<string, Promise<OrderResult>>();
  return {
    cart: { ...cartApi(cart, live), removeOrdered: async (id, lines) => (live(), cart.removeOrdered(id, lines)) },
    outbox: outboxApi(core.outbox, core.config, view, live),
    // The confirmed body is the server's JSON, typed as the caller's TResponse says.
    placeOrder: (async (order: object, options?: PlaceOrderOptions) => {
      live();
      const placement = checkPlacement(core.config, order, options);
      let placed = placing.get(placement.body);
      if (!placed) placing.set(placement.body, (placed = core.outbox.place(placement).finally(() => placing.delete(placement.body))));
      return placed;
    }) as SteadyCart['placeOrder'],
    health: () => ({
      storage: core.storage.kind,
      storageError: core.storage.error,
      worker: worker.state,
      endpoints: endpointHealth(core),
      droppedMessages: core.channel.dropped,
      retryTokens: core.budget.tokens,
      replayNeedsPage: core.config.replayNeedsPage,
      lastReplayError: triggers?.lastError,
    }),
    on(type, listener) {
      if (!isEventName(type)) fail('INVALID_OPTIONS', 'is not a steadycart event', 'type');
      checkListener(listener);
      live();
      return type == 'order:*' ? onEveryOrder(core.events, listener as Listener<'order:*'>) : core.events.on(type, listener);
    },
    close() {
      if (closed) return;
      closed = true;
      triggers?.stop();
      view.close();
      worker.close();
      core.close();
    },
  };
}
