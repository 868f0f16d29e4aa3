// @ts-check
/**
 * Outages, end to end in Chromium, with faults switched through the demo's
 * fault panel: a refusing region fails over to the other region; a response
 * dropped after commit is charged once; a total outage leaves the order
 * pending, never shown as confirmed (its retries leave the keyboard focus
 * where it was), and confirms it in place on recovery; a reload while an
 * order is being sent, or a tab closed then and the checkout opened again
 * in a new one, follows that order, and Place order cannot charge the cart
 * a second time; an order that waited, then failed, is never said to be
 * worth trying again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertOneChargeEach, cartCount, fillCheckout, gotoShop, ledger, outboxEntries, outcomeOf, readyToPay, setDemoFaults, setFaultInPanel, sharedBrowser, shot, submitOrder, tallShot, until, withShop } from './helpers.mjs';

const browser = sharedBrowser();

/** A tab's outbox entries: each one's key and status. */
const outbox = async (/** @type {import('playwright-core').Page} */ tab) => (await outboxEntries(tab)).map((e) => ({ key: e.id, status: e.status }));

describe('failover and outages', () => {
  it('us refusing connections: the order is confirmed via eu and the dashboard shows the failover', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await readyToPay(page, demo, ['pour-over', 'beans-harbor']);
      await setFaultInPanel(page, 'us', 'refuse');
      await shot(page.locator('section[aria-labelledby="lab-endpoints"]'), 'fault-panel');

      const result = await submitOrder(page);
      assert.equal(result.status, 'confirmed');
      assert.match(result.orderId, /^ord_\d+$/);

      // The dashboard: a failover us → eu in the event log, and the us circuit open.
      await page.locator('#lab .log li[data-type="failover"]').filter({ hasText: 'us → eu' }).waitFor();
      await page.locator('#lab .endpoint[data-endpoint="us"][data-state="open"]').waitFor();
      await page.locator('#lab .stat.charges dd').filter({ hasText: /^1$/ }).waitFor();
      await tallShot(page, 'dashboard-failover');

      const l = await assertOneChargeEach(demo, [result.key]);
      assert.equal(l.orders[0].endpoint, 'eu', 'the order was charged in the eu region');
    });
  });

  it('commit-then-drop on us: the order is confirmed and charged exactly once', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await readyToPay(page, demo, ['board-walnut']);
      await setFaultInPanel(page, 'us', 'commit-drop');

      const first = await submitOrder(page, { timeout: 20_000 });
      // The server committed but the browser never heard: the SDK must find out, not guess.
      assert.ok(['confirmed', 'pending'].includes(first.status), `unexpected ${first.status}`);
      await page.locator('#checkout-main .outcome[data-status="confirmed"]').waitFor({ timeout: 30_000 });
      const { key, orderId } = await outcomeOf(page);
      assert.equal(key, first.key);
      assert.match(orderId, /^ord_\d+$/);

      // The drop really happened (the fault reached the SDK), and still one charge.
      const requests = await (await fetch(`${demo.backendUrl}/requests`)).json();
      assert.ok(requests.some((r) => r.endpoint == 'us' && r.key == key && r.status == 'dropped'), 'the us answer was dropped after commit');
      const l = await assertOneChargeEach(demo, [key]);
      assert.equal(l.orders[0].endpoint, 'us', 'charged where it was committed, never again elsewhere');
      await page.locator('#lab .stat.dup dd').filter({ hasText: /^0$/ }).waitFor();
      // On the stores `npm start` runs: the stored outcome that answers the resend in eu comes from PGlite.
    }, undefined, { pglite: true });
  });

  it('every endpoint down: the shopper sees pending (never confirmed), then recovery confirms it in place', { timeout: 150_000 }, async () => {
    await withShop(browser(), async ({ page, demo, context }) => {
      await readyToPay(page, demo, ['teapot-glass', 'towel-linen', 'plate-enamel']);
      // Another tab of the shop, open all along: order events reach it too.
      const other = await context.newPage();
      await gotoShop(other, demo.url);
      await page.getByRole('button', { name: 'All down' }).click();
      for (const name of ['us', 'eu', 'backup']) await page.locator(`#fault-${name}`).filter({ has: page.locator('option[value="refuse"]:checked') }).waitFor();
      await until(async () => {
        const state = await (await fetch(demo.backendUrl)).json();
        return Object.values(state.faults).every((f) => f.kind == 'refuse');
      }, { what: 'every endpoint refusing' });

      const result = await submitOrder(page, { timeout: 20_000 });
      // Waiting: pending, or sending while a background replay tries again. Never confirmed.
      assert.ok(['pending', 'sending'].includes(result.status), result.status);
      const outcome = page.locator('#checkout-main .outcome');
      assert.match(String(await outcome.textContent()), /not confirmed yet/i);
      assert.doesNotMatch(String(await outcome.textContent()), /order confirmed/i);
      assert.equal(result.orderId, '', 'no order id is shown for an order the store has not confirmed');
      // A pending order is safe in the outbox: its lines leave the cart (one write per line, just after the outcome is shown).
      await until(async () => (await cartCount(page)) == 0, { what: 'the cart cleared for a pending order' });
      await page.locator(`#lab .rows li[data-key="${result.key}"][data-status="pending"]`).waitFor();
      const otherBanner = other.locator(`#order-banner [data-order-key="${result.key}"]`);
      await otherBanner.waitFor();
      assert.match(String(await otherBanner.textContent()), /waiting for the store/i);
      await shot(page, 'pending');
      await tallShot(page, 'dashboard-outage');
      assert.equal((await ledger(demo)).charges, 0, 'nothing charged during the outage');

      // While the outage lasts, the order stays pending, and each retry (sending, then pending
      // again) leaves the panel and the other tab's banner as they are: the keyboard focus stays put.
      const continueLink = page.locator('#checkout-main .outcome a', { hasText: 'Continue shopping' });
      await continueLink.focus();
      await otherBanner.locator('a', { hasText: 'See the order' }).focus();
      const countSends = () => {
        const w = /** @type {any} */ (window);
        w.sends = 0;
        w.sc.on('order:sending', () => w.sends++);
      };
      await page.evaluate(countSends);
      await other.evaluate(countSends);
      await page.waitForFunction(() => /** @type {any} */ (window).sends >= 2, null, { timeout: 45_000 });
      await other.waitForFunction(() => /** @type {any} */ (window).sends >= 2, null, { timeout: 15_000 });
      assert.notEqual((await outcomeOf(page)).status, 'confirmed');
      assert.equal(await continueLink.evaluate((el) => el == document.activeElement), true, 'the focus stays on the pending panel through the retries');
      assert.equal(await other.evaluate(() => document.activeElement?.textContent), 'See the order', 'the focus stays on the banner through the retries');

      // Recovery: the SDK notices by itself and the page updates in place.
      await page.getByRole('button', { name: 'All healthy' }).click();
      // Within a circuit's longest interval (30 s) and the worker's sync loop: 90 s for a loaded machine (once,
      // beside the browser suite's start, 45 s went by). A timeout says where the order and the circuits stood.
      await page.locator('#checkout-main .outcome[data-status="confirmed"]').waitFor({ timeout: 90_000 }).catch(async (error) => {
        const state = await page.evaluate(async () => {
          const sc = /** @type {any} */ (window).sc;
          return { outbox: (await sc.outbox.list()).map((e) => [e.id, e.status]), health: sc.health() };
        });
        throw new Error(`${error.message}; then: ${JSON.stringify(state)}`);
      });
      const done = await outcomeOf(page);
      assert.equal(done.key, result.key, 'the same order, updated in place');
      assert.match(done.orderId, /^ord_\d+$/);
      await page.locator(`#lab .rows li[data-key="${result.key}"][data-status="confirmed"]`).waitFor();
      await page.locator('#lab .stat.charges dd').filter({ hasText: /^1$/ }).waitFor();
      await shot(page, 'confirmed-after-outage');
      await other.locator(`#order-banner [data-order-key="${result.key}"][data-status="confirmed"]`).waitFor();
      assert.match(String(await otherBanner.textContent()), new RegExp(`${done.orderId} is confirmed`));
      // Dismissed by keyboard, the notice goes and the focus lands on the main content, not on <body>.
      await otherBanner.getByRole('button', { name: 'Dismiss' }).focus();
      await other.keyboard.press('Enter');
      await otherBanner.waitFor({ state: 'detached' });
      assert.equal(await other.evaluate(() => document.activeElement?.id), 'main');

      await assertOneChargeEach(demo, [result.key]);
    });
  });

  it('a reload while the order is being sent: the checkout follows that order, and the cart is charged once', { timeout: 90_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await readyToPay(page, demo, ['teapot-glass', 'towel-linen']);
      await setDemoFaults(demo, '503');
      await page.click('#place-order');
      const sent = await until(async () => (await outbox(page)).find((e) => e.status == 'sending'), { what: 'the order in the outbox, being sent' });
      // The shopper reloads while it is being sent.
      await page.reload();
      await page.waitForFunction(() => /** @type {any} */ (window).sc);
      await page.waitForTimeout(1500);
      const after = await page.evaluate(() => ({
        status: document.querySelector('#checkout-main .outcome')?.getAttribute('data-status'),
        key: document.querySelector('#checkout-main .outcome')?.getAttribute('data-order-key'),
        canPlace: !!document.querySelector('#checkout-form #place-order') && document.querySelector('#place-order')?.getAttribute('aria-disabled') != 'true',
      }));
      // Whatever the page offers, the shopper takes: placing the order again, if the form is there.
      if (after.canPlace) {
        await fillCheckout(page);
        await page.click('#place-order');
        await page.waitForTimeout(500);
        await until(async () => (await outbox(page)).every((e) => e.status != 'sending'), { timeout: 30_000, what: 'no order being sent' });
      }
      await setDemoFaults(demo, 'healthy');
      await until(async () => { const all = await outbox(page); return all.length > 0 && all.every((e) => e.status == 'confirmed'); }, { timeout: 60_000, what: 'every order confirmed' });
      assert.equal((await ledger(demo)).charges, 1, 'the cart was charged twice');
      // The page followed the order sent before the reload, and the cart emptied once it was kept.
      assert.equal(after.canPlace, false);
      assert.equal(after.key, sent.key);
      assert.ok(['sending', 'pending'].includes(String(after.status)), `shown after the reload: ${after.status}`);
      await page.locator('#checkout-main .outcome[data-status="confirmed"]').waitFor();
      assert.equal(await cartCount(page), 0);
      await assertOneChargeEach(demo, [sent.key]);
    });
  });
  it('a tab closed while its order is being sent: a new tab on the checkout follows that order, never offers Place order for its cart, and the cart is charged once', { timeout: 90_000 }, async () => {
    await withShop(browser(), async ({ page, context, demo }) => {
      await readyToPay(page, demo, ['teapot-glass', 'towel-linen']);
      await setDemoFaults(demo, '503');
      await page.click('#place-order');
      const sent = await until(async () => (await outbox(page)).find((e) => e.status == 'sending'), { what: 'the order in the outbox, being sent' });
      // The shopper closes the tab while the order is being sent, and opens the checkout again.
      await page.close();
      const b = await context.newPage();
      await b.goto(demo.checkoutUrl);
      // What the new tab offers, from its first paint, every 100 ms for 3 s.
      let offered = 0;
      for (let i = 0; i < 30; i++) {
        if (await b.evaluate(() => document.querySelector('#checkout-form #place-order')?.getAttribute('aria-disabled') == 'false')) offered++;
        await b.waitForTimeout(100);
      }
      // Whatever the page offers, the shopper takes: placing the cart again, if the form is there.
      const canPlace = await b.evaluate(() => !!document.querySelector('#checkout-form #place-order') && document.querySelector('#place-order')?.getAttribute('aria-disabled') == 'false');
      if (canPlace) {
        await fillCheckout(b);
        await b.click('#place-order');
        await b.locator('#checkout-main .outcome').waitFor({ timeout: 30_000 });
      }
      await shot(b, 'closed-tab-followed');
      await setDemoFaults(demo, 'healthy');
      await until(async () => { const all = await outbox(b); return all.length > 0 && all.every((e) => e.status == 'confirmed'); }, { timeout: 60_000, what: 'every order confirmed' });
      assert.equal((await ledger(demo)).charges, 1, 'the cart was charged twice');
      assert.equal(offered, 0, 'the new tab offered Place order for the cart of the order on its way');
      await b.locator(`#checkout-main .outcome[data-order-key="${sent.key}"][data-status="confirmed"]`).waitFor();
      await until(async () => (await cartCount(b)) == 0, { what: 'the ordered lines to leave the cart' });
      await assertOneChargeEach(demo, [sent.key]);
    });
  });

  it('an order that waited, then failed: the page says it could not be confirmed, and neither that the cart is still here nor to try again', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await readyToPay(page, demo, ['teapot-glass']);
      await setDemoFaults(demo, 'refuse');
      const waited = await submitOrder(page, { timeout: 20_000 });
      assert.equal(waited.status, 'pending');
      assert.equal(await cartCount(page), 0, 'a waiting order has taken the cart');
      // The store answers 422: steadycart gives the order up as failed.
      await setDemoFaults(demo, /** @type {any} */ ({ kind: 'status', status: 422 }));
      await page.evaluate((id) => /** @type {any} */ (window).sc.outbox.retry(id), waited.key);
      await page.locator('#checkout-main .outcome[data-status="failed"]').waitFor({ timeout: 30_000 });
      const text = String(await page.locator('#checkout-main .outcome > p').first().textContent());
      assert.match(text, /We could not confirm your order\./);
      // A retry under a new key could charge twice: the page never asks for one.
      assert.doesNotMatch(text, /cart is still here|try again/i);
      // Nor to put its items back in the cart: the order may have been charged, a second one would charge again.
      assert.equal(await page.getByRole('button', { name: 'Put the items back in my cart' }).count(), 0);
      assert.equal(await cartCount(page), 0);
      await shot(page, 'failed-after-pending');
      assert.equal((await ledger(demo)).charges, 0);
    });
  });
});
