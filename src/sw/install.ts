import { STANDALONE_WORKER } from '../build-flags';
import { createWorkerCore, type Core } from '../core';
import { storedConfig, type Config } from '../options';
import type { OutboxReplay } from '../outbox/replay';
import { Storage } from '../storage';
import { sleep } from '../time';
import { isSkipWaiting } from '../worker-protocol';

/**
 * How long a sync may keep replaying while the endpoints are down, from the
 * event's start: Chromium ends a sync event after 3 minutes (and counts it
 * failed), so the wait stops well before, with time left for the runs under way.
 */
const SYNC_WAIT_MS = 120_000;

/** @internal Installs the offline shell (`installShell`, or the standalone worker's loader of it). */
export type ShellInstaller = (worker: ServiceWorkerGlobalScope, cacheName: string, ownPage: (event: ExtendableMessageEvent) => boolean) => void;

/** @internal `installSteadyCart`'s options once normalized. */
export interface WorkerSetup {
  /** The configuration to replay with; default: the one the pages stored, read afresh at every replay. */
  config?: Config;
  /** Default: the `namespace` query parameter of the worker's URL, else `steadycart`. */
  namespace?: string;
  /** Default: whether the worker's URL has the `offline` query parameter. */
  offlineShell?: boolean;
}

/**
 * @internal steadycart in a service worker, for both `installSteadyCart` and
 * the standalone worker: replay on Background Sync, the offline shell, and
 * activation of a waiting update when the pages allow it. The shell comes in
 * through `installShell`, so that the standalone worker can load it only when used.
 */
export function installWorker(worker: ServiceWorkerGlobalScope, installShell: ShellInstaller, setup: WorkerSetup = {}): void {
  const query = new URLSearchParams(worker.location.search);
  const namespace = setup.namespace ?? query.get('namespace') ?? 'steadycart';
  /** Messages come from this origin's pages; anything else is ignored. */
  const ownPage = (event: ExtendableMessageEvent) => !event.origin || event.origin == worker.location.origin;
  if (setup.offlineShell ?? query.has('offline')) installShell(worker, `${namespace}-shell`, ownPage);

  /**
   * Replays everything waiting; resolves with the number still waiting. One
   * database connection per event: the stored configuration is read through
   * the storage the replay then uses (whose open is bounded, so a blocked
   * database does not hang the event).
   */
  const replay = async (ns: string): Promise<number> => {
    const end = Date.now() + SYNC_WAIT_MS;
    const storage = new Storage(ns, () => {});
    let core: Core<OutboxReplay> | undefined;
    try {
      const stored = await storedConfig(storage);
      // A worker's own configuration keeps the pages' retention: an order's age is judged as the
      // pages judge it, so the worker neither expires one they would place nor places one they expired.
      const config = !STANDALONE_WORKER && setup.config && ns == namespace ? { ...setup.config, retentionMs: stored?.retentionMs ?? setup.config.retentionMs } : stored;
      if (!config) return 0;
      core = await createWorkerCore({ ...config, namespace: ns, worker: null }, storage);
      core.start();
      // Ask the endpoints whose circuits are open first (connectivity may have come back). Not as a reconnection,
      // whose intervals start over from their base: a sync comes as well each time a page, online, registers one
      // for an order left waiting, and through an outage every open circuit's interval would start over again.
      await core.circuits.probeOpen();
      // While a page drains (it holds the replay lock), after its drain: should the page close before it
      // is done, what it left goes now. Then every waiting order at once, its backoff ignored, if no page of
      // the worker's is open: the browser fired this sync as the device came online, or its page closed, and
      // none is there to replay on its `online`. An open page asked for it as it sent an order or left one
      // waiting: forced, the order its own replay had just sent would go again at once.
      let waiting = await core.outbox.replay(false, true);
      if (waiting && !(await worker.clients.matchAll()).length) waiting = await core.outbox.replay(true);
      // What still waits goes in this sync if it can, for as long as a sync may run: the browser fires the next
      // one only minutes later. While a circuit is open, the core's circuits replay what waits as each falls due,
      // an order its own probe, and what is due goes too: a circuit's timer that found every waiting order held
      // (a 409's Retry-After) fires no more. Once every circuit has closed again, what still waits goes at once,
      // after the replay under way (closing the core would cut that one short). With every circuit closed, an
      // order left to its own backoff (a 409's Retry-After, a 503 that opened no circuit) goes when due, and one
      // a page is replaying is waited for. Still waiting at the end, this sync stays registered (rejected, retried by the browser).
      const open = () => config.endpoints.some((e) => core!.circuits.circuit(e).state != 'closed');
      for (let wasOpen = open(); waiting && Date.now() < end; wasOpen = open()) {
        await sleep(1000);
        if (open()) waiting = +!!(await core.outbox.waiting());
        if (waiting && open()) waiting = await core.outbox.replay();
        // Asked again after the read: a circuit that closed during it leaves what waits to the replay.
        if (waiting && !open()) waiting = await core.outbox.replay(wasOpen);
      }
      return waiting;
    } finally {
      if (core) core.close();
      else storage.close();
    }
  };

  worker.addEventListener('sync', (event) => {
    const sync = event as ExtendableEvent & { tag: string; lastChance: boolean };
    // Every namespace's: pages of several namespaces on one scope share this worker (its URL names the
    // last one registered), and a tag this worker ignored would count as done and be dropped.
    const [ns, what] = sync.tag.split(':') as [string, string?];
    if (what != 'replay') return; // (replaySyncTag: a namespace has no colon)
    sync.waitUntil(
      replay(ns).then((waiting) => {
        // Rejecting asks the browser to fire the sync again later, with its own backoff.
        if (waiting && !sync.lastChance) throw new Error(`${waiting} waiting`);
      }),
    );
  });

  worker.addEventListener('message', (event) => {
    if (ownPage(event) && isSkipWaiting(event.data)) void worker.skipWaiting();
  });

  worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));
}
