/**
 * The offline shell's CACHE_URLS message: a malformed URL in the list is
 * skipped, never thrown, and the other URLs are still kept.
 */
import { expect } from 'chai';
import { cleanup, open, uniqueNamespace, until } from '../helpers';

describe('offline shell', () => {
  let scope: string | undefined;
  let cacheName: string | undefined;

  afterEach(async () => {
    await cleanup();
    if (scope) await (await navigator.serviceWorker.getRegistration(scope))?.unregister();
    if (cacheName) await caches.delete(cacheName);
  });

  it('a malformed URL among CACHE_URLS is skipped and the valid ones are cached', async () => {
    const namespace = uniqueNamespace();
    scope = `/test/sw-scope/${namespace}/`;
    cacheName = `${namespace}-shell`;
    const sc = await open({ namespace, serviceWorker: { url: '/dist/steadycart-sw.js', scope, offlineShell: true } });
    await until(() => sc.health().worker == 'active', 'the worker to be active', 10_000);
    const registration = (await navigator.serviceWorker.getRegistration(scope))!;
    const worker = (await until(() => registration.active, 'the worker to activate', 10_000))!;
    const good = `/test/fixtures/blank.html?${namespace}`;
    worker.postMessage({ type: 'CACHE_URLS', payload: { urlsToCache: ['http://[', good] } });
    const cache = await caches.open(cacheName);
    const cached = await until(() => cache.match(good), 'the valid URL to be cached', 10_000);
    expect(cached?.ok).to.equal(true);
  });
});
