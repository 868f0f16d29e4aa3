import { STANDALONE_WORKER } from './build-flags';
import type { EndpointRecord } from './storage';
import { STATUSES } from './outbox/statuses';
import { isEndpointRecord, isId, isObject } from './storage/validate';
import type { OrderEvent } from './types';

/** Messages between the tabs and the service worker of one origin. */
export type Message =
  /** The cart changed: read it again. */
  | { t: 'cart' }
  /** An endpoint's circuit or latency changed. */
  | { t: 'endpoint'; record: EndpointRecord }
  /** An order changed state. */
  | { t: 'order'; event: OrderEvent }
  /** The outbox changed in a way no order event tells (an entry was discarded): read it again. */
  | { t: 'outbox' };

/**
 * Shape check of a message from another context: anything malformed is
 * dropped (and counted), never acted on.
 * @internal
 */
export function isMessage(m: unknown): m is Message {
  if (!isObject(m)) return false;
  // The standalone worker acts on circuits only: news of orders, the cart and the outbox is for
  // the pages (their listeners and views), and it drops it unread.
  if (STANDALONE_WORKER) return m.t == 'endpoint' && isEndpointRecord(m.record);
  switch (m.t) {
    case 'endpoint':
      return isEndpointRecord(m.record);
    case 'order': {
      const e = m.event;
      const r = (e as Record<string, unknown> | undefined)?.result as Record<string, unknown> | undefined;
      const x = (e as Record<string, unknown> | undefined)?.error as Record<string, unknown> | undefined;
      return (
        isObject(e) &&
        isId(e.id) &&
        STATUSES.includes(e.status as never) &&
        (r === undefined || (isObject(r) && typeof r.status == 'number' && typeof r.endpoint == 'string')) &&
        (x === undefined || (isObject(x) && typeof x.code == 'string' && typeof x.message == 'string'))
      );
    }
    case 'cart':
    case 'outbox':
      return true;
  }
  return false;
}

/** Messages kept while nothing listens yet (an instance being built); more than this is dropped and counted. */
const EARLY_LIMIT = 256;

/**
 * @internal The origin-wide channel shared by tabs and the service worker.
 * Degrades to a no-op where BroadcastChannel is missing.
 *
 * It hears the other contexts from the moment it is created. Until `listen`
 * connects a handler (once the instance that owns it is built), valid
 * messages are queued on purpose, and delivered in order by `listen`: a
 * circuit another tab opened while this one's storage was still opening is
 * not lost.
 */
export class Channel<M extends { t: string } = Message> {
  private readonly channel?: BroadcastChannel;
  private handler?: (message: M) => void;
  private early: M[] = [];
  private isClosed = false;
  /** Messages dropped: malformed, beyond the start-up queue, or (in the standalone worker) news for pages only. */
  dropped = 0;

  /**
   * `check` is what this context reads off the channel: `isMessage` for the
   * SDK; the cart-only entry reads only news of the cart, so its bundle
   * carries none of the other checks.
   */
  constructor(
    private readonly namespace: string,
    private readonly check: (m: unknown) => m is M,
  ) {
    if (typeof BroadcastChannel == 'function') {
      this.channel = new BroadcastChannel(namespace);
      this.channel.onmessage = ({ data }) => this.receive(data);
    }
  }

  /** Delivers the messages queued so far, then every later one, to `onMessage`. */
  listen(onMessage: (message: M) => void): void {
    this.handler = onMessage;
    const early = this.early;
    this.early = [];
    early.forEach(onMessage);
  }

  post(message: M): void {
    try {
      // After `close`, news of a change begun before it still goes out (a cart change that commits
      // meanwhile, an order's outcome): on a channel of its own, or other tabs would stay stale.
      const once = this.isClosed && new BroadcastChannel(this.namespace);
      (once || this.channel)?.postMessage(message);
      once && once.close();
    } catch {
      // Closed or uncloneable: other tabs catch up from storage on their next read.
    }
  }

  close(): void {
    this.isClosed = !!this.channel;
    this.channel?.close();
    this.early = [];
  }

  private receive(data: unknown): void {
    if (!this.check(data)) this.dropped++;
    else if (this.handler) this.handler(data);
    else if (this.early.length < EARLY_LIMIT) this.early.push(data);
    else this.dropped++;
  }
}
