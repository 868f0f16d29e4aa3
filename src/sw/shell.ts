import { NetworkFirst } from 'workbox-strategies';

/** Answers the offline shell keeps at most. */
const MAX_ENTRIES = 300;

/** What the offline shell keeps: pages, and the scripts, styles and images they load. */
const DESTINATIONS = ['document', 'script', 'style', 'image', 'font', 'manifest'];

/**
 * Keeps a whole answer (200) unless its server said not to store it
 * (`Cache-Control: no-store`: an account page, a server-rendered cart, an
 * order's status) or that it is one user's (`private`, as many frameworks
 * mark every dynamic page), which must not be shown again from the cache,
 * offline or to the next person at the same browser.
 */
const storable = {
  cacheWillUpdate: async ({ response }: { response: Response }) => (response.status == 200 && !response.redirected && !/no-store|private/i.test(response.headers.get('cache-control') ?? '') ? response : null),
  // The shell shares the origin's storage quota with the outbox: it keeps the MAX_ENTRIES answers stored last
  // (a cache lists its entries in the order they were put), never a growing copy of every page and image seen.
  cacheDidUpdate: async ({ cacheName }: { cacheName: string }) => {
    const cache = await caches.open(cacheName);
    await Promise.all((await cache.keys()).slice(0, -MAX_ENTRIES).map((request) => cache.delete(request)));
  },
};

/**
 * @internal The offline shell: same-origin pages and their assets are served
 * network-first (after 3 s without an answer, from the cache), so a reload
 * while offline still shows the shop and its cart. Pages send the URLs they
 * already loaded (`CACHE_URLS`) so that the first visit is covered too.
 */
export function installShell(worker: ServiceWorkerGlobalScope, cacheName: string, ownPage: (event: ExtendableMessageEvent) => boolean): void {
  // ignoreVary: a server that sends `Vary: Origin` (as `vite preview` does) would otherwise keep
  // a page's scripts and styles from matching their cached copies, and an offline reload goes blank.
  const strategy = new NetworkFirst({ cacheName, networkTimeoutSeconds: 3, matchOptions: { ignoreVary: true }, plugins: [storable] });
  /** Whether `url` (relative to the worker) is of this origin; a malformed one is not, and never throws. */
  const sameOrigin = (url: unknown): url is string => {
    try {
      return typeof url == 'string' && new URL(url, worker.location.href).origin == worker.location.origin;
    } catch {
      return false;
    }
  };
  worker.addEventListener('fetch', (event) => {
    const { request } = event;
    if (request.method == 'GET' && sameOrigin(request.url) && DESTINATIONS.includes(request.destination)) {
      event.respondWith(strategy.handle({ event, request }));
    }
  });
  worker.addEventListener('message', (event) => {
    const data = event.data as { type?: unknown; payload?: { urlsToCache?: unknown } } | null;
    const urls = data?.payload?.urlsToCache;
    if (data?.type !== 'CACHE_URLS' || !Array.isArray(urls) || !ownPage(event)) return;
    const own = urls.filter(sameOrigin);
    // One by one, through the strategy (so the same answers are kept; it makes each a Request, same-origin
    // credentials by default): a URL that fails to load, or that Request refuses (one with a user name in
    // it), must not keep the others out.
    const keep = async (url: string) => strategy.handle({ event, request: url });
    event.waitUntil(Promise.all(own.map((url) => keep(url).catch(() => {}))));
  });
}
