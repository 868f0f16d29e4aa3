/// <reference path="./workbox-window.d.ts" />
import type { Workbox } from 'workbox-window';
import { onEveryOrder, type Events } from '../events';
import type { Config } from '../options';
import type { Outbox } from '../outbox/outbox';
import type { Health } from '../types';
import { replaySyncTag, SKIP_WAITING } from '../worker-protocol';

let policy: { createScriptURL(url: string): unknown } | undefined;
/** The worker URLs configured on this page: the only ones the policy admits. */
const workerUrls = new Set<string>();
/**
 * The policy's rule. Made out here and passed as a value: the policy lives as long as the page, and a
 * function made inside an instance (as a minifier that inlines functions called once makes it) keeps
 * every variable of the instance's scope, so the instance itself.
 */
const admit = (value: string) => {
  if (!workerUrls.has(value)) throw new TypeError('steadycart only loads its own service worker');
  return value;
};

/**
 * The worker's script URL, through the `steadycart` Trusted Types policy where
 * the browser has Trusted Types and the page's CSP allows that name: the one
 * policy steadycart creates, and it admits only worker URLs the merchant configured.
 */
function scriptUrl(url: string): string {
  workerUrls.add(url);
  try {
    policy ??= (globalThis as { trustedTypes?: { createPolicy(name: string, rules: object): typeof policy } }).trustedTypes!.createPolicy('steadycart', { createScriptURL: admit });
    return policy!.createScriptURL(url) as string;
  } catch {
    // No Trusted Types here, or a CSP that allows other policy names only: the plain URL, refused only where trusted URLs are required.
    return url;
  }
}

/** @internal The page's handle on its service worker, from {@link registerWorker}. */
export interface WorkerHandle {
  /** As `health().worker` reports it. */
  readonly state: Health['worker'];
  /** Asks the browser to wake the worker for a replay when connectivity returns (Background Sync, where it exists). */
  sync(): void;
  /** Stops offering a waiting worker the page (`SKIP_WAITING`): the instance closed. */
  close(): void;
}

/** Least time between two Background Sync registrations of one page. */
const SYNC_GAP_MS = 1000;

/** A registration's Background Sync, where the engine has it. */
type WithSync = ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } };

/**
 * Registers Background Sync `tag` on `reg`, where the engine has it. What waits on a registration that
 * may never settle (no worker controls the page) is this, bound to the tag and made out here: a closure
 * made inside the instance keeps every variable of its scope (a minifier inlining a helper called once
 * makes it there too), so the instance itself, past `close`, for as long as the page.
 */
const registerSync = (tag: string, reg?: WithSync) => reg?.sync?.register(tag).catch(() => {});

/** Asks `sw` to cache `urlsToCache`; bound to them as {@link registerSync} is: workbox-window's `active` may never settle (a page the worker does not control). */
const cacheUrls = (urlsToCache: string[], sw: ServiceWorker) => sw.postMessage({ type: 'CACHE_URLS', payload: { urlsToCache } });

/**
 * @internal The page's side of its service worker. With `serviceWorker`
 * configured, registers that worker with workbox-window, reporting its state
 * through `worker:state`; left out, works with the merchant's own worker,
 * the one that controls this page (`navigator.serviceWorker.ready`), which
 * steadycart neither registers nor reports. Either way the page registers the
 * replay's Background Sync on that worker when an order is left waiting, and
 * lets a waiting new worker take over (`SKIP_WAITING`) only while no order
 * is in flight (checked again whenever an order settles). When registration
 * fails, the page replays by itself and says so. With `serviceWorker: false`
 * the page leaves every worker alone and replays by itself.
 */
