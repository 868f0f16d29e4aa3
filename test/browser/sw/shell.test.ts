/**
 * The offline shell's CACHE_URLS message: a malformed URL in the list is
 * skipped, never thrown, and the other URLs are still kept; nothing marked
 * `Cache-Control: no-store` is kept, whether asked for or fetched. The standalone
 * worker loads the shell's script (dist/steadycart-sw-shell.js, next to it)
 * only when its pages use the offline shell. In a merchant's Workbox worker,
 * a file the precache answers is the precache's alone.
 */
import { expect } from 'chai';
import { cleanup, open, sleep, uniqueNamespace, until } from '../helpers';

/** MAX_ENTRIES of src/sw/shell.ts (which imports Workbox modules that do not load in a page as they are). */
const MAX_ENTRIES = 300;

describe('offline shell', () => {
  let scope: string | undefined;
  let cacheName: string | undefined;

  /** A page with the offline shell on the worker at `url`, in a scope of its own, once that worker is active. */
  async function activeShellWorker(url: string) {
    const namespace = uniqueNamespace();
    scope = `/test/sw-scope/${namespace}/`;
    cacheName = `${namespace}-shell`;
    const sc = await open({ namespace, serviceWorker: { url, scope, offlineShell: true } });
    await until(() => sc.health().worker == 'active', 'the worker to be active', 10_000);
    const registration = (await navigator.serviceWorker.getRegistration(scope))!;
    const worker = (await until(() => registration.active, 'the worker to activate', 10_000))!;
    return { namespace, worker, cacheName };
  }

  type ShellTab = Window & { steadycart?: Promise<{ health(): { worker: string }; close(): void }>; workerMessages?: Array<{ type?: string }> };

  /** Loads a tab at `src` with the offline shell on the worker at `workerScope`, recording what it posts to its worker. */
  async function shellTab(src: string, namespace: string, workerScope: string): Promise<{ frame: HTMLIFrameElement; win: ShellTab }> {
    const frame = document.createElement('iframe');
    const options = { namespace, serviceWorker: { url: '/dist/steadycart-sw.js', scope: workerScope, offlineShell: true } };
    frame.src = `${src}?spyWorkerMessages&options=${encodeURIComponent(JSON.stringify(options))}`;
    document.body.append(frame);
    await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    return { frame, win: frame.contentWindow as ShellTab };
  }

  afterEach(async () => {
    await cleanup();
    if (scope) await (await navigator.serviceWorker.getRegistration(scope))?.unregister();
    if (cacheName) await caches.delete(cacheName);
    scope = cacheName = undefined;
  });

  // /test/csp/dist/ serves the worker as built but no shell script beside it: a worker
  // that asked for the shell there could not start.
  for (const offlineShell of [false, true]) {
    it(`the standalone worker ${offlineShell ? 'with' : 'without'} the offline shell, served without its shell script: ${offlineShell ? 'fails to install and is reported failed' : 'never asks for it and runs'}`, async () => {
      const namespace = uniqueNamespace();
      scope = `/test/sw-scope/${namespace}/`;
      const sc = await open({ namespace, serviceWorker: { url: '/test/csp/dist/steadycart-sw.js', scope, offlineShell } });
      const expected = offlineShell ? 'failed' : 'active';
      await until(() => sc.health().worker == expected, `the worker to be ${expected}`, 10_000);
      const registration = await navigator.serviceWorker.getRegistration(scope);
      if (offlineShell) expect(registration?.active ?? null).to.equal(null);
      else await until(() => registration?.active, 'the registration to have its active worker', 10_000);
    });
  }

  // Chromium enforces Trusted Types in the worker: the shell is loaded through the `steadycart`
  // policy where the worker's CSP allows it, and by its plain URL where it allows only other names.
  for (const csp of ['required', 'other']) {
    it(`the standalone worker loads its shell under a worker CSP that ${csp == 'required' ? 'requires Trusted Types and allows the steadycart policy' : 'allows only another policy name'}`, async () => {
      const { namespace, worker, cacheName } = await activeShellWorker(`/test/csp/tt-${csp}/steadycart-sw.js`);
      // The shell runs: it keeps what the page asks it to.
      const url = `/test/fixtures/blank.html?cacheable&${namespace}`;
      worker.postMessage({ type: 'CACHE_URLS', payload: { urlsToCache: [url] } });
      const cached = await until(async () => (await caches.open(cacheName)).match(url), 'the URL to be cached', 10_000);
      expect(cached?.ok).to.equal(true);
    });
  }

  it('only a page its worker did not control as it loaded (the first visit) asks it to keep what it loaded', async () => {
    const { namespace } = await activeShellWorker('/dist/steadycart-sw.js');
    /** The messages a tab at `src`, with the worker at `workerScope`, posted to that worker once it is active there; `sends`: a list is expected. */
    const messagesOf = async (src: string, workerScope: string, sends: boolean) => {
      const { frame, win } = await shellTab(src, namespace, workerScope);
      const instance = await (await until(() => win.steadycart, 'the frame\'s instance', 10_000))!;
      await until(() => instance.health().worker == 'active', 'its worker active', 10_000);
      // The list is posted once the worker has activated, which can come a while after health() says active
      // (from the moment it activates): a first visit's is waited for; a controlled page is given a moment to send one.
      if (sends) await until(() => (win.workerMessages ?? []).some((m) => m?.type == 'CACHE_URLS'), 'the first visit to send CACHE_URLS', 10_000);
      else await sleep(500);
      const controlled = !!frame.contentWindow!.navigator.serviceWorker.controller;
      const types = (win.workerMessages ?? []).map((m) => m?.type);
      instance.close();
      frame.remove();
      return { controlled, types };
    };
    // A first visit: a worker of its own is installed for it, and it sends what it loaded.
    const firstScope = `/test/sw-scope/${namespace}-first/`;
    try {
      expect(await messagesOf('/test/fixtures/tab.html', firstScope, true)).to.deep.equal({ controlled: false, types: ['CACHE_URLS'] });
    } finally {
      await (await navigator.serviceWorker.getRegistration(firstScope))?.unregister();
    }
    // A page of the active worker's scope: loaded through it (and its shell) already.
    expect(await messagesOf(`${scope}tab.html`, scope!, false)).to.deep.equal({ controlled: true, types: [] });
  });

  it('a page loaded under the worker from before the shell was turned on sends what it loaded once the worker with the shell takes over', async () => {
    // The shop's worker so far: no offline shell.
    const namespace = uniqueNamespace();
    scope = `/test/sw-scope/${namespace}/`;
    cacheName = `${namespace}-shell`;
    const before = await open({ namespace, serviceWorker: { url: '/dist/steadycart-sw.js', scope } });
    await until(() => before.health().worker == 'active', 'the worker without the shell to be active', 10_000);
    before.close();
    // A page of its scope, loaded under it, with offlineShell turned on.
    const { frame, win } = await shellTab(`${scope}tab.html`, namespace, scope);
    const loadedUnder = win.navigator.serviceWorker.controller?.scriptURL ?? '';
    expect(new URL(loadedUnder).search, 'loaded under the worker without the shell').to.equal(`?namespace=${namespace}`);
    const instance = await (await until(() => win.steadycart, 'the frame\'s instance', 10_000))!;
    try {
      // The worker with the shell installs, takes over (no order is in flight), and is sent the list.
      await until(() => (win.workerMessages ?? []).some((m) => m?.type == 'CACHE_URLS'), 'CACHE_URLS', 15_000);
    } finally {
      instance.close();
      frame.remove();
    }
  });

  it('a malformed or credentialed URL among CACHE_URLS is skipped and the valid ones are cached', async () => {
    const { namespace, worker, cacheName } = await activeShellWorker('/dist/steadycart-sw.js');
    const good = `/test/fixtures/blank.html?cacheable&${namespace}`;
    // Request refuses a URL with a user name in it, though its origin is this one.
    const credentialed = `${location.protocol}//user:pw@${location.host}/test/fixtures/blank.html?cacheable`;
    worker.postMessage({ type: 'CACHE_URLS', payload: { urlsToCache: ['http://[', credentialed, good] } });
    const cache = await caches.open(cacheName);
    const cached = await until(() => cache.match(good), 'the valid URL to be cached', 10_000);
    expect(cached?.ok).to.equal(true);
  });

  it(`keeps the ${MAX_ENTRIES} answers stored last, not every page and asset ever seen: it shares the quota with the outbox`, async function () {
    // 360 pages through the worker, each stored, and the cache trimmed after each: seconds on a loaded machine.
    this.timeout(120_000);
    const { namespace, worker, cacheName } = await activeShellWorker('/dist/steadycart-sw.js');
    const cache = await caches.open(cacheName);
    const url = (i: number) => `/test/fixtures/blank.html?cacheable&${namespace}&page=${i}`;
    /** Whether every URL is kept, asked one by one (the first missing one ends it). */
    const allKept = async (urls: string[]) => {
      for (const u of urls) if (!(await cache.match(u))) return false;
      return true;
    };
    const chunk = 90;
    // Pages asked for in chunks, each cached whole before the next: the last ones are the newest.
    for (let from = 0; from < MAX_ENTRIES + chunk; from += chunk) {
      const urls = Array.from({ length: chunk }, (_, i) => url(from + i));
      worker.postMessage({ type: 'CACHE_URLS', payload: { urlsToCache: urls } });
      await until(() => allKept(urls), `pages ${from} to ${from + chunk - 1} to be kept`, 60_000);
    }
    await until(async () => (await cache.keys()).length <= MAX_ENTRIES, `at most ${MAX_ENTRIES} entries`, 20_000);
    expect(await cache.match(url(0)), 'the oldest page is let go').to.equal(undefined);
    expect(await cache.match(url(MAX_ENTRIES + chunk - 1)), 'the newest page is kept').to.be.ok;
  });

  it('keeps nothing its server marked no-store or private (an account page, an order status), asked for or fetched through it; a cacheable page is kept', async () => {
    const { namespace, worker, cacheName } = await activeShellWorker('/dist/steadycart-sw.js');
    // This harness serves test pages with Cache-Control: no-store, with no-cache under ?cacheable, and
    // `max-age=0, private, must-revalidate` (a framework's default for a dynamic page) under ?private.
    const personal = `/test/fixtures/blank.html?${namespace}`;
    const onePersons = `/test/fixtures/blank.html?private&${namespace}`;
    const shell = `/test/fixtures/blank.html?cacheable&${namespace}`;
    // The private page first: once the cacheable one is kept, the private one has had its turn.
    worker.postMessage({ type: 'CACHE_URLS', payload: { urlsToCache: [onePersons, personal, shell] } });
    const cache = await caches.open(cacheName);
    await until(() => cache.match(shell), 'the cacheable page to be kept', 10_000);
    // A page of the scope, fetched through the shell as a document.
    const frame = document.createElement('iframe');
    frame.src = `${scope}tab.html?options=${encodeURIComponent(JSON.stringify({ namespace }))}`;
    document.body.append(frame);
    await until(() => frame.contentDocument?.readyState == 'complete' && frame.contentWindow?.location.pathname.endsWith('/tab.html'), 'the page to load', 10_000);
    // Its instance lets go of the database first (a removed frame's connection can outlive it, and block cleanup's deletion).
    (await (frame.contentWindow as Window & { steadycart: Promise<{ close(): void }> }).steadycart).close();
    frame.remove();
    // (A status, not the Response: a failed assertion on the Response itself never reached the runner.)
    expect((await cache.match(personal))?.status, 'asked for').to.equal(undefined);
    expect((await cache.match(onePersons))?.status, 'private, asked for').to.equal(undefined);
    expect((await cache.match(frame.src))?.status, 'fetched').to.equal(undefined);
    // Of what this harness serves no-store (test/), only the cacheable page; the sources (src/, cacheable) the frame loaded are kept.
    const kept = (await cache.keys()).map((r) => new URL(r.url).pathname);
    expect(kept.filter((path) => path.startsWith('/test/'))).to.deep.equal(['/test/fixtures/blank.html']);
    expect(kept).to.include('/src/index.ts');
  });

  it('keeps nothing asked for that answered by a redirect: a navigation cannot be answered with a redirected response', async () => {
    const { namespace, worker, cacheName } = await activeShellWorker('/dist/steadycart-sw.js');
    // A page whose URL now redirects (a session that ended, a one-time URL) to a page the shell may keep.
    const target = `/test/fixtures/blank.html?cacheable&${namespace}`;
    const moved = `/test/fixtures/redirect?to=${encodeURIComponent(target)}&${namespace}`;
    const control = `/test/fixtures/blank.html?cacheable&control&${namespace}`;
    worker.postMessage({ type: 'CACHE_URLS', payload: { urlsToCache: [moved, control] } });
    const cache = await caches.open(cacheName);
    await until(() => cache.match(control), 'the page that did not move to be kept', 10_000);
    // Kept under its URL, the redirected answer would be served to an offline (or slow, after 3 s) reload of
    // that URL, which the browser refuses to show for a navigation: an error page instead of the network's answer.
    // Both go in one event, side by side: the redirected one is given a second more to be written, were it kept.
    await sleep(1000);
    expect((await cache.match(moved))?.status, 'the redirected page').to.equal(undefined);
  });

  it("in a merchant's Workbox worker, a file precacheAndRoute answers (before installSteadyCart) is the precache's alone: the shell neither fetches it again nor throws", async () => {
    const namespace = uniqueNamespace();
    scope = `/test/sw-scope/${namespace}/`;
    cacheName = `${namespace}-shell`;
    const precached = `/test/fixtures/blank.html?cacheable&precached&${namespace}`;
    const other = `/test/fixtures/blank.html?cacheable&shell&${namespace}`;
    // precacheAndRoute first, then installSteadyCart(self, { offlineShell: true }), as docs/service-worker.md shows.
    const registration = await navigator.serviceWorker.register(`/test/fixtures/precache-shell-sw.js?namespace=${namespace}&precache=${encodeURIComponent(precached)}`, { scope });
    const worker = (await until(() => (registration.active?.state == 'activated' ? registration.active : undefined), 'the worker to activate', 10_000))!;
    const frame = document.createElement('iframe');
    frame.src = `${scope}tab.html`;
    document.body.append(frame);
    await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    const tab = frame.contentWindow!;
    await until(() => tab.navigator.serviceWorker.controller, 'the worker to control the tab', 10_000);
    try {
      // Two image loads through the worker (neither decodes as an image: only the requests matter).
      for (const url of [precached, other]) {
        const img = tab.document.createElement('img');
        await new Promise((resolve) => {
          img.onload = img.onerror = resolve;
          img.src = url;
        });
      }
      // The shell keeps what no route before it took...
      const shell = await caches.open(cacheName);
      await until(() => shell.match(other), 'the shell to keep what it answered', 10_000);
      await sleep(300);
      // ...and never saw the precached file (the precache's respondWith ends the event), nor fetched it for its cache.
      expect(await shell.match(precached)).to.equal(undefined);
      const { port1, port2 } = new MessageChannel();
      const errors = new Promise<string[]>((resolve) => (port1.onmessage = ({ data }) => resolve(data as string[])));
      worker.postMessage({ type: '__errors__' }, [port2]);
      expect(await errors, 'errors thrown in the worker').to.deep.equal([]);
    } finally {
      frame.remove();
      for (const name of await caches.keys()) if (name.includes('precache')) await caches.delete(name);
    }
  });
});
