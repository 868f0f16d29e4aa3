import { STANDALONE_WORKER } from './build-flags';
import { Channel, isMessage } from './channel';
import { Emitter, SILENT, type Events } from './events';
import type { Config } from './options';
import { Outbox } from './outbox/outbox';
import { OutboxReplay } from './outbox/replay';
import { readIntoMemory, Storage, type MemoryStores, type ToMemory } from './storage';
import { Circuits } from './transport/circuits';
import { HedgingPlacer } from './transport/hedge';
import { Placer } from './transport/place';
import { RetryBudget } from './transport/retry-budget';
import type { OutboxStatus } from './types';

/**
 * @internal Order events heard from another context (a tab, the worker). A page registers the
 * worker's Background Sync for its own sends only: registering it for the worker's sends, while
 * that sync runs, makes the browser fire it again at once, so the worker would resend in a loop.
 */
export const REMOTE_EVENTS = /*#__PURE__*/ new WeakSet<object>();

/** @internal What the caller connects with `Core.start`, once its own objects exist. */
export interface CoreHooks {
  /** Another context changed the cart. */
  onRemoteCart?: () => void;
  /** An endpoint's circuit changed state. */
  onState?: (url: string) => void;
  /** An endpoint recovered after an outage of `outageMs`: waiting orders may go. */
  onRecovered?: (outageMs: number) => void;
  /** An order waits in the outbox, to be replayed later: when it is `due`, or as soon as it may be. */
  onWaiting?: (due: number) => void;
  /** Another context's order reached `status`. */
  onRemoteOrder?: (status: OutboxStatus) => void;
  /** Another context discarded an outbox entry. */
  onRemoteOutbox?: () => void;
}

/** @internal The engine shared by the page and the service worker, with the page's `Outbox` or the worker's `OutboxReplay`. */
export interface Core<O extends OutboxReplay = Outbox> {
  config: Config;
  events: Events;
  storage: Storage;
  channel: Channel;
  circuits: Circuits;
  budget: RetryBudget;
  outbox: O;
  /**
   * Connects `hooks`, then delivers what other contexts said meanwhile (the
   * channel queues it until now) and the events held since creation.
   */
  start(hooks?: CoreHooks): void;
  close(): void;
}

/**
 * @internal A page's engine: its outbox takes new orders, its placer
 * hedges, its events reach the shop's listeners and its storage falls back
 * to memory. See {@link buildCore}.
 */
export const createCore = (config: Config): Promise<Core> => buildCore(Outbox, HedgingPlacer, new Emitter(), config, undefined, (name, db, deleted) => readIntoMemory(name, db).then(doubtCopies(config, deleted)));

/**
 * Other contexts may go on with the database after this page fell back to
 * memory, and send a copied order to a domain this copy never hears of: so
 * each copied order counts as possibly placed in every configured domain,
 * and reaches another only after a lookup there said it is not (invariant 3).
 * Unless the database was deleted (`deleted`: this copy is then the only
 * one), a context still on the database may replay the order from there at
 * any time, with the domains it knows: after an upgrade, a page of the newer
 * build; after a storage failure (a full disk), the service worker, which
 * never falls back, or a tab that has not failed yet. This copy is then only
 * looked up, never sent, which the lookups alone could not make safe (the
 * other copy may go to another domain at any time): the database's copy is
 * placed by that context, or by the next page once storage works again.
 */
const doubtCopies =
  ({ endpoints }: Config, deleted?: boolean) =>
  (memory: MemoryStores): MemoryStores => {
    // A malformed record is left as it is, for the reader's checks to quarantine. (A domain listed twice is harmless.)
    for (const order of memory.all('outbox')) if (Array.isArray(order.domains)) memory.put('outbox', { ...order, domains: [...order.domains, ...endpoints.map((e) => e.domain)], copied: !deleted });
    return memory;
  };

/**
 * @internal The service worker's engine: its outbox only replays (it never
 * places an order), one request at a time, no one hears its events (pages
 * learn of orders through the channel) and its storage has no fall back to
 * memory. See {@link buildCore}.
 */
