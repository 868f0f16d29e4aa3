import { fail } from '../errors';
import type { Outbox } from '../outbox/outbox';
import type { OutboxApi } from '../types';

/** An outbox entry id from the caller, or `INVALID_OPTIONS` naming `id`. */
function entryId(value: unknown): string {
  return typeof value == 'string' ? value : fail('INVALID_OPTIONS', 'must be an outbox entry id', 'id');
}

/**
 * @internal The public outbox API over the outbox. `live` throws `CLOSED`
 * once the instance that owns it is closed.
 */
export function outboxApi(outbox: Outbox, live: () => void): OutboxApi {
  return {
    list: async () => (live(), outbox.list()),
    retry: async (id) => (live(), outbox.retry(entryId(id))),
    discard: async (id) => (live(), outbox.discard(entryId(id))),
  };
}