export function registerWorker(config: Config, outbox: Outbox, events: Events): WorkerHandle {
  let state: Health['worker'] = 'none';
  const setState = (next: Health['worker'], reason?: string) => {
    state = next;
    events.emit('worker:state', { state, reason });
  };
  let container: ServiceWorkerContainer | undefined;
  try {
    container = navigator.serviceWorker;
  } catch {
    // A frame sandboxed without allow-same-origin throws on the read: no service workers there.
  }
  /** Asks the waiting worker to take over; set once a registration is known. */
  let skipWaiting: (() => void) | undefined;
  let waiting = false;
  let lookAgain: ReturnType<typeof setTimeout> | undefined;
  /**
   * Aborted by `close`. The registration and its workers are the page's, shared by every instance, and
   * outlive this one: their listeners are added with its signal (the controller is read as the options
   * `{ signal }`), and what waits for the registration lets go at close, since it may never settle.
   */
  const closing = new AbortController();
  // A check that fails (storage refusing) leaves the update for the next page.
  const activateWaiting = () =>
    waiting &&
    skipWaiting &&
    outbox.sending().then((busy) => {
      clearTimeout(lookAgain);
      if (!waiting) return;
      // An order's last event comes while its lock is still held: look again once it may be let go.
      if (busy) lookAgain = setTimeout(activateWaiting, 1000);
      else {
        waiting = false;
        skipWaiting!();
      }
    }, () => {});
  // A new worker waits while an order is in flight; it may take over once none is, whatever its outcome.
  onEveryOrder(events, activateWaiting);
  // A closed instance offers nothing: another page, or the next one, lets the update in.
  const offerWaiting = () => {
    waiting = !closing.signal.aborted;
    activateWaiting();
  };

  /** The registration to ask for Background Sync: `undefined` when there is none (it may also never settle: no worker controls the page yet). */
  let registration: Promise<WithSync | undefined> = Promise.resolve() as Promise<undefined>;
  if (config.worker && container) {
    registration = registerConfigured(config, container, setState);
  } else if (config.worker) {
    setState('failed', 'no service workers here');
  } else if (container && config.worker === null) {
    // The merchant's own worker, registered by the merchant's page code: the one that controls this page.
    registration = container.ready;
  }
  // Every update of the registration, watched on the registration itself: workbox-window's `waiting`
  // event comes for one update only once another has come from elsewhere (a second deploy in a long-lived tab).
  void Promise.race([registration, new Promise<void>((done) => (closing.signal.onabort = () => done()))]).then((reg) => {
    if (!reg) return;
    skipWaiting = () => reg.waiting?.postMessage(SKIP_WAITING);
    const installed = (next: ServiceWorker | null) => next?.addEventListener('statechange', () => next.state == 'installed' && reg.active && offerWaiting(), closing);
    reg.addEventListener('updatefound', () => installed(reg.installing), closing);
    installed(reg.installing);
    if (reg.waiting) offerWaiting();
  });
  /** When a sync was last registered, and the registration due once the gap after it ends. */
  let syncedAt = -SYNC_GAP_MS;
  let syncLater: ReturnType<typeof setTimeout> | undefined;
  // Each registration is a write to the browser's worker database, and re-fires a sync that is running: a
  // drain asked once per order (about a sixth of a 1,000-order drain's time in Chromium). Once per gap now,
  // and once more when it ends, so the last order asked for is still covered. (Kept past `close`: what waits
  // still needs it.) The monotonic clock: a wall clock set back would silence the page for as long.
  function sync(): void {
    const wait = syncedAt + SYNC_GAP_MS - performance.now();
    if (wait > 0) {
      syncLater ??= setTimeout(() => {
        syncLater = undefined;
        sync();
      }, wait);
      return;
    }
    syncedAt = performance.now();
    void registration.then(registerSync.bind(null, replaySyncTag(config.namespace)));
  }
  return {
    get state() {
      return state;
    },
    sync,
    close() {
      closing.abort();
      waiting = false;
      clearTimeout(lookAgain);
    },
  };
}

/**
 * The configured worker, registered with workbox-window (loaded only here: a
 * page without a worker, or a server render, never loads it). Resolves with
 * its registration, or `undefined` when registration failed.
 */
async function registerConfigured(config: Config, container: ServiceWorkerContainer, setState: (next: Health['worker'], reason?: string) => void): Promise<WithSync | undefined> {
  const { url, scope, offlineShell } = config.worker as Exclude<Config['worker'], null | false>;
  // The worker reads its namespace and whether to keep the offline shell from its own URL.
  const query = new URLSearchParams();
  if (config.namespace != 'steadycart') query.set('namespace', config.namespace);
  if (offlineShell) query.set('offline', '1');
  const full = String(query) ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url;
  setState('registering');
  try {
    // A page that this very worker (this URL, its shell flag included) controlled as it loaded came
    // through the shell already: only another (a first visit, an older worker) asks it to fetch what
    // it loaded, rather than every page view loading twice. (A URL the browser cannot parse fails here.)
    const throughShell = container.controller?.scriptURL == new URL(full, location.href).href;
    // Its ES2015+ production build: the package's `module` field is the larger ES5 one.
    const { Workbox } = await import('workbox-window/build/workbox-window.prod.mjs');
    // Without a scope, `scope: undefined` is no scope at all: the worker's default.
    const wb = new Workbox(scriptUrl(full), { scope });
    // Typed optional only for a second register() call, which this is not.
    const reg = (await wb.register({ immediate: true }))!;
    // A first visit's worker is still installing: Background Sync refuses a registration with no active worker.
    await activated(reg);
    setState('active');
    // Keep what this page already loaded, so that the very first visit works offline too.
    if (offlineShell && !throughShell) {
      // Documents, scripts, styles and images only (not API calls), each once.
      const assets = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => ['script', 'link', 'css', 'img'].includes(e.initiatorType));
      const urls = [...new Set([location.href.split('#')[0]!, ...assets.map((e) => e.name)])].filter((u) => new URL(u).origin == location.origin);
      void wb.active.then(cacheUrls.bind(null, urls));
    }
    return reg;
  } catch (error) {
    setState('failed', (error as Error).message);
    return undefined;
  }
}

/**
 * Resolves once the registration has an active worker: at once on a return
 * visit (an update waiting behind it changes nothing), after install and
 * activation on the first. Rejects when no worker is left on its way (the
 * first failed to install). It listens to the worker on its way one state
 * change at a time (to the next one, should that one become redundant while
 * another installs), so that nothing of it is left on a worker, which
 * outlives the instance, once it has settled.
 */
function activated(reg: ServiceWorkerRegistration): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const next = reg.installing ?? reg.waiting;
      if (reg.active) resolve();
      else if (next) next.addEventListener('statechange', check, { once: true });
      else reject(new Error('the service worker did not install'));
    };
    check();
  });
}