export const createWorkerCore = (config: Config, opened?: Storage): Promise<Core<OutboxReplay>> => buildCore(OutboxReplay, Placer, SILENT, config, opened);

/**
 * Builds storage, the cross-context channel, circuits, the placer (a
 * `Place`) and the outbox (a `Box`), which emit into `events`, then opens
 * storage and loads the shared circuit state.
 * Nothing calls back into the caller before `start`: channel messages wait
 * in the channel's queue and events are held. A circuit's change of state
 * reaches the hooks only from `start` on: loading the circuits changes none,
 * and a recovery noticed before would be dropped on purpose anyway, since
 * every caller replays at start.
 *
 * `opened` is storage the caller has already used (the worker reads its
 * configuration through it first); otherwise storage is made here, falling
 * back to memory with `toMemory` (see `BaseStorage`).
 */
async function buildCore<O extends OutboxReplay>(
  Box: new (...args: ConstructorParameters<typeof OutboxReplay>) => O,
  Place: typeof Placer,
  events: Events,
  config: Config,
  opened?: Storage,
  toMemory?: ToMemory,
): Promise<Core<O>> {
  // Whatever happens while the instance is being built (storage degrading, a corrupt record) is
  // told to the listeners its caller adds as soon as it has it: see Emitter.release.
  events.hold();
  // The standalone worker always passes its storage in, and connects no hooks.
  const storage = STANDALONE_WORKER ? opened! : (opened ?? new Storage(config.namespace, (reason) => events.emit('storage:degraded', { reason }), toMemory));
  const channel = new Channel(config.namespace, isMessage);
  let hooks: CoreHooks = {};
  // A page restored from the back/forward cache may have missed what other contexts said meanwhile (an engine may
  // keep a page cached through messages on the channel, which then never reach it): the cart and outbox are read again.
  const restored = (event: Event) => (event as Event & { persisted?: boolean }).persisted && (hooks.onRemoteCart?.(), hooks.onRemoteOutbox?.());
  const circuits = new Circuits(config, storage, channel, (url, outageMs) => {
    if (STANDALONE_WORKER) return;
    hooks.onState?.(url);
    if (outageMs != null) hooks.onRecovered?.(outageMs);
  });
  const budget = new RetryBudget(config.tuning.retryTokens, config.tuning.retryTokenRatio);
  const placer: Placer = new Place(config, circuits, budget, events, (record): Promise<void> => outbox.persist(record));
  const outbox = new Box(config, storage, channel, events, circuits, placer, STANDALONE_WORKER ? undefined : (due) => hooks.onWaiting?.(due));
  await storage.ready();
  // A cart-only instance (no endpoints) has no circuit to know: a product page skips the read.
  if (config.endpoints.length) await circuits.load();
  return {
    config,
    events,
    storage,
    channel,
    circuits,
    budget,
    outbox,
    start(connect = {}) {
      hooks = connect;
      if (!STANDALONE_WORKER) addEventListener('pageshow', restored);
      channel.listen((message) => {
        if (message.t == 'endpoint') circuits.onRemote(message.record);
        // (The standalone worker's channel delivers nothing else.)
        else if (STANDALONE_WORKER) return;
        else if (message.t == 'order') {
          REMOTE_EVENTS.add(message.event);
          events.emit(`order:${message.event.status}`, message.event);
          hooks.onRemoteOrder?.(message.event.status);
        } else if (message.t == 'cart') hooks.onRemoteCart?.();
        else hooks.onRemoteOutbox?.();
      });
      events.release();
      // From now on a waiting order is its own probe: a circuit that falls due replays the outbox.
      if (config.retentionMs) circuits.probeWith({ waiting: () => outbox.waiting(), replay: () => outbox.replay(true) });
      // Only now the loaded circuits' timer: one that fell due before this would probe with a health request
      // ahead of a waiting order, which is its own probe.
      circuits.schedule();
    },
    close() {
      if (!STANDALONE_WORKER) removeEventListener('pageshow', restored);
      outbox.close();
      circuits.close();
      channel.close();
      storage.close();
      events.clear();
    },
  };
}
