// @ts-check
/**
 * Offline, end to end in Chromium: with the browser offline a reload still
 * shows the shop and its cart (served by the steadycart worker's offline
 * shell, the cart read from IndexedDB); an order placed offline waits as
 * pending and is placed, once, when the browser is back online.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addToCart, assertOneChargeEach, cartCount, fillCheckout, gotoShop, ledger, sharedBrowser, shot, submitOrder, waitForOfflineShell, withShop } from './helpers.mjs';

const browser = sharedBrowser();

describe('offline', () => {
  it('a reload while offline shows the shop with the cart intact, and an order placed offline is placed once back online', { timeout: 90_000 }, async () => {
    await withShop(browser(), async ({ page, context, demo }) => {
      // First visit, online: the worker installs and keeps the pages this tab loaded.
      await page.goto(demo.checkoutUrl);
      await waitForOfflineShell(page);
      await gotoShop(page, demo.url);
      await waitForOfflineShell(page);
      await addToCart(page, ['mug-oat', 'mug-oat', 'planter-terra']);

      await context.setOffline(true);
      await page.reload();
      await gotoShop(page, demo.url).catch(() => {}); // already there; waits for the catalogue
      await page.locator('[data-cart-count][data-count="3"]').first().waitFor();
      assert.equal(await page.evaluate(() => navigator.onLine), false, 'the page really is offline');
      assert.equal(await cartCount(page), 3, 'the cart survived the offline reload');
      await page.locator('#order-banner [data-offline]').waitFor();
      await shot(page, 'offline-reload');
      await page.click('[data-cart-open]');
      await page.locator('#cart-drawer .line[data-sku="mug-oat"] output').filter({ hasText: '2' }).waitFor();
      await page.keyboard.press('Escape');

      // Checkout while offline: the order is kept, honestly pending.
      await page.click('[data-cart-open]');
      await page.click('#cart-drawer a[href="/checkout"]');
      await fillCheckout(page);
      const result = await submitOrder(page, { timeout: 20_000 });
      assert.equal(result.status, 'pending');
      assert.equal(await cartCount(page), 0);
      assert.equal((await ledger(demo)).charges, 0);
      await shot(page, 'offline-pending');

      // Back online: replayed (by the page or the worker), confirmed in place, charged once.
      await context.setOffline(false);
      await page.locator('#checkout-main .outcome[data-status="confirmed"]').waitFor({ timeout: 45_000 });
      await assertOneChargeEach(demo, [result.key]);
    });
  });
});
