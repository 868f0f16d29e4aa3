import { fail } from './errors';
import { STATUSES } from './outbox/statuses';
import type { OrderEvent, OutboxStatus, SteadyCartEvents } from './types';

/** The events other than `order:*`. */
const NAMED = ['cart', 'attempt', 'failover', 'endpoint:state', 'storage:degraded', 'storage:corrupt', 'worker:state', 'replay:error', 'drill', 'replay:needs-page'] as const satisfies ReadonlyArray<keyof SteadyCartEvents>;
/** An event of the map that is neither `order:` nor in {@link NAMED}: the check below makes the compiler insist there is none. */
type Unlisted = Exclude<Exclude<keyof SteadyCartEvents, `order:${string}`>, (typeof NAMED)[number]>;
// A compile-time check only (the minifier drops it).
const everyEventListed: [Unlisted] extends [never] ? true : Unlisted = true;

/** The wildcard that hears every `order:` event. */
const ORDER_ANY = 'order:*';

/**
 * @internal Subscribes `listener` to every `order:` event, which is what
 * `on('order:*')` means (the emitter itself knows no wildcard, so the cart
 * alone does not carry one); returns the unsubscribe function.
 */
export function onEveryOrder(events: Events, listener: (event: OrderEvent) => void): () => void {
  const offs = STATUSES.map((status) => events.on<`order:${OutboxStatus}`>(`order:${status}`, listener));
  return () => offs.forEach((off) => off());
}

/** @internal Whether `type` names an event of {@link SteadyCartEvents}: one above, `order:` with an outbox status, or `order:*`. */
export const isEventName = (type: unknown): type is keyof SteadyCartEvents =>
  typeof type == 'string' && ((NAMED as readonly string[]).includes(type) || type == ORDER_ANY || STATUSES.some((status) => type == `order:${status}`));

/**
 * @internal Calls a shop's `listener` with `detail`. A shop's bug in a listener
 * must stop neither the checkout nor the other listeners: what it throws is
 * surfaced asynchronously, as an uncaught error of the page.
 */
export function tell<T>(listener: (detail: T) => void, detail: T): void {
  try {
    listener(detail);
  } catch (error) {
    setTimeout(() => {
      throw error;
    });
  }
}

/** @internal Throws `INVALID_OPTIONS` unless a shop's `listener` is a function. */
export function checkListener(listener: unknown): void {
  if (typeof listener != 'function') fail('INVALID_OPTIONS', 'must be a function', 'listener');
}

/** A listener of event `K`. */
export type Listener<K extends keyof SteadyCartEvents> = (detail: SteadyCartEvents[K]) => void;

/**
 * @internal A typed event emitter of the events of `E` (default: steadycart's
 * own); a throwing listener never breaks the emitter or the checkout.
 */
export class Emitter<E extends object = SteadyCartEvents> {
  private readonly listeners = new Map<keyof E, Set<(detail: never) => void>>();

  on<K extends keyof E>(type: K, listener: (detail: E[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    // One entry per subscription: the same function subscribed twice is two subscriptions.
    const entry = (detail: never) => (listener as (detail: never) => void)(detail);
    set.add(entry);
    return () => set!.delete(entry);
  }

  /** Events emitted while the instance is being created, delivered once it has been handed out. */
  private queued: Array<() => void> | null = null;

  /** Keeps events back until `release`. */
  hold(): void {
    this.queued ??= [];
  }

  /** Delivers what was held in the next task: after `await createSteadyCart()` has resumed its caller, who may subscribe. */
  release(): void {
    const queued = this.queued;
    this.queued = null;
    if (queued?.length) setTimeout(() => queued.forEach((deliver) => deliver()));
  }

  emit<K extends keyof E>(type: K, detail: E[K]): void {
    if (this.queued) {
      // A cart read while the instance is built is no change to its caller, who reads it with
      // subscribe or snapshot; delivered later, it could be older than the cart by then.
      if (type != 'cart') this.queued.push(() => this.emit(type, detail));
      return;
    }
    // The listeners of now: one subscribed by a listener hears the next event, not this one again.
    const set = this.listeners.get(type);
    if (set) for (const listener of [...set]) if (set.has(listener)) tell(listener as (detail: E[K]) => void, detail);
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** @internal What the engine's parts emit into: the page's {@link Emitter}, or the service worker's {@link SILENT}. */
export type Events = Pick<Emitter, 'on' | 'emit' | 'hold' | 'release' | 'clear'>;

/** @internal The service worker's events, which no one hears: its pages learn of orders through the channel. */
export const SILENT: Events = { on: () => () => {}, emit() {}, hold() {}, release() {}, clear() {} };
