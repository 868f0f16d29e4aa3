import { fail } from '../errors';
import { checkListener } from '../events';
import type { Config } from '../options';
import type { Outbox } from '../outbox/outbox';
import { resubmit } from '../outbox/resubmit';
import type { OutboxApi, OutboxEntry } from '../types';
import type { OutboxView } from './outbox-view';

/** An outbox entry id from the caller, or `INVALID_OPTIONS` naming `id`. */
function entryId(value: unknown): string {
  return typeof value == 'string' ? value : fail('INVALID_OPTIONS', 'must be an outbox entry id', 'id');
}

/**
 * @internal The public outbox API over the outbox and its synchronous
 * view. `live` throws `CLOSED` once the instance that owns it is closed.
 */
export function outboxApi(outbox: Outbox, config: Config, view: OutboxView, live: () => void): OutboxApi {
  return {
    // Each entry's `order` is of the type the caller names: the JSON the shop placed, as stored.
    list: async <TOrder>() => (live(), outbox.list() as Promise<OutboxEntry<TOrder>[]>),
    retry: async <TOrder>(id: string) => (live(), outbox.retry(entryId(id)) as Promise<OutboxEntry<TOrder>>),
    async discard(id) {
      live();
      const removed = await outbox.discard(entryId(id));
      view.refresh();
      return removed;
    },
    async resubmit(id, options) {
      live();
      return resubmit(outbox, config, entryId(id), options);
    },
    // Also after close: a framework may read once more while it unmounts.
    snapshot: () => view.snapshot(),
    subscribe: (listener) => {
      live();
      checkListener(listener);
      return view.subscribe(listener);
    },
  };
}
