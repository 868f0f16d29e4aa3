import { Emitter, onEveryOrder, tell, type Events } from '../events';
import type { Outbox } from '../outbox/outbox';
import type { OrderEvent, OutboxEntry, OutboxSnapshot } from '../types';

/** @internal The synchronous view behind `outbox.snapshot()` and `outbox.subscribe()`. */
export interface OutboxView {
  snapshot(): OutboxSnapshot;
  subscribe(listener: (snapshot: OutboxSnapshot) => void): () => void;
  /** Reads the outbox again (after a change no event announces, such as a discard). */
  refresh(): void;
  close(): void;
}

/** The least time between the end of one read of the outbox and the start of the next. */
const READ_GAP_MS = 250;

/** What a read of an entry shows, beyond its id (its order never changes). */
const shown = (e: OutboxEntry) => JSON.stringify([e.status, e.updatedAt, e.attempts, e.result, e.lastError, e.replacedBy]);

/**
 * @internal One snapshot object, replaced only when an entry changes.
 *
 * Nothing is read until something asks (a page that never does pays
 * nothing). From then on an `order:*` event of any context updates the
 * entry it names at once, and the outbox is read again for what events do
 * not carry (new entries, attempts, times, entries another context removed):
 * one read at a time, and one more when a change came during it or soon
 * after it (`READ_GAP_MS`, or three times the read's own time), whose
 * answer is published instead of the older read's. A replay
 * announces `sending` without storing it, so an entry stored `pending` shows
 * `sending` until its next event, or for twice an order's budget (`budgetMs`)
 * at most: no run lasts longer, and the context that sent it may have died.
 */
export function outboxView(outbox: Outbox, events: Events, budgetMs: number): OutboxView {
  let current: OutboxSnapshot = { entries: [], loaded: false };
  /** The subscribers, as listeners of an emitter's one event: one entry per subscription, and a throw is the subscriber's. */
  const listeners = new Emitter<{ change: OutboxSnapshot }>();
  /** When each entry was last announced `sending`. */
  const sending = new Map<string, number>();
  /** Reads the outbox again once the last announcement may show `pending` again, should no outcome ever come. */
  let recheck: ReturnType<typeof setTimeout> | undefined;
  let off: (() => void) | undefined;
  let closed = false;
  let reading = false;
  let again = false;

  /** Replaces the snapshot when anything in it changed, keeping the objects of unchanged entries. */
  const publish = (entries: OutboxEntry[]) => {
    const before = new Map(current.entries.map((e) => [e.id, e]));
    const next = entries.map((e) => {
      const old = before.get(e.id);
      return old && shown(old) == shown(e) ? old : e;
    });
    if (current.loaded && next.length == before.size && next.every((e, i) => e == current.entries[i])) return;
    current = { entries: next, loaded: true };
    // The listeners of now, as for events: one subscribed by a listener hears the next change, not this one again.
    listeners.emit('change', current);
  };

  const refresh = () => {
    if (!off || closed) return;
    if (reading) return void (again = true);
    reading = true;
    const began = performance.now();
    outbox
      .list()
      // A failed read keeps the last snapshot; the next change reads again. A read a change came during may
      // predate an outcome already shown: the read after it publishes instead. Not the first: through a
      // drain, events come faster than the outbox is read, and the snapshot would stay unloaded till its end.
      .then((entries) => (again && current.loaded) || publish(entries.map((e) => (e.status == 'pending' && sending.get(e.id)! > Date.now() - 2 * budgetMs ? { ...e, status: 'sending' as const } : e))), () => {})
      // The next read waits a little, and a change meanwhile is read then: an outbox of thousands of finished orders
      // (a kiosk's day) read again on every event kept the store and the main thread busy, and new orders waited.
      .finally(() =>
        setTimeout(() => {
          reading = false;
          if (again) {
            again = false;
            refresh();
          }
        }, Math.max(READ_GAP_MS, 3 * (performance.now() - began))),
      );
  };

  const onEvent = (event: OrderEvent) => {
    if (event.status == 'sending') {
      sending.set(event.id, Date.now());
      clearTimeout(recheck);
      recheck = setTimeout(refresh, 2 * budgetMs + 100);
    } else sending.delete(event.id);
    const i = current.entries.findIndex((e) => e.id == event.id);
    if (i >= 0) {
      const next = current.entries.slice();
      next[i] = { ...next[i]!, status: event.status, result: event.result, lastError: event.error };
      publish(next);
    }
    refresh();
  };

  const start = () => {
    if (off || closed) return;
    off = onEveryOrder(events, onEvent);
    refresh();
  };

  return {
    snapshot: () => (start(), current),
    subscribe(listener) {
      // One entry per subscription (the emitter's way): the same function subscribed twice is two subscriptions.
      const unsubscribe = listeners.on('change', listener);
      start();
      tell(listener, current);
      return unsubscribe;
    },
    refresh,
    close() {
      closed = true;
      clearTimeout(recheck);
      off?.();
      listeners.clear();
    },
  };
}
