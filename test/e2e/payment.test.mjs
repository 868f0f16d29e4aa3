// @ts-check
/**
 * Payment outcomes, end to end in Chromium: a declined card is explained and
 * the cart kept; an order that waited longer than its payment token lives
 * asks for payment again, and paying again places it, charged once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addToCart, assertOneChargeEach, cartCount, fillCheckout, gotoShop, ledger, readyToPay, setFaultInPanel, sharedBrowser, shot, submitOrder, withShop } from './helpers.mjs';

const browser = sharedBrowser();

describe('payment outcomes', () => {
  it('a declined card: the shopper is told nothing was charged, and the cart stays', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await readyToPay(page, demo, ['tote-market']);
      for (const name of ['us', 'eu', 'backup']) await setFaultInPanel(page, name, 'decline');

      const result = await submitOrder(page);
      assert.equal(result.status, 'rejected');
      const message = String(await page.locator('#form-error').textContent());
      assert.match(message, /declined/i);
      assert.match(message, /nothing was charged/i);
      assert.equal(await cartCount(page), 1, 'a refused order leaves the cart as it was');
      assert.equal(await page.locator('#checkout-form').isVisible(), true, 'the shopper can try again');
      await shot(page, 'declined');

      const l = await ledger(demo);
      assert.equal(l.charges, 0);
      assert.equal(l.declines, 1);
      assert.equal(l.duplicates, 0);
    });
  });

  it('a payment token that expires while the order waits: needs-payment, then paying again places it once', { timeout: 90_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await gotoShop(page, demo.url);
      // A short-lived Demo Pay token (the lab offers 30 s; shorter here to keep the test quick).
      await page.evaluate(() => localStorage.setItem('demo:token-lifetime-ms', '1500'));
      await addToCart(page, ['candle-beeswax', 'mug-oat']);
      await page.goto(demo.checkoutUrl);
      await fillCheckout(page);
      for (const name of ['us', 'eu', 'backup']) await setFaultInPanel(page, name, 'refuse');

      const pending = await submitOrder(page, { timeout: 20_000 });
      // Waiting: pending, or sending while a background replay tries again.
      assert.ok(['pending', 'sending'].includes(pending.status), pending.status);
      for (const name of ['us', 'eu', 'backup']) await setFaultInPanel(page, name, 'healthy');

      // The next replay finds the token dead: it only looks the order up (404), never sends it.
      await page.locator('#checkout-main .outcome[data-status="needs-payment"]').waitFor({ timeout: 50_000 });
      assert.match(String(await page.locator('#checkout-main .outcome').textContent()), /nothing was charged/i);
      assert.equal((await ledger(demo)).charges, 0);
      await shot(page, 'needs-payment');

      await page.evaluate(() => localStorage.removeItem('demo:token-lifetime-ms'));
      await page.getByRole('button', { name: 'Confirm payment with Demo Pay' }).click();
      await page.locator('#checkout-main .outcome[data-status="confirmed"]').waitFor({ timeout: 20_000 });
      const key = String(await page.locator('#checkout-main .outcome').getAttribute('data-order-key'));
      assert.notEqual(key, pending.key, 'paying again is a new order with its own key');
      await assertOneChargeEach(demo, [key]);
    });
  });
});
