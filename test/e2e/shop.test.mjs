// @ts-check
/**
 * The demo shop's happy paths, end to end in Chromium: a normal order, two
 * tabs whose carts stay in step, the cart drawer's keyboard focus, two tabs
 * that cannot order one cart twice, a line added in one tab while the other
 * places an order kept in the cart, the lab's fault panel and section names,
 * and the phone-sized layout. The bundler example has its own file
 * (bundler.test.mjs).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addToCart, arranged, assertOneChargeEach, cartCount, fillCheckout, gotoShop, holds, ledger, outboxEntries, outcomeOf, setDemoFaults, setStoredQty, sharedBrowser, shot, submitOrder, until, withShop } from './helpers.mjs';

const browser = sharedBrowser();

describe('demo shop', () => {
  it('a normal order is confirmed by the us region with its order id, the cart empties, one charge', { timeout: 60_000 }, async (t) => {
    await withShop(browser(), async ({ page, demo }) => {
      // The SDK is loaded by script tag, with the integrity value from dist/sri.json.
      const tag = page.locator('script[src="/steadycart.iife.js"]');
      await gotoShop(page, demo.url);
      assert.match(String(await tag.getAttribute('integrity')), /^sha384-/);
      assert.equal(await tag.getAttribute('crossorigin'), 'anonymous');
      await page.waitForFunction(() => /** @type {any} */ (window).sc.health().worker == 'active');
      await shot(page, 'shop');

      await addToCart(page, ['kettle-goose', 'mug-oat', 'mug-oat']);
      await page.click('[data-cart-open]');
      await page.locator('#cart-drawer .line').nth(1).waitFor();
      assert.equal(await page.locator('#cart-drawer .line').count(), 2);
      await shot(page, 'cart-drawer');

      await page.click('#cart-drawer a[href="/checkout"]');
      await fillCheckout(page);
      await shot(page, 'checkout', { fullPage: true });
      // What the page's live region says from here on.
      await page.evaluate(() => {
        const region = /** @type {HTMLElement} */ (document.getElementById('announcer'));
        const said = (/** @type {any} */ (window).announced = /** @type {string[]} */ ([]));
        new MutationObserver(() => region.textContent && said.push(region.textContent)).observe(region, { subtree: true, childList: true, characterData: true });
      });

      let result = await submitOrder(page);
      const waited = result.status != 'confirmed';
      if (waited) {
        // The shop's first order can outlast its 3 s budget on a busy machine (two end-to-end files, each with its
        // own browser and servers, on 2 cores): it is then kept, said to be waiting, and confirmed in place by
        // its replay, the same order under the same key, wherever the circuits its slow attempts opened let it go.
        // What it waited for is logged; any other path fails below.
        const entries = (await outboxEntries(page)).map((e) => ({ status: e.status, attempts: e.attempts, lastError: e.lastError }));
        t.diagnostic(`the first order was ${result.status} before it was confirmed: ${JSON.stringify(entries)}`);
        assert.ok(['pending', 'sending'].includes(result.status), result.status);
        await page.locator(`#checkout-main .outcome[data-status="confirmed"][data-order-key="${result.key}"]`).waitFor({ timeout: 30_000 });
        result = await outcomeOf(page);
      }
      assert.equal(result.status, 'confirmed');
      assert.match(result.orderId, /^ord_\d+$/, 'the confirmation shows the order id from the server');
      await page.getByText(`Confirmed by the store as ${result.orderId}`).waitFor();
      // Its lines leave the cart once it is confirmed (one write per line, just after the outcome is shown).
      await until(async () => (await cartCount(page)) == 0, { what: 'the cart cleared once the order is confirmed' });
      await shot(page, 'confirmed');
      // The outcome's heading has the focus, and is read out as such: not announced a second time.
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'outcome-title');
      await new Promise((r) => setTimeout(r, 200));
      const announced = await page.evaluate(() => /** @type {any} */ (window).announced);
      assert.deepEqual(announced.filter((/** @type {string} */ m) => /Order confirmed|Order saved/.test(m)), [], `announced: ${announced.join(' | ')}`);
      // The order banner is no live region: redrawn whole, it would say every notice again.
      assert.equal(await page.locator('#order-banner').getAttribute('aria-live'), 'off');
      // While it was being placed, the shopper was told so (the button's new name alone is not read out).
      assert.ok(announced.includes('Placing your order…'), `announced: ${announced.join(' | ')}`);

      const l = await assertOneChargeEach(demo, [result.key]);
      if (waited) t.diagnostic(`placed by its replay through ${l.orders[0].endpoint}`);
      else assert.equal(l.orders[0].endpoint, 'us', 'a healthy backend takes the order in the first region');
      assert.equal(l.orders[0].body.payment.token.startsWith('tok_demo_'), true, 'payment is a token, never card data');
      // Both barcodes pass the Luhn check: under `gtin`, they are product codes, not card numbers.
      assert.deepEqual(
        l.orders[0].body.items.map((/** @type {{ sku: string, gtin: string }} */ i) => [i.sku, i.gtin]),
        [['kettle-goose', '2004102000072'], ['mug-oat', '2004100000074']],
      );
      // The demo as `npm start` runs it, on its embedded PGlite stores.
    }, undefined, { pglite: true });
  });

  it('in a browser without Web Locks (Firefox before 96) the checkout still places the order, charged once', { timeout: 60_000 }, async () => {
    // Without Web Locks in the page and (as in such a browser) no service worker: the checkout's own
    // lock falls back to running at once; before, Place order threw a TypeError and did nothing.
    await withShop(browser(), async ({ page, context, demo }) => {
      await context.addInitScript(() => delete (/** @type {any} */ (Navigator.prototype)).locks);
      await gotoShop(page, demo.url);
      assert.equal(await page.evaluate(() => 'locks' in navigator), false);
      await addToCart(page, ['mug-oat']);
      await page.goto(demo.checkoutUrl);
      await fillCheckout(page);
      let result = await submitOrder(page);
      // A first order can outlast its budget on a busy machine: it is then kept, and confirmed in place by its replay.
      if (result.status != 'confirmed') {
        assert.ok(['pending', 'sending'].includes(result.status), result.status);
        await page.locator(`#checkout-main .outcome[data-status="confirmed"][data-order-key="${result.key}"]`).waitFor({ timeout: 30_000 });
        result = await outcomeOf(page);
      }
      assert.equal(result.status, 'confirmed');
      await assertOneChargeEach(demo, [result.key]);
    }, { serviceWorkers: 'block' });
  });

  it('two tabs keep their carts in step, and an order placed in one empties the other', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page: a, context, demo }) => {
      await gotoShop(a, demo.url);
      const b = await context.newPage();
      await gotoShop(b, demo.url);

      await addToCart(a, ['beans-harbor', 'candle-beeswax']);
      await b.locator('[data-cart-count][data-count="2"]').first().waitFor();

      // A change in tab B (the drawer's + button) shows in tab A.
      await b.click('[data-cart-open]');
      await b.getByRole('button', { name: 'One more Harbor Roast, 250 g' }).click();
      await a.locator('[data-cart-count][data-count="3"]').first().waitFor();
      await b.getByRole('button', { name: 'Remove Beeswax Candle' }).click();
      await a.locator('[data-cart-count][data-count="2"]').first().waitFor();
      await a.click('[data-cart-open]');
      await a.locator('#cart-drawer .line[data-sku="beans-harbor"] output').filter({ hasText: '2' }).waitFor();
      assert.equal(await a.locator('#cart-drawer .line').count(), 1);
      await b.keyboard.press('Escape');

      // The order, placed from tab B, empties tab A's cart too.
      await b.goto(demo.checkoutUrl);
      await fillCheckout(b);
      const result = await submitOrder(b);
      assert.equal(result.status, 'confirmed');
      await a.locator('[data-cart-count][data-count="0"]').first().waitFor();

      await assertOneChargeEach(demo, [result.key]);
    });
  });

  it('the cart drawer keeps the keyboard focus through +, − and Remove', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await gotoShop(page, demo.url);
      await addToCart(page, ['beans-harbor', 'candle-beeswax']);
      await page.click('[data-cart-open]');
      const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent);
      const qty = (sku, n) => page.locator(`#cart-drawer .line[data-sku="${sku}"] output`).filter({ hasText: new RegExp(`^${n}$`) }).waitFor();

      await page.getByRole('button', { name: 'One more Harbor Roast, 250 g' }).focus();
      await page.keyboard.press('Enter');
      await qty('beans-harbor', 2);
      assert.equal(await focused(), 'One more Harbor Roast, 250 g');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');
      await qty('beans-harbor', 1);
      assert.equal(await focused(), 'One fewer Harbor Roast, 250 g');

      // Its line gone, the focus goes to the next line's Remove; the cart empty, to the close button.
      await page.getByRole('button', { name: 'Remove Harbor Roast, 250 g' }).focus();
      await page.keyboard.press('Enter');
      await page.locator('#cart-drawer .line[data-sku="beans-harbor"]').waitFor({ state: 'detached' });
      assert.equal(await focused(), 'Remove Beeswax Candle');
      await page.keyboard.press('Enter');
      await page.locator('#cart-drawer .empty').waitFor();
      assert.equal(await focused(), 'Close cart');
    });
  });

  it('the drawer\'s − and + change the line as stored, not as drawn: units the page has not heard of yet stay', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await gotoShop(page, demo.url);
      await addToCart(page, ['beans-harbor']);
      await page.click('[data-cart-open]');
      const line = page.locator('#cart-drawer .line[data-sku="beans-harbor"]');
      await setStoredQty(page, 'beans-harbor', 5);
      // Still drawn as 1 (else this test would prove nothing); taking one off must leave 4, not remove the line.
      assert.equal(await line.locator('output').textContent(), '1');
      await page.getByRole('button', { name: 'One fewer Harbor Roast, 250 g' }).click();
      await line.locator('output').filter({ hasText: /^4$/ }).waitFor();
      await setStoredQty(page, 'beans-harbor', 7);
      await page.getByRole('button', { name: 'One more Harbor Roast, 250 g' }).click();
      await line.locator('output').filter({ hasText: /^8$/ }).waitFor();
      assert.equal(await cartCount(page), 8);
      // Said as it is now, from the stored line.
      await page.locator('#announcer').filter({ hasText: /^Harbor Roast, 250 g: 8$/ }).waitFor();
    });
  });

  it('two tabs placing the same cart at once: one order and one charge; the other tab is told, then shows the empty cart', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page: a, context, demo }) => {
      await gotoShop(a, demo.url);
      await addToCart(a, ['planter-terra']);
      const b = await context.newPage();
      for (const tab of [a, b]) {
        await tab.goto(demo.checkoutUrl);
        await fillCheckout(tab);
      }
      // A slow us region keeps tab A's order in flight while tab B tries.
      const res = await fetch(`${demo.backendUrl}/fault`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'us', fault: { kind: 'slow', ms: 2500 } }) });
      assert.equal(res.status, 200);

      await a.click('#place-order');
      await a.locator('#place-order[aria-busy="true"]').waitFor();
      // Tab B learns of the order on its way: its Place order waits, and says so.
      await b.locator('#place-order[aria-disabled="true"]').filter({ hasText: 'An order is being placed…' }).waitFor();
      // A click all the same (aria-disabled keeps the button focusable, and clickable): the checkout lock refuses it.
      await b.click('#place-order', { force: true });
      await b.locator('#form-error[data-status="ordering-elsewhere"]').filter({ hasText: 'This cart is being ordered in another tab' }).waitFor();
      assert.equal(await b.locator('#place-order').getAttribute('aria-busy'), 'false', 'tab B is not placing anything');

      await a.locator('#checkout-main .outcome').waitFor({ timeout: 30_000 });
      const result = await outcomeOf(a);
      assert.equal(result.status, 'confirmed');
      // Tab A's order emptied the cart: tab B now has nothing to order.
      await b.locator('#checkout-main .empty').waitFor();
      await assertOneChargeEach(demo, [result.key]);
    });
  });

  it('an order two tabs see through (one placing it, one following it) leaves the cart once: a unit added meanwhile stays', { timeout: 180_000 }, async () => {
    // Tab B must open the checkout, follow the order and add a planter within tab A's 3 s budget; on a busy
    // machine its page may not load in time, and then nothing is shown: the scenario is tried again, up to 3 times.
    await arranged('tab B follow the order and add a planter while it was on its way', () =>
      withShop(browser(), async ({ page: a, context, demo }) => {
        await gotoShop(a, demo.url);
        await addToCart(a, ['planter-terra']);
        const b = await context.newPage();
        // The moment tab B shows the order being sent (it follows it), one more planter goes in the cart, from
        // the page itself: the cart holds 2, the order 1. `added` is the count that add left.
        await b.addInitScript(() => {
          new MutationObserver((_, observer) => {
            const w = /** @type {any} */ (window);
            if (!w.sc || !document.querySelector('#checkout-main .outcome[data-status="sending"]')) return;
            observer.disconnect();
            w.added = w.sc.cart.get().then((/** @type {any} */ cart) => w.sc.cart.add({ ...cart.items.find((/** @type {any} */ i) => i.sku == 'planter-terra'), qty: 1 })).then((/** @type {any} */ cart) => cart.count);
          }).observe(document, { subtree: true, childList: true, attributes: true });
        });
        await a.goto(demo.checkoutUrl);
        await fillCheckout(a);
        // Both regions slow: tab A's order is on its way for its whole budget, then kept as pending.
        await setDemoFaults(demo, { kind: 'slow', ms: 10_000 });
        await a.click('#place-order');
        await a.locator('#place-order[aria-busy="true"]').waitFor();
        await b.goto(demo.checkoutUrl);
        // Tab B shows the order, or (loaded too late, the lines gone) an empty cart.
        await b.locator('#checkout-main .outcome, #checkout-main .empty').first().waitFor();
        await a.locator('#checkout-main .outcome[data-status="pending"]').waitFor({ timeout: 30_000 });
        if (await b.locator('#checkout-main .outcome').count()) await b.locator('#checkout-main .outcome[data-status="pending"]').waitFor({ timeout: 30_000 });
        const added = await b.evaluate(() => /** @type {any} */ (window).added);
        // Not followed while sent, or added after the lines left: this attempt shows nothing.
        if (added !== 2) return false;
        // Kept: both tabs take the order's lines out; only one of them may, or the added planter goes too.
        await until(async () => (await cartCount(b)) <= 1, { what: 'the ordered planter to leave the cart' });
        await holds(async () => assert.equal(await cartCount(b), 1, 'the planter added while the order was on its way stays'));
        return true;
      }),
    );
  });

  it('a line added in another tab while an order is being placed stays in the cart; only the ordered lines leave it', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page: a, context, demo }) => {
      await gotoShop(a, demo.url);
      await addToCart(a, ['teapot-glass']);
      await a.goto(demo.checkoutUrl);
      await fillCheckout(a);
      const b = await context.newPage();
      await gotoShop(b, demo.url);
      // The store answers 503: tab A's order is being sent for a few seconds, then kept as pending.
      await setDemoFaults(demo, '503');
      await a.click('#place-order');
      await a.locator('#place-order[aria-busy="true"]').waitFor();
      // Meanwhile, in tab B: a mug, and one more teapot.
      await addToCart(b, ['mug-oat', 'teapot-glass']);
      const outcome = await a.locator('#checkout-main .outcome').waitFor({ timeout: 30_000 }).then(() => outcomeOf(a));
      assert.equal(outcome.status, 'pending');
      const ordered = await a.evaluate(async (id) => (await /** @type {any} */ (window).sc.outbox.list()).find((/** @type {any} */ e) => e.id == id).order.items.map((/** @type {any} */ i) => [i.sku, i.qty]), outcome.key);
      assert.deepEqual(ordered, [['teapot-glass', 1]]);
      // The ordered teapot leaves the cart; what tab B added stays.
      const lines = () => b.evaluate(async () => (await /** @type {any} */ (window).sc.cart.get()).items.map((/** @type {any} */ i) => [i.sku, i.qty]));
      await until(async () => (await lines()).length != 2 || (await lines())[0][1] != 2, { what: 'the ordered teapot to leave the cart' });
      assert.deepEqual(await lines(), [['teapot-glass', 1], ['mug-oat', 1]], 'what was added in tab B stays in the cart');
      await b.goto(demo.checkoutUrl);
      await b.locator('#checkout-form').waitFor();
      await shot(b, 'cart-kept-after-order-elsewhere', { fullPage: true });
      assert.equal((await ledger(demo)).charges, 0);
    });
  });

  it("the order banner shows how an order ended when it ended while the banner read the outbox, not 'waiting'", { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await gotoShop(page, demo.url);
      // The banner's read of the outbox for an order it does not watch yet is made at once, and its answer held
      // until released: the order ends while that read is under way.
      await page.evaluate(() => {
        const w = /** @type {any} */ (window);
        const list = w.sc.outbox.list;
        w.heldList = new Promise((resolve) => (w.releaseList = resolve));
        w.sc.outbox.list = async () => {
          const read = list();
          await w.heldList;
          return read;
        };
      });
      await setDemoFaults(demo, { kind: 'status', status: 503 });
      const order = { orderRef: 'banner-race', items: [{ sku: 'mug-oat', qty: 1 }], total: 1800, currency: 'EUR', payment: { token: 'tok_demo_banner' } };
      // Waiting (the banner's read starts and is held), then placed by a retry while that read is under way.
      const { id, status } = await page.evaluate((o) => /** @type {any} */ (window).sc.placeOrder(o, { budgetMs: 1500 }), order);
      assert.equal(status, 'pending');
      await setDemoFaults(demo, 'healthy');
      assert.equal(await page.evaluate(async (key) => (await /** @type {any} */ (window).sc.outbox.retry(key)).status, id), 'confirmed');
      await page.evaluate(() => /** @type {any} */ (window).releaseList());
      await page.locator(`#order-banner [data-order-key="${id}"][data-status="confirmed"]`).waitFor();
      await assertOneChargeEach(demo, [id]);
    });
  });

  it('the lab: a fault its panel does not offer shows as Other; each section is named by its heading alone', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await gotoShop(page, demo.url);
      // Set through the control API, not the panel: a 422 and a lag.
      for (const [name, fault] of [['us', { kind: 'status', status: 422 }], ['eu', { kind: 'lag', ms: 500 }]]) {
        const res = await fetch(`${demo.backendUrl}/fault`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, fault }) });
        assert.equal(res.status, 200);
      }
      for (const name of ['us', 'eu']) {
        await page.waitForFunction((n) => /** @type {HTMLSelectElement} */ (document.getElementById(`fault-${n}`)).value == 'other', name);
        assert.equal(await page.locator(`#fault-${name} option:checked`).textContent(), 'Other (set through the control API)');
      }
      assert.equal(await page.locator('#fault-backup').inputValue(), 'healthy');
      await shot(page.locator('section[aria-labelledby="lab-endpoints"]'), 'fault-panel-other');

      for (const name of ['Checkout endpoints', 'Backend ledger', 'Outbox (this browser)', 'Event log']) {
        await page.getByRole('region', { name, exact: true }).waitFor();
      }
      // The event log's Clear button, beside its heading, still clears it.
      const events = page.getByRole('region', { name: 'Event log', exact: true });
      await events.getByRole('button', { name: 'Clear' }).click();
      assert.equal(await events.locator('.log li').count(), 0);
    });
  });

  it('a checkout sent with fields missing or wrong names them at the top of the form, and the focus goes to the first', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await gotoShop(page, demo.url);
      await addToCart(page, ['throw-wool']);
      await page.goto(demo.checkoutUrl);
      await page.locator('#place-order[aria-disabled="false"]').waitFor();
      await page.fill('#email', 'not-an-address');
      await page.fill('#name', 'Ada Lovelace');
      await page.fill('#line1', '1 Harbour Row');
      await page.click('#place-order');
      await page.locator('#form-error', { hasText: 'Please check' }).waitFor();
      assert.equal(await page.locator('#form-error').textContent(), 'Please check these 3 fields: Email, City, Postal code.');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'email');
      await page.fill('#email', 'ada@example.com');
      await page.fill('#city', 'Cork');
      await page.click('#place-order');
      await page.locator('#form-error', { hasText: 'Please check this field: Postal code.' }).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'postalCode');
      await shot(page, 'checkout-fields-to-check');
      assert.equal((await ledger(demo)).orders.length, 0);
    });
  });

  it('works on a phone-sized viewport (375×740): shop, lab, checkout', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await gotoShop(page, demo.url);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
      await shot(page, 'phone-shop');

      // The lab is one tap away, and closes with its button.
      await page.click('[data-lab-toggle]');
      await page.locator('#lab').waitFor({ state: 'visible' });
      await shot(page, 'phone-lab');
      // It covers the screen: the page under it is inert, so the keyboard never reaches what it hides.
      const inert = () => page.evaluate(() => ['.store', '.skip-link'].map((s) => document.querySelector(s)?.hasAttribute('inert')));
      assert.deepEqual(await inert(), [true, true]);
      for (const key of ['Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
        await page.keyboard.press(key);
        assert.equal(await page.evaluate(() => !!document.activeElement?.closest('.store, .skip-link')), false, `after ${key} the focus is not in the hidden page`);
      }
      await page.click('#lab .lab-close');
      await page.locator('#lab').waitFor({ state: 'hidden' });
      assert.deepEqual(await inert(), [false, false]);
      assert.equal(await page.evaluate(() => document.activeElement?.hasAttribute('data-lab-toggle')), true, 'the focus is back on the Lab button');
      // Open, then widened past 1180 px: the lab sits beside the page, which is usable again.
      await page.click('[data-lab-toggle]');
      assert.deepEqual(await inert(), [true, true]);
      await page.setViewportSize({ width: 1280, height: 740 });
      await page.waitForFunction(() => !document.querySelector('.store')?.hasAttribute('inert'));
      await page.setViewportSize({ width: 375, height: 740 });
      await page.waitForFunction(() => document.querySelector('.store')?.hasAttribute('inert'));
      await page.click('#lab .lab-close');
      assert.deepEqual(await inert(), [false, false]);

      await addToCart(page, ['throw-wool']);
      await page.goto(demo.checkoutUrl);
      await fillCheckout(page);
      // Shift+Tab back up the form from Place order, on a phone's short screen (375×667): the sticky header
      // never hides the field that has the focus.
      await page.setViewportSize({ width: 375, height: 667 });
      await page.locator('#place-order').focus();
      for (let i = 0; i < 10; i++) {
        await page.keyboard.press('Shift+Tab');
        const hidden = await page.evaluate(() => {
          const el = document.activeElement;
          const header = document.querySelector('.site-header');
          if (!el?.closest('#checkout-form') || !header) return null;
          const under = header.getBoundingClientRect().bottom - el.getBoundingClientRect().top;
          return under > 0 ? `${el.id || el.tagName} is ${Math.round(under)}px under the header` : null;
        });
        assert.equal(hidden, null);
      }
      await page.setViewportSize({ width: 375, height: 740 });
      const result = await submitOrder(page);
      assert.equal(result.status, 'confirmed');
      assert.ok((await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0);
      await shot(page, 'phone-confirmed');
      await assertOneChargeEach(demo, [result.key]);
    }, { viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
  });
});
