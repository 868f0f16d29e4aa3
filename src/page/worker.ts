import type { Workbox } from 'workbox-window';
import type { Emitter } from '../events';
import type { Config } from '../options';
import { syncTag, type Outbox } from '../outbox/outbox';
import type { Health } from '../types';

let policy: { createScriptURL(url: string): unknown } | undefined;
/** The worker URLs configured on this page: the only ones the policy admits. */
const workerUrls = new Set<string>();

/**
 * The worker's script URL, through the `steadycart` Trusted Types policy where
 * the browser has Trusted Types: the one policy steadycart creates, and it
 * admits only worker URLs the merchant configured.
 */
function scriptUrl(url: string): string {
  const tt = (globalThis as { trustedTypes?: { createPolicy(name: string, rules: object): typeof policy } }).trustedTypes;
  if (!tt) return url;
  workerUrls.add(url);
  policy ??= tt.createPolicy('steadycart', {
    createScriptURL: (value: string) => {
      if (!workerUrls.has(value)) throw new TypeError('steadycart only loads its own service worker');
      return value;
    },
  });
  return policy!.createScriptURL(url) as string;
}

/** @internal The page's handle on its service worker, from {@link registerWorker}. */
export interface WorkerHandle {
  /** As `health().worker` reports it. */
  readonly state: Health['worker'];
  /** Asks the browser to wake the worker for a replay when connectivity returns (Background Sync, where it exists). */
  sync(): void;
}

/**
 * @internal Registers the service worker with workbox-window, reporting its
 * state through `worker:state`. A waiting new worker is activated only while
 * no order is in flight (checked again whenever an order settles); when
 * registration fails, the page replays by itself and says so.
 */
export function registerWorker(config: Config, outbox: Outbox, events: Emitter): WorkerHandle {
  let state: Health['worker'] = 'none';
  const setState = (next: Health['worker'], reason?: string) => {
    state = next;
    events.emit('worker:state', { state, reason });
  };
  let registration: ServiceWorkerRegistration | undefined;
  let wb: Workbox | undefined;
  let waiting = false;
  const activateWaiting = async () => {
    if (waiting && !(await outbox.sending())) {
      waiting = false;
      wb!.messageSkipWaiting();
    }
  };
  // A new worker waits while an order is in flight; it may take over once none is.
  events.on('order:confirmed', activateWaiting);
  events.on('order:pending', activateWaiting);
  if (config.worker && typeof navigator != 'undefined' && navigator.serviceWorker) {
    const { url, scope, offlineShell } = config.worker;
    // The worker reads its namespace and whether to keep the offline shell from its own URL.
    const query = new URLSearchParams();
    if (config.namespace != 'steadycart') query.set('namespace', config.namespace);
    if (offlineShell) query.set('offline', '1');
    const full = String(query) ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url;
    setState('registering');
    // workbox-window is loaded only here: a page without a worker (or a server render) never loads it.
    void (async () => {
    try {
      const { Workbox } = await import('workbox-window');
      wb = new Workbox(scriptUrl(full), scope ? { scope } : {});
      wb.addEventListener('waiting', () => {
        waiting = true;
        activateWaiting();
      });
      wb.register({ immediate: true }).then(
        (reg) => {
          registration = reg;
          setState('active');
          // Keep what this page already loaded, so that the very first visit works offline too.
          if (offlineShell) {
            // Documents, scripts, styles and images only (not API calls), each once.
            const assets = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => ['script', 'link', 'css', 'img'].includes(e.initiatorType));
            const urls = [...new Set([location.href.split('#')[0]!, ...assets.map((e) => e.name)])].filter((u) => new URL(u).origin == location.origin);
            wb!.active.then((sw) => sw.postMessage({ type: 'CACHE_URLS', payload: { urlsToCache: urls } }));
          }
        },
        (error: Error) => setState('failed', error.message),
      );
    } catch (error) {
      setState('failed', (error as Error).message);
    }
    })();
  } else if (config.worker) {
    setState('failed', 'service workers are not available here');
  }
  return {
    get state() {
      return state;
    },
    sync() {
      (registration as { sync?: { register(tag: string): Promise<void> } } | undefined)?.sync?.register(syncTag(config.namespace)).catch(() => {});
    },
  };
}
