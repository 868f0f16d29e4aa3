// @ts-check
/**
 * The bundler example (examples/bundler: `import from 'steadycart'`, bundled
 * by esbuild), end to end in Chromium: an order confirmed; one pending, then
 * declined on replay, its items back in the cart (up to the quantity
 * ordered); a double click, a reload while the order is sent and two tabs
 * each placing one order; Place order usable again after a refusal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ledger, setDemoFaults, sharedBrowser, shot, until, withShop } from './helpers.mjs';

const browser = sharedBrowser();


/**
 * Opens the bundler example and puts one mug in its cart.
 * @param {import('playwright-core').Page} page @param {{ bundlerUrl: string }} demo
 */
async function bundlerCartOfOne(page, demo) {
  await page.goto(demo.bundlerUrl);
  await page.locator('#count').filter({ hasText: '0 in the cart' }).waitFor();
  await page.click('#add');
  await page.locator('#count').filter({ hasText: '1 in the cart' }).waitFor();
}

/**
 * Exactly one charge in the demo's ledger, and no duplicate.
 * @param {{ backendUrl: string }} demo
 */
async function assertOneBundlerCharge(demo) {
  const l = await ledger(demo);
  assert.equal(l.duplicates, 0, 'the ledger counts a duplicate charge');
  assert.equal(l.charges, 1, `expected one charge in the ledger, found ${l.charges}`);
}

describe('the bundler example', () => {
  it('the bundler example (import from \'steadycart\', bundled by esbuild) places an order too', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await bundlerCartOfOne(page, demo);
      await page.click('#place');
      await page.locator('#status').filter({ hasText: /^Confirmed: order ord_\d+\.$/ }).waitFor();
      const l = await ledger(demo);
      assert.equal(l.charges, 1);
      assert.equal(l.duplicates, 0);
    }, { viewport: { width: 900, height: 600 } });
  });

  it('the bundler example tells the truth of an order it could not place at once: pending, then how its replay ended (declined), and puts the items back in the cart', { timeout: 90_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await bundlerCartOfOne(page, demo);
      await setDemoFaults(demo, 'refuse');
      await page.click('#place');
      await page.locator('#status').filter({ hasText: 'It is not confirmed yet.' }).waitFor();
      // The store comes back, declining the card: the replay's 402 reaches the page, which no longer says the order will be sent.
      await setDemoFaults(demo, 'decline');
      await page.locator('#status').filter({ hasText: 'The store could not accept this order, so it was not placed.' }).waitFor({ timeout: 60_000 });
      assert.equal((await ledger(demo)).charges, 0);
      // The cart, emptied while the order waited, has its mug back, and can be placed again.
      await page.locator('#count').filter({ hasText: '1 in the cart' }).waitFor();
      await page.locator('#place:enabled').waitFor();
      await shot(page, 'bundler-refused-on-replay');
    }, { viewport: { width: 900, height: 600 } });
  });

  it('the bundler example puts a refused order\'s lines back up to the quantity ordered: a line added again while it waited is raised, not doubled', { timeout: 90_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await bundlerCartOfOne(page, demo);
      await page.click('#add');
      await page.locator('#count').filter({ hasText: '2 in the cart' }).waitFor();
      await setDemoFaults(demo, 'refuse');
      await page.click('#place');
      await page.locator('#status').filter({ hasText: 'It is not confirmed yet.' }).waitFor();
      // The cart was emptied for the waiting order; the shopper adds one mug again meanwhile.
      await page.locator('#count').filter({ hasText: '0 in the cart' }).waitFor();
      await page.click('#add');
      await page.locator('#count').filter({ hasText: '1 in the cart' }).waitFor();
      await setDemoFaults(demo, 'decline');
      await page.locator('#status').filter({ hasText: 'Its items are back in the cart.' }).waitFor({ timeout: 60_000 });
      // The two mugs ordered: the one in the cart, and one more (not two more).
      await page.locator('#count').filter({ hasText: '2 in the cart' }).waitFor();
      assert.equal((await ledger(demo)).charges, 0);
    }, { viewport: { width: 900, height: 600 } });
  });

  it('the bundler example places one order for a double click on Place order, also in a browser without Web Locks', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo, context }) => {
      // Without Web Locks (its fallback), nothing but the page itself stands between two clicks and two orders.
      await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true }));
      await bundlerCartOfOne(page, demo);
      assert.equal(await page.evaluate(() => navigator.locks), undefined);
      await page.dblclick('#place');
      await page.locator('#status').filter({ hasText: /^Confirmed/ }).waitFor();
      // A second order, had the second click placed one, lands within a few seconds.
      await until(async () => (await ledger(demo)).orders.length > 1, { timeout: 4000 }).catch(() => {});
      await assertOneBundlerCharge(demo);
    }, { viewport: { width: 900, height: 600 } });
  });

  it('the bundler example, reloaded while its order is sent, follows that order and does not let the cart be placed again', { timeout: 90_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await bundlerCartOfOne(page, demo);
      await setDemoFaults(demo, '503');
      await page.click('#place');
      await page.locator('#status').filter({ hasText: 'Placing' }).waitFor();
      await page.waitForTimeout(300);
      await page.reload();
      await page.locator('#count').filter({ hasText: 'in the cart' }).waitFor();
      await page.waitForTimeout(500);
      // The order the reload cut off is this cart's: the shopper who clicks again must not pay twice.
      const enabled = await page.isEnabled('#place');
      if (enabled) await page.click('#place');
      await setDemoFaults(demo, 'healthy');
      await page.locator('#status').filter({ hasText: /^Confirmed/ }).waitFor({ timeout: 60_000 });
      await page.locator('#count').filter({ hasText: '0 in the cart' }).waitFor();
      await page.waitForTimeout(1000);
      await assertOneBundlerCharge(demo);
      assert.equal(enabled, false, 'Place order is disabled while the order cut off by the reload is followed');
    }, { viewport: { width: 900, height: 600 } });
  });

  it('the bundler example open in two tabs places the shared cart once when both press Place order', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo, context }) => {
      await bundlerCartOfOne(page, demo);
      const b = await context.newPage();
      await b.goto(demo.bundlerUrl);
      await b.locator('#count').filter({ hasText: '1 in the cart' }).waitFor();
      // Both at once, as fast as two tabs can be: a shopper's click on each (none on a disabled button).
      const press = (/** @type {import('playwright-core').Page} */ p) => p.evaluate(() => document.getElementById('place')?.click());
      await Promise.all([press(page), press(b)]);
      const confirmed = (/** @type {import('playwright-core').Page} */ p) => p.locator('#status').filter({ hasText: /^Confirmed/ }).count();
      await until(async () => (await confirmed(page)) + (await confirmed(b)) > 0, { what: 'a tab to show the order confirmed' });
      await page.waitForTimeout(1000);
      await assertOneBundlerCharge(demo);
      await shot(b, 'bundler-two-tabs');
    }, { viewport: { width: 900, height: 600 } });
  });

  it('the bundler example lets the shopper place the cart again once an order was refused at once', { timeout: 60_000 }, async () => {
    await withShop(browser(), async ({ page, demo }) => {
      await bundlerCartOfOne(page, demo);
      await setDemoFaults(demo, 'decline');
      await page.click('#place');
      await page.locator('#status').filter({ hasText: 'was not placed' }).waitFor();
      await setDemoFaults(demo, 'healthy');
      await page.locator('#place:enabled').waitFor();
      await page.click('#place');
      await page.locator('#status').filter({ hasText: /^Confirmed/ }).waitFor();
      await assertOneBundlerCharge(demo);
    }, { viewport: { width: 900, height: 600 } });
  });
});
