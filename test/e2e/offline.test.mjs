// @ts-check
/**
 * Offline, end to end in Chromium: with the browser offline a reload still
 * shows the shop and its cart (served by the steadycart worker's offline
 * shell, the cart read from IndexedDB); an order placed offline, at a
 * checkout the tab never opened online, waits as pending and is placed,
 * once, when the browser is back online. The shell
 * also works against a server that sends `Vary: Origin` on every response (as
 * `vite preview` does), with a page built the way Vite builds one.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { describe, it } from 'node:test';
import { addToCart, assertOneChargeEach, cartCount, fillCheckout, goOffline, goOnline, gotoShop, ledger, setDemoFaults, sharedBrowser, shot, submitOrder, until, waitForOfflineShell, withShop } from './helpers.mjs';

const browser = sharedBrowser();

describe('offline', () => {
  it('a reload while offline shows the shop with the cart intact, and an order placed offline (checkout never opened online) is placed once back online', { timeout: 90_000 }, async () => {
    await withShop(browser(), async ({ page, context, demo }) => {
      // First visit, online, on the shop only: the worker installs and keeps the shop, and the
      // shop asks it to keep the checkout too, never opened before going offline.
      await gotoShop(page, demo.url);
      await waitForOfflineShell(page);
      await until(
        () =>
          page.evaluate(async () => {
            const kept = await Promise.all(['/checkout', '/assets/js/checkout-page.js', '/assets/img/throw.svg'].map((path) => caches.match(path)));
            return kept.every(Boolean);
          }),
        { what: 'the offline shell to keep the checkout and its script' },
      );
      await addToCart(page, ['mug-oat', 'mug-oat', 'planter-terra']);

      // The worker too: it must not place the order this test then places while offline.
      await goOffline(context, demo.endpoints[0].url, () => setDemoFaults(demo, 'refuse'));
      await page.reload();
      await gotoShop(page, demo.url).catch(() => {}); // already there; waits for the catalogue
      await page.locator('[data-cart-count][data-count="3"]').first().waitFor();
      assert.equal(await page.evaluate(() => navigator.onLine), false, 'the page really is offline');
      assert.equal(await cartCount(page), 3, 'the cart survived the offline reload');
      await page.locator('#order-banner [data-offline]').waitFor();
      await shot(page, 'offline-reload');
      // Every product image shows, also those below the fold that loaded lazily and only now.
      const images = page.locator('.product-media img');
      assert.equal(await images.count(), 12);
      for (const image of await images.all()) {
        await image.scrollIntoViewIfNeeded();
        await until(() => image.evaluate((img) => img.complete), { what: 'the product image to load' });
        assert.ok(await image.evaluate((img) => img.naturalWidth > 0), `${await image.getAttribute('src')} shows offline`);
      }
      await page.click('[data-cart-open]');
      await page.locator('#cart-drawer .line[data-sku="mug-oat"] output').filter({ hasText: '2' }).waitFor();
      await page.keyboard.press('Escape');

      // Checkout while offline, never opened before: the order is kept, honestly pending.
      await page.click('[data-cart-open]');
      await page.click('#cart-drawer a[href="/checkout"]');
      await fillCheckout(page);
      const result = await submitOrder(page, { timeout: 20_000 });
      assert.equal(result.status, 'pending');
      assert.equal(await cartCount(page), 0);
      assert.equal((await ledger(demo)).charges, 0);
      await shot(page, 'offline-pending');

      // Back online: replayed (by the page or the worker), confirmed in place, charged once.
      await goOnline(context, () => setDemoFaults(demo, 'healthy'));
      await page.locator('#checkout-main .outcome[data-status="confirmed"]').waitFor({ timeout: 45_000 });
      await assertOneChargeEach(demo, [result.key]);
    }, { viewport: { width: 390, height: 844 } });
  });

  it('with Vary: Origin on every response, an offline reload gets the page, its module script and its stylesheet from the shell', { timeout: 60_000 }, async () => {
    const site = await varyOriginSite();
    const context = await browser().newContext();
    try {
      const page = await context.newPage();
      const first = await page.goto(`${site.origin}/shop.html`);
      assert.equal(first?.headers()['vary'], 'Origin');
      await page.waitForFunction(() => document.body.dataset.shop == 'ready');
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      // The page told the worker what it loaded: wait until the shell holds all of it.
      await until(
        () =>
          page.evaluate(async (paths) => {
            const cache = await caches.open('steadycart-shell');
            return (await Promise.all(paths.map((path) => cache.match(path, { ignoreVary: true })))).every(Boolean);
          }, VARY_ASSETS),
        { what: 'the shell to keep the page and its assets' },
      );
      await context.setOffline(true);
      await page.reload();
      // The module script ran (it sets the marker) and the stylesheet applied: both came from the cache.
      await page.waitForFunction(() => document.body.dataset.shop == 'ready', null, { timeout: 15_000 });
      assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(1, 2, 3)');
      assert.equal(await page.evaluate(() => navigator.onLine), false, 'the page really is offline');
    } finally {
      await context.close();
      await site.close();
    }
  });
});

/** What the Vary test's page loads, and the worker must keep. */
const VARY_ASSETS = ['/shop.html', '/shop.css', '/shop.js', '/dist/steadycart.iife.js'];

/** The page, as Vite builds one: a `crossorigin` stylesheet and module script. */
const VARY_FILES = {
  '/shop.html': [
    'text/html',
    `<!doctype html><meta charset="utf-8"><title>Vary shop</title>
<link rel="stylesheet" crossorigin href="/shop.css">
<script src="/dist/steadycart.iife.js"></script>
<script type="module" crossorigin src="/shop.js"></script>
<body>Vary shop</body>`,
  ],
  '/shop.css': ['text/css', 'body { background: rgb(1, 2, 3); }'],
  '/shop.js': [
    'text/javascript',
    `await SteadyCart.createSteadyCart({ serviceWorker: { url: '/dist/steadycart-sw.js', scope: '/', offlineShell: true } });
document.body.dataset.shop = 'ready';`,
  ],
};

/**
 * A site on 127.0.0.1 that sends `Vary: Origin` on every response, as
 * `vite preview` does: the page and its assets above, and dist/ (the SDK and
 * its worker, allowed to control the whole origin).
 */
async function varyOriginSite() {
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const headers = { Vary: 'Origin', 'Service-Worker-Allowed': '/', 'Cache-Control': 'no-cache' };
    const own = VARY_FILES[/** @type {keyof typeof VARY_FILES} */ (path)];
    if (own) return res.writeHead(200, { ...headers, 'Content-Type': own[0] }).end(own[1]);
    if (path == '/dist/steadycart.iife.js' || path == '/dist/steadycart-sw.js' || path == '/dist/steadycart-sw-shell.js') {
      return res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(await readFile(new URL(`../..${path}`, import.meta.url)));
    }
    res.writeHead(404, headers).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve(undefined)))),
  };
}
