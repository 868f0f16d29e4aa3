/**
 * steadycart inside a service worker: `import { installSteadyCart } from 'steadycart/sw'`.
 * @packageDocumentation
 */
import { createCore } from '../core';
import { normalizeOptions } from '../options';
import { syncTag } from '../outbox/outbox';
import { Storage } from '../storage';
import type { SteadyCartOptions } from '../types';
import { installShell } from './shell';

export type { SteadyCartOptions } from '../types';

/** Options of {@link installSteadyCart}. */
export interface InstallOptions {
  /**
   * The configuration to replay with. Default: the one the pages stored
   * (`createSteadyCart` keeps its options for the worker), read afresh at
   * every replay so the worker always uses the current endpoints.
   */
  config?: SteadyCartOptions;
  /** Namespace, when the pages use another than `steadycart`. Default: the `namespace` query parameter of the worker's URL. */
  namespace?: string;
  /**
   * Serve same-origin pages and their assets network-first with a cache
   * fallback, so that a reload while offline still shows the shop and its
   * cart. Default: the `offline` query parameter of the worker's URL (set by
   * `serviceWorker: { offlineShell: true }` on the page).
   */
  offlineShell?: boolean;
}

/**
 * Adds steadycart to a service worker: replays the outbox on Background Sync
 * (`sync` events), with the one-replayer lock shared with the pages, and lets
 * the pages activate a waiting update only while no order is in flight.
 *
 * @example
 * ```ts
 * // sw.ts, built by the merchant (for example with Workbox)
 * import { installSteadyCart } from 'steadycart/sw';
 * installSteadyCart(self);
 * ```
 */
export function installSteadyCart(worker: ServiceWorkerGlobalScope, options: InstallOptions = {}): void {
  const query = new URL(worker.location.href).searchParams;
  const namespace = options.namespace ?? query.get('namespace') ?? 'steadycart';
  /** Messages come from this origin's pages; anything else is ignored. */
  const ownPage = (event: ExtendableMessageEvent) => !event.origin || event.origin == worker.location.origin;
  if (options.offlineShell ?? query.has('offline')) installShell(worker, `${namespace}-shell`, ownPage);

  /** Replays everything waiting; resolves with the number still waiting. */
  const replay = async (): Promise<number> => {
    let stored = options.config;
    if (!stored) {
      // Through Storage, whose open is bounded: a blocked database must not hang the sync event.
      const storage = new Storage(namespace, () => {});
      stored = (await storage.get('meta', 'config'))?.value as SteadyCartOptions | undefined;
      storage.close();
    }
    if (!stored) return 0;
    const core = await createCore(normalizeOptions({ ...stored, namespace, serviceWorker: false }));
    core.events.release();
    try {
      // Woken because connectivity returned: ask the endpoints whose circuits opened meanwhile first.
      await core.circuits.load();
      await core.circuits.probeOpen();
      return await core.outbox.replay(true);
    } finally {
      core.close();
    }
  };

  worker.addEventListener('sync', (event) => {
    const sync = event as ExtendableEvent & { tag: string; lastChance: boolean };
    if (sync.tag != syncTag(namespace)) return;
    sync.waitUntil(
      replay().then((waiting) => {
        // Rejecting asks the browser to fire the sync again later, with its own backoff.
        if (waiting && !sync.lastChance) throw new Error(`${waiting} orders still waiting`);
      }),
    );
  });

  worker.addEventListener('message', (event) => {
    if (ownPage(event) && (event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') worker.skipWaiting();
  });

  worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));
}
