import type { EndpointRecord } from './storage';
import { STATUSES } from './outbox/statuses';
import { isEndpointRecord, isObject } from './storage/validate';
import type { OrderEvent } from './types';

/** Messages between the tabs and the service worker of one origin. */
export type Message =
  /** The cart changed: read it again. */
  | { t: 'cart' }
  /** An endpoint's circuit or latency changed. */
  | { t: 'endpoint'; record: EndpointRecord }
  /** An order changed state. */
  | { t: 'order'; event: OrderEvent };

/**
 * Shape check of a message from another context: anything malformed is
 * dropped (and counted), never acted on.
 * @internal
 */
export function isMessage(m: unknown): m is Message {
  if (!isObject(m)) return false;
  switch (m.t) {
    case 'endpoint':
      return isEndpointRecord(m.record);
    case 'order': {
      const e = m.event;
      const r = (e as Record<string, unknown> | undefined)?.result as Record<string, unknown> | undefined;
      const x = (e as Record<string, unknown> | undefined)?.error as Record<string, unknown> | undefined;
      return (
        isObject(e) &&
        typeof e.id == 'string' &&
        /^[\w-]{8,64}$/.test(e.id) &&
        STATUSES.includes(e.status as never) &&
        (r === undefined || (isObject(r) && typeof r.status == 'number' && typeof r.endpoint == 'string')) &&
        (x === undefined || (isObject(x) && typeof x.code == 'string' && typeof x.message == 'string'))
      );
    }
    case 'cart':
      return true;
  }
  return false;
}

/**
 * @internal The origin-wide channel shared by tabs and the service worker.
 * Degrades to a no-op where BroadcastChannel is missing.
 */
export class Channel {
  private readonly channel?: BroadcastChannel;
  /** Messages dropped as malformed. */
  dropped = 0;

  constructor(namespace: string, onMessage: (message: Message) => void) {
    if (typeof BroadcastChannel != 'function') return;
    this.channel = new BroadcastChannel(namespace);
    this.channel.onmessage = ({ data }) => {
      if (isMessage(data)) onMessage(data);
      else this.dropped++;
    };
  }

  post(message: Message): void {
    try {
      this.channel?.postMessage(message);
    } catch {
      // Closed or uncloneable: other tabs catch up from storage on their next read.
    }
  }

  close(): void {
    this.channel?.close();
  }
}
