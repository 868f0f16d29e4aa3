// @ts-check
/**
 * A page restored from the back/forward cache shows the cart as stored now,
 * in Chromium with its back/forward cache on (playwright turns it off by
 * default). Chromium drops a cached page when a message reaches its
 * BroadcastChannel, so these tests change the cart the way such a message
 * can be missed: a same-origin page writes the record straight into
 * IndexedDB, and announces nothing. The restored page must read it again on
 * `pageshow`, both with the full SDK and with the cart alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WAIT_MS, ensureBuilt, launchBrowser } from './helpers.mjs';
import { sdkPageUrl, sharedSite } from './sdk-page.mjs';

const ITEM = { sku: 'mug-1', name: 'Mug', unitPrice: 1200, currency: 'EUR', qty: 1 };

describe('a page restored from the back/forward cache', () => {
  const site = sharedSite();
  /** @type {import('playwright-core').Browser} */
  let browser;
  before(async () => {
    ensureBuilt();
    browser = await launchBrowser({ ignoreDefaultArgs: ['--disable-back-forward-cache'] });
  });
  after(() => browser?.close());

  /**
   * Opens `url`, puts one mug in the cart through `api` (a path on window), leaves for a blank page of the
   * origin that stores a cart of three mugs straight into IndexedDB, and comes back. Resolves with the
   * restored page and whether it came from the cache.
   * @param {string} url
   * @param {'sc.cart' | 'cart'} api
   */
  async function leaveChangeAndComeBack(url, api) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction((api) => api.split('.').reduce((o, k) => o?.[k], /** @type {any} */ (window)), api, { timeout: WAIT_MS });
    await page.evaluate(({ api, item }) => api.split('.').reduce((o, k) => o[k], /** @type {any} */ (window)).add(item), { api, item: ITEM });
    await page.evaluate(() => (/** @type {any} */ (window).cachedMarker = true));
    await page.goto(`${site().origin}/test/fixtures/blank.html`);
    // Another tab of an engine that kept the page cached through its message: the change is stored, unannounced.
    await page.evaluate(
      (item) =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open('steadycart');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction('cart', 'readwrite');
            const store = tx.objectStore('cart');
            const read = store.get('cart');
            read.onsuccess = () => store.put({ ...read.result, items: [{ ...item, qty: 3 }], rev: read.result.rev + 1, updatedAt: Date.now() });
            tx.oncomplete = () => (db.close(), resolve(undefined));
            tx.onerror = () => reject(tx.error);
          };
        }),
      ITEM,
    );
    await page.goBack({ waitUntil: 'commit' });
    const cached = await page.evaluate(() => /** @type {any} */ (window).cachedMarker === true);
    return { page, context, cached };
  }

  it('with the full SDK: the cart is read again, its snapshot and subscribers told', { timeout: 60_000 }, async () => {
    const { page, context, cached } = await leaveChangeAndComeBack(sdkPageUrl(site().origin, {}), 'sc.cart');
    try {
      assert.ok(cached, 'the page came back from the back/forward cache (else this proves nothing)');
      // Before, the restored page went on showing the one mug it had when it left.
      await page.waitForFunction(() => /** @type {any} */ (window).sc.cart.snapshot().count == 3, undefined, { timeout: WAIT_MS });
    } finally {
      await context.close();
    }
  });

  it('with steadycart/cart alone: the cart is read again, its subscribers told', { timeout: 60_000 }, async () => {
    const { page, context, cached } = await leaveChangeAndComeBack(`${site().origin}/test/fixtures/cart-page.html`, 'cart');
    try {
      assert.ok(cached, 'the page came back from the back/forward cache (else this proves nothing)');
      await page.waitForFunction(() => /** @type {any} */ (window).counts.at(-1) == 3, undefined, { timeout: WAIT_MS });
      assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).counts), [0, 1, 3]);
    } finally {
      await context.close();
    }
  });
});
