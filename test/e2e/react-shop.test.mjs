// @ts-check
/**
 * examples/react-shop end to end in Chromium: the one command's server (the
 * demo backend and Vite, the example's dependencies installed on first use),
 * a shopper adding to the cart and paying, the order confirmed once, and a
 * reload that still shows the order's state from the outbox; and never
 * two charges for one cart: a reload (or two) while it is being placed, two tabs
 * paying at once, two clicks in one task; and Pay orders the cart as stored
 * at the click, even a change the page has not drawn yet. A refused order's
 * lines go back in the cart on request, and so do those of an order whose
 * payment token died, which is then given up.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { startReactShop } from '../../examples/react-shop/start.mjs';
import { arranged, holds, setStoredQty, sharedBrowser, shot, WAIT_MS } from './helpers.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const browser = sharedBrowser();

/** Sets `fault` on every endpoint of the shop. */
const everyEndpoint = (shop, fault) => Promise.all(['us', 'eu', 'backup'].map((name) => shop.backend.setFault(name, fault)));

/** Every endpoint of the shop answers 503 (`down`), or none does: the app's outage switch. */
const outage = (shop, down) => everyEndpoint(shop, down ? { kind: 'status', status: 503 } : 'healthy');

/** The statuses of the "Your orders" list. */
const orderStatuses = (page) => page.locator('section[aria-label="Your orders"] li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-status')));

/** Until every order of the list is confirmed (steadycart places waiting ones once the store is back). */
async function allConfirmed(page) {
  await page.waitForFunction(
    () => {
      const lis = [...document.querySelectorAll('section[aria-label="Your orders"] li')];
      return lis.length > 0 && lis.every((li) => li.getAttribute('data-status') == 'confirmed');
    },
    null,
    { timeout: 60_000 },
  );
}

/**
 * A fresh shop and browser context for `steps(shop, context, page)`: the page loaded,
 * its cart read; no error on the page or its console.
 */
async function withReactShop(steps) {
  if (!existsSync(`${ROOT}dist/react.mjs`)) assert.equal(spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' }).status, 0);
  const shop = await startReactShop({ port: 0, log: () => {} });
  const context = await browser().newContext();
  context.setDefaultTimeout(WAIT_MS);
  /** @type {string[]} */
  const errors = [];
  const watch = (page) => {
    page.on('pageerror', (e) => errors.push(e.message));
    // The outage's 503 answers are logged by the browser: not the page's errors.
    page.on('console', (m) => m.type() == 'error' && !/503|Failed to load resource/.test(m.text()) && errors.push(m.text()));
    return page;
  };
  try {
    const page = watch(await context.newPage());
    await page.goto(shop.url, { timeout: 60_000 });
    await page.locator('[data-test="cart-count"]').waitFor({ timeout: 60_000 });
    const result = await steps(shop, context, page, watch);
    assert.deepEqual(errors, []);
    return result;
  } finally {
    await context.close();
    await shop.close();
  }
}

/** Adds each product (by name) to the cart, and waits for the count. */
async function addToCart(page, names) {
  for (const name of names) await page.locator('article', { hasText: name }).getByRole('button', { name: 'Add to cart' }).click();
  await page.waitForFunction((n) => document.querySelector('[data-test="cart-count"]')?.textContent == String(n), names.length);
}

const payButton = (page) => page.locator('section[aria-label="Checkout"] button');

/**
 * Pays during an outage with tokens that live 1.5 s (the shop's switch for this path), and brings the store
 * back once the token is dead: saved while it waits (pending), or already past its token's life as its attempt
 * ends, the order ends in needs-payment (the replay looks it up, 404, and never sends it). Returns its row.
 */
async function needsPayment(shop, page) {
  await page.evaluate(() => localStorage.setItem('react-shop:token-lifetime-ms', '1500'));
  await payDuringOutage(shop, page);
  const unpaid = page.locator('section[aria-label="Your orders"] li[data-status="needs-payment"]');
  const pending = page.locator('section[aria-label="Your orders"] li[data-status="pending"]');
  await unpaid.or(pending).waitFor();
  await page.waitForTimeout(1_600);
  await outage(shop, false);
  if (await pending.count()) await pending.getByRole('button', { name: /^Try again/ }).click().catch(() => {});
  await unpaid.waitFor({ timeout: 60_000 });
  return unpaid;
}

/** Two lines in the cart, every endpoint down, and Pay clicked: the order is on its way, and will wait. */
async function payDuringOutage(shop, page) {
  await addToCart(page, ['Blue mug', 'Stoneware teapot']);
  await outage(shop, true);
  await page.getByRole('button', { name: /^Pay for 2 items/ }).click();
}

describe('examples/react-shop', () => {
  it('adds to the cart and places an order: confirmed once, and still shown after a reload', { timeout: 300_000 }, async () => {
    // sharedBrowser builds dist/ when it is missing; steadycart/react is part of that build.
    if (!existsSync(`${ROOT}dist/react.mjs`)) assert.equal(spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' }).status, 0);
    const shop = await startReactShop({ port: 0, log: () => {} });
    const context = await browser().newContext();
    context.setDefaultTimeout(WAIT_MS);
    /** @type {string[]} */
    const errors = [];
    try {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() == 'error' && errors.push(m.text()));
      // The dev server transforms modules on first request: a generous first load.
      await page.goto(shop.url, { timeout: 60_000 });
      await page.locator('[data-test="cart-count"]').waitFor({ timeout: 60_000 });
      assert.equal(await page.locator('[data-test="cart-count"]').textContent(), '0');

      const product = (name) => page.locator('article', { hasText: name }).getByRole('button', { name: 'Add to cart' });
      await product('Blue mug').click();
      await product('Blue mug').click();
      await product('Stoneware teapot').click();
      await page.waitForFunction(() => document.querySelector('[data-test="cart-count"]')?.textContent == '3');
      assert.equal(await page.locator('[data-test="subtotal"]').textContent(), '€72.00');
      // Pay says what it charges; the checkout has a heading; the header is the page's banner, beside <main>, not in it.
      assert.equal(await page.getByRole('button', { name: 'Pay for 3 items · €72.00' }).count(), 1);
      assert.equal(await page.getByRole('heading', { name: 'Checkout' }).count(), 1);
      assert.equal(await page.getByRole('banner').count(), 1);
      assert.equal(await page.locator('main header').count(), 0);
      await shot(page, 'react-shop-cart', { fullPage: true });

      await page.getByRole('button', { name: /^Pay for 3 items/ }).click();
      const status = page.locator('[data-test="order-status"]');
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'confirmed');
      assert.match(String(await status.textContent()), /Thank you, your order is confirmed\. Order ord_\d+/);
      const id = new URL(page.url()).searchParams.get('order');
      assert.match(String(id), /^[0-9a-f-]{36}$/);
      assert.equal(shop.backend.charges(id), 1);
      assert.equal(shop.backend.ledger().charges, 1);
      // The order was kept, so the cart emptied.
      await page.waitForFunction(() => document.querySelector('[data-test="cart-count"]')?.textContent == '0');

      // A reload: the URL's order id, and the outbox, tell the page how it ended.
      await page.reload();
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'confirmed');
      assert.equal(await page.locator('section[aria-label="Your orders"] li[data-status="confirmed"]').count(), 1);
      assert.equal(shop.backend.ledger().charges, 1);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await shop.close();
    }
  });

  it('a reload while the order is being placed: the page follows that order, and the cart is charged once', { timeout: 300_000 }, async () => {
    await withReactShop(async (shop, context, page) => {
      await payDuringOutage(shop, page);
      // In the outbox, being placed (every endpoint failing: up to the 3 s budget): the shopper reloads.
      await page.locator('section[aria-label="Your orders"] li[data-status="sending"]').waitFor();
      // Every moment of the reloaded page at which Pay could be clicked while the page shows that order
      // being placed or saved, with the cart's lines still in the cart: paying then would place them twice.
      await page.addInitScript(() => {
        const offered = (/** @type {any} */ (window).payOffered = /** @type {string[]} */ ([]));
        new MutationObserver(() => {
          const pay = document.querySelector('section[aria-label="Checkout"] button');
          const status = document.querySelector('[data-test="order-status"]')?.getAttribute('data-status');
          const count = document.querySelector('[data-test="cart-count"]')?.textContent;
          if (pay && !pay.hasAttribute('disabled') && (status == 'sending' || status == 'pending')) offered.push(`${status} with ${count} in the cart`);
        }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
      });
      await page.reload();
      // The page follows the order placed before the reload (however long a busy machine takes to show it).
      const after = await page.waitForFunction(() => {
        const status = document.querySelector('[data-test="order-status"]')?.getAttribute('data-status');
        return (status == 'sending' || status == 'pending') && { status, order: new URLSearchParams(location.search).get('order') };
      }).then((handle) => handle.jsonValue());
      await page.waitForFunction(() => !document.querySelector('section[aria-label="Your orders"] li[data-status="sending"]'));
      await outage(shop, false);
      await allConfirmed(page);
      assert.equal(shop.backend.ledger().charges, 1, 'the cart was charged twice');
      assert.deepEqual(await orderStatuses(page), ['confirmed']);
      // The page followed the order placed before the reload, never offered Pay for its lines, and emptied the cart once it was kept.
      assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).payOffered), []);
      assert.equal(shop.backend.charges(String(after.order)), 1);
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'confirmed');
      assert.equal(await page.locator('[data-test="cart-count"]').textContent(), '0');
    });
  });

  it('two reloads while the order waits: the page still takes its lines out of the cart once it is kept, and never offers Pay for them', { timeout: 300_000 }, async () => {
    await withReactShop(async (shop, context, page) => {
      await payDuringOutage(shop, page);
      await page.locator('section[aria-label="Your orders"] li[data-status="sending"]').waitFor();
      await page.reload();
      // Following it: its id in the URL.
      await page.waitForFunction(() => !!new URLSearchParams(location.search).get('order') && ['sending', 'pending'].includes(String(document.querySelector('[data-test="order-status"]')?.getAttribute('data-status'))));
      const id = new URL(page.url()).searchParams.get('order');
      // Reloaded again while it waits (the outage goes on): the page reads the order from its URL this time.
      await page.reload();
      await page.waitForFunction(() => ['sending', 'pending'].includes(String(document.querySelector('[data-test="order-status"]')?.getAttribute('data-status'))));
      await outage(shop, false);
      await allConfirmed(page);
      await page.waitForFunction(() => document.querySelector('[data-test="cart-count"]')?.textContent == '0');
      assert.equal(await payButton(page).isDisabled(), true, 'Pay with an empty cart');
      assert.equal(shop.backend.charges(String(id)), 1);
      assert.equal(shop.backend.ledger().charges, 1);
    });
  });

  it('an order refused once the store is back leaves the cart empty, and "Put the items back" restores its lines', { timeout: 300_000 }, async () => {
    await withReactShop(async (shop, context, page) => {
      await payDuringOutage(shop, page);
      // Saved: its lines left the cart.
      await page.locator('section[aria-label="Your orders"] li[data-status="pending"]').waitFor();
      await page.waitForFunction(() => document.querySelector('[data-test="cart-count"]')?.textContent == '0');
      // Back, but the card is declined: the order ends refused, nothing charged.
      await everyEndpoint(shop, 'decline');
      await page.locator('section[aria-label="Your orders"] li[data-status="pending"]').getByRole('button', { name: /^Try again/ }).click();
      const refused = page.locator('section[aria-label="Your orders"] li[data-status="rejected"]');
      await refused.waitFor({ timeout: 60_000 });
      // The checkout, which follows the order, says the card was declined, that nothing was charged, and that the shopper can try again.
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'rejected');
      const told = String(await page.locator('[data-test="order-status"]').textContent());
      assert.match(told, /declined/);
      assert.match(told, /nothing was charged/);
      assert.match(told, /try again/);
      // Try again is gone with the order's new state: the keyboard focus was not dropped on the page.
      assert.equal(await page.evaluate(() => document.activeElement !== document.body), true, 'the focus fell to <body> after Try again');
      assert.equal(shop.backend.ledger().charges, 0);
      // Twice at once: both clicks read the cart before either added, and the lines came back twice. Two clicks in
      // one task, not a double click: in CI123 (loaded) the cart panel above grew as the first click's lines came
      // back, and a double click's second click, sent at the button's old place, missed it.
      await refused.getByRole('button', { name: /back in the cart$/ }).evaluate((button) => (/** @type {HTMLElement} */ (button).click(), /** @type {HTMLElement} */ (button).click()));
      await page.waitForFunction(() => document.querySelector('[data-test="cart-count"]')?.textContent == '2');
      await page.locator('section[aria-label="Your orders"] [role="status"]', { hasText: 'in your cart already' }).waitFor();
      assert.equal(await page.locator('[data-test="cart-count"]').textContent(), '2');
      // Once the lines are there, the button goes: there is nothing to put back, and the count stays.
      await refused.getByRole('button', { name: /back in the cart$/ }).waitFor({ state: 'detached' });
      assert.equal(await page.locator('[data-test="cart-count"]').textContent(), '2');
      assert.equal(await page.evaluate(() => document.activeElement !== document.body), true, 'the focus fell to <body> after Put the items back');
      await shot(page, 'react-shop-put-back', { fullPage: true });
    });
  });

  it('a declined card: the checkout says so, that nothing was charged and that the shopper can try again; the lines stay in the cart, so nothing is offered to put back', { timeout: 300_000 }, async () => {
    await withReactShop(async (shop, context, page) => {
      await addToCart(page, ['Blue mug']);
      await everyEndpoint(shop, 'decline');
      await page.getByRole('button', { name: /^Pay for 1 item/ }).click();
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'rejected');
      const told = String(await page.locator('[data-test="order-status"]').textContent());
      assert.match(told, /declined/);
      assert.match(told, /nothing was charged/);
      assert.match(told, /try again/);
      await page.locator('section[aria-label="Your orders"] li[data-status="rejected"]').waitFor();
      // The list says what happened in words, not the state's token.
      const listed = String(await page.locator('section[aria-label="Your orders"] li[data-status="rejected"]').textContent());
      assert.match(listed, /card declined, not placed, nothing charged/);
      assert.doesNotMatch(listed, /rejected/);
      assert.equal(await page.getByRole('button', { name: /back in the cart$/ }).count(), 0);
      assert.equal(await page.locator('[data-test="cart-count"]').textContent(), '1');
      assert.equal(await payButton(page).isDisabled(), false);
      assert.equal(shop.backend.ledger().charges, 0);
      await shot(page, 'react-shop-declined', { fullPage: true });
    });
  });

  it('an order whose payment token died while it waited: "Put the items back" restores its lines and discards it, so it cannot be paid for too', { timeout: 300_000 }, async () => {
    await withReactShop(async (shop, context, page) => {
      const unpaid = await needsPayment(shop, page);
      await unpaid.getByRole('button', { name: /back in the cart$/ }).click();
      await page.waitForFunction(() => document.querySelector('[data-test="cart-count"]')?.textContent == '2');
      // Given up: no Pay again for goods that are back in the cart, in this tab or any other.
      await page.waitForFunction(() => document.querySelectorAll('section[aria-label="Your orders"] li').length == 0, null, { timeout: 15_000 });
      assert.equal(await page.getByRole('button', { name: /^Pay again/ }).count(), 0);
      // The button went with the order: the keyboard focus is on what happened, not dropped on the page.
      assert.equal(await page.evaluate(() => document.activeElement !== document.body), true, 'the focus fell to <body> after Put the items back');
      // The checkout that followed the order no longer says it will be placed: the cart is there to pay for.
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == '');
      assert.equal(await payButton(page).isDisabled(), false);
      assert.equal(shop.backend.ledger().charges, 0);
    });
  });

  it('after "Pay again" the checkout follows the new order: it stops asking to pay, also after a reload', { timeout: 300_000 }, async () => {
    await withReactShop(async (shop, context, page) => {
      const unpaid = await needsPayment(shop, page);
      const old = new URL(page.url()).searchParams.get('order');
      // The checkout says the authorisation ran out.
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'needs-payment');
      // A token that lives long enough this time, and the shopper pays again.
      await page.evaluate(() => localStorage.removeItem('react-shop:token-lifetime-ms'));
      await unpaid.getByRole('button', { name: /^Pay again/ }).click();
      // The checkout follows the new order, confirmed; no longer the old one that asked to pay again.
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'confirmed', null, { timeout: 30_000 });
      assert.match(String(await page.locator('[data-test="order-status"]').textContent()), /Thank you, your order is confirmed\. Order ord_\d+/);
      const now = new URL(page.url()).searchParams.get('order');
      assert.notEqual(now, old, 'the URL still names the order that was paid again');
      assert.equal(shop.backend.charges(String(now)), 1);
      assert.equal(shop.backend.ledger().charges, 1);
      // The Pay again button is gone with the click: the keyboard focus is not dropped on the page.
      assert.equal(await page.evaluate(() => document.activeElement !== document.body), true, 'the focus fell to <body> after Pay again');
      await shot(page, 'react-shop-paid-again', { fullPage: true });
      // A reload still shows the new order, not the one that asked to pay again.
      await page.reload();
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'confirmed');
      assert.doesNotMatch(String(await page.locator('[data-test="order-status"]').textContent()), /pay again/i);
      assert.equal(shop.backend.ledger().charges, 1);
    });
  });

  it('with the disk full, a waiting order says it is kept in this page only, never saved on this device', { timeout: 300_000 }, async () => {
    const shop = await startReactShop({ port: 0, log: () => {} });
    const context = await browser().newContext();
    context.setDefaultTimeout(WAIT_MS);
    try {
      const page = await context.newPage();
      // Chromium's DevTools shrink the origin's quota before the shop's first write: IndexedDB refuses, steadycart keeps memory.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(shop.url).origin, quotaSize: 1 });
      await page.goto(shop.url, { timeout: 60_000 });
      await page.locator('[data-test="cart-count"]').waitFor({ timeout: 60_000 });
      await payDuringOutage(shop, page);
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'pending', null, { timeout: 30_000 });
      const told = String(await page.locator('[data-test="order-status"]').textContent());
      assert.match(told, /kept in this page only/);
      assert.doesNotMatch(told, /saved on this device/i);
      await cdp.detach();
    } finally {
      await context.close();
      await shop.close();
    }
  });

  it('two tabs paying for the shared cart at once: one order, one charge', { timeout: 300_000 }, async () => {
    await withReactShop(async (shop, context, a, watch) => {
      const b = watch(await context.newPage());
      await b.goto(shop.url, { timeout: 60_000 });
      await addToCart(a, ['Blue mug', 'Coffee beans, 250 g']);
      await b.waitForFunction(() => document.querySelector('[data-test="cart-count"]')?.textContent == '2');
      await outage(shop, true);
      await a.getByRole('button', { name: /^Pay for 2 items/ }).click();
      // Tab B's Pay, as it stands right after: clicked, in whatever state it is.
      await payButton(b).evaluate((button) => button.click());
      await b.waitForTimeout(300);
      // And once A's order is in the shared outbox, being placed: B cannot pay.
      await b.locator('section[aria-label="Your orders"] li[data-status="sending"]').first().waitFor();
      const disabledInB = await payButton(b).isDisabled();
      await payButton(b).evaluate((button) => button.click());
      await a.waitForFunction(() => !document.querySelector('section[aria-label="Your orders"] li[data-status="sending"]'));
      await outage(shop, false);
      await allConfirmed(a);
      await allConfirmed(b);
      assert.equal(shop.backend.ledger().charges, 1, 'the cart was charged twice');
      assert.deepEqual(await orderStatuses(b), ['confirmed']);
      assert.equal(disabledInB, true, "tab B's Pay while tab A's order was being placed");
      assert.equal(await b.locator('[data-test="cart-count"]').textContent(), '0');
    });
  });

  it('an order two tabs follow leaves the cart once: a unit added while it was on its way stays', { timeout: 300_000 }, async () => {
    // Tab B must follow the order and add a mug within tab A's 3 s budget; on a busy machine it may miss
    // that window, and then nothing is shown: the scenario is tried again, up to 3 times.
    await arranged('tab B follow the order and add a mug while it was on its way', () =>
      withReactShop(async (shop, context, a, watch) => {
        const b = watch(await context.newPage());
        // The moment tab B shows the order being placed (it follows it: its cart's lines), its shopper adds
        // one more mug, from the page itself: the cart holds 2, the order 1. `added` is the count it made.
        await b.addInitScript(() => {
          new MutationObserver((_, observer) => {
            if (document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') != 'sending') return;
            observer.disconnect();
            const count = () => document.querySelector('[data-test="cart-count"]')?.textContent;
            const before = count();
            /** @type {HTMLButtonElement | undefined} */ ([...document.querySelectorAll('article')].find((article) => article.textContent?.includes('Blue mug'))?.querySelector('button'))?.click();
            const w = /** @type {any} */ (window);
            w.added = new Promise((resolve) => new MutationObserver((__, o) => count() != before && (o.disconnect(), resolve(Number(count())))).observe(document, { subtree: true, childList: true, characterData: true }));
          }).observe(document, { subtree: true, childList: true, attributes: true });
        });
        await b.goto(shop.url, { timeout: 60_000 });
        await addToCart(a, ['Blue mug']);
        await b.waitForFunction(() => document.querySelector('[data-test="cart-count"]')?.textContent == '1');
        await outage(shop, true);
        await a.getByRole('button', { name: /^Pay for 1 item/ }).click();
        // Kept as pending: both tabs take the order's lines out once they see it kept; only one of them may.
        const pending = () => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'pending';
        await a.waitForFunction(pending);
        const followed = await b.waitForFunction(pending, null, { timeout: 5000 }).then(() => true, () => false);
        const added = await b.evaluate(() => Promise.race([/** @type {any} */ (window).added, new Promise((resolve) => setTimeout(resolve, 5000))]));
        // Not followed while placed, or added after the lines left: this attempt shows nothing.
        if (!followed || added !== 2) return false;
        // Each tab shows the lines gone once it has taken them out, or heard that the other did (a message
        // on its way for a few milliseconds): from then on both hold at 1, neither back at 2 nor down to 0.
        for (const tab of [b, a]) await tab.waitForFunction(() => Number(document.querySelector('[data-test="cart-count"]')?.textContent) <= 1);
        await holds(async () => {
          for (const tab of [a, b]) assert.equal(await tab.locator('[data-test="cart-count"]').textContent(), '1', 'the mug added while the order was on its way stays');
        });
        await outage(shop, false);
        await allConfirmed(a);
        assert.equal(shop.backend.ledger().charges, 1);
        return true;
      }),
    );
  });

  it('two clicks on Pay in one task: one order, and no word of another tab', { timeout: 300_000 }, async () => {
    await withReactShop(async (shop, context, page) => {
      await addToCart(page, ['Stoneware teapot']);
      // Every message the status line shows, from the clicks on.
      await page.evaluate(() => {
        const status = /** @type {HTMLElement} */ (document.querySelector('[data-test="order-status"]'));
        const said = (/** @type {any} */ (window).said = /** @type {string[]} */ ([]));
        new MutationObserver(() => said.push(String(status.textContent))).observe(status, { subtree: true, childList: true, characterData: true });
      });
      await payButton(page).evaluate((button) => {
        button.click();
        button.click();
      });
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'confirmed');
      await allConfirmed(page);
      await page.waitForTimeout(500);
      assert.deepEqual(await orderStatuses(page), ['confirmed']);
      assert.equal(shop.backend.ledger().orders.length, 1);
      assert.equal(shop.backend.ledger().charges, 1);
      // The second click is ignored: not taken for another tab's checkout, nor for another order.
      const said = await page.evaluate(() => /** @type {any} */ (window).said);
      assert.deepEqual(said.filter((/** @type {string} */ m) => /another/i.test(m)), []);
      // The keyboard focus went from the (now disabled) Pay to the checkout's heading, above the order's status (a live
      // region, not focused: it would be read out twice).
      assert.equal(await page.evaluate(() => document.activeElement?.tagName == 'H2' && !!document.activeElement.closest('section[aria-label="Checkout"]')), true);
    });
  });

  it('Pay orders the cart as stored at the click, not as last drawn: a change the page has not heard of yet is in the order', { timeout: 300_000 }, async () => {
    await withReactShop(async (shop, context, page) => {
      await addToCart(page, ['Blue mug']);
      // The stored cart changes with no word to this page, as when another tab's change is still on its way.
      await setStoredQty(page, 'mug-blue', 2);
      // The page still draws the cart it last heard of (else this test would prove nothing).
      assert.equal(await page.locator('[data-test="cart-count"]').textContent(), '1');
      await page.getByRole('button', { name: /^Pay for 1 item/ }).click();
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'confirmed');
      const { orders } = shop.backend.ledger();
      assert.equal(orders.length, 1);
      assert.deepEqual(/** @type {any} */ (orders[0].body).items, [{ sku: 'mug-blue', qty: 2, unitPrice: 1200 }]);
      assert.equal(/** @type {any} */ (orders[0].body).total, 2400);
    });
  });

  it('a line\'s + adds one to the line as stored, not as drawn: a unit the page has not heard of yet stays', { timeout: 300_000 }, async () => {
    await withReactShop(async (shop, context, page) => {
      await addToCart(page, ['Blue mug']);
      await setStoredQty(page, 'mug-blue', 2);
      assert.equal(await page.locator('[data-test="cart-count"]').textContent(), '1');
      await page.getByRole('button', { name: 'Add one Blue mug' }).click();
      await page.waitForFunction(() => document.querySelector('[data-test="cart-count"]')?.textContent == '3');
    });
  });

  it('names each line\'s buttons, keeps the focus on Remove, says the count, and shows the outage switch as it is after a reload', { timeout: 300_000 }, async () => {
    await withReactShop(async (shop, context, page) => {
      await addToCart(page, ['Blue mug', 'Stoneware teapot', 'Coffee beans, 250 g']);
      const cart = page.locator('section[aria-label="Cart"]');
      assert.equal(await cart.getByRole('button', { name: 'Add one Blue mug' }).count(), 1);
      await page.waitForFunction(() => document.querySelector('[data-test="cart-said"]')?.textContent == '3 items in your cart');
      // Removing a line: the focus goes to the next line's Remove, then (the last line) to the one before, then the heading.
      await cart.getByRole('button', { name: 'Remove Blue mug' }).click();
      await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') == 'Remove Stoneware teapot');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') == 'Remove Coffee beans, 250 g');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement?.tagName == 'H2' && document.activeElement.closest('section[aria-label="Cart"]'));
      await page.waitForFunction(() => document.querySelector('[data-test="cart-said"]')?.textContent == '0 items in your cart');
      // The keyboard's focus ring shows on a dark button: an outline apart from the button, not its own colour.
      const addMug = page.locator('article', { hasText: 'Blue mug' }).getByRole('button', { name: 'Add to cart' });
      await addMug.focus();
      await page.keyboard.press('Tab');
      await page.keyboard.press('Shift+Tab');
      const ring = await addMug.evaluate((el) => {
        const style = getComputedStyle(el);
        return { focused: el == document.activeElement, style: style.outlineStyle, width: parseFloat(style.outlineWidth), color: style.outlineColor, background: style.backgroundColor };
      });
      assert.equal(ring.focused, true);
      assert.notEqual(ring.style, 'none');
      assert.ok(ring.width >= 2, `a ${ring.width}px focus ring`);
      assert.notEqual(ring.color, ring.background);
      await shot(page, 'react-shop-focus-ring');
      assert.equal(await page.locator('header [role="status"]').count(), 1);

      // The outage switch, then a reload: the button still says what it will do.
      await page.getByRole('button', { name: 'Simulate an outage' }).click();
      await page.getByRole('button', { name: 'End the outage' }).waitFor();
      await page.reload();
      await page.getByRole('button', { name: 'End the outage' }).waitFor();
      // What the header's live region says through the outage, from here on.
      await page.evaluate(() => {
        const region = /** @type {HTMLElement} */ (document.querySelector('header [role="status"]'));
        const said = (/** @type {any} */ (window).healthSaid = /** @type {string[]} */ ([]));
        new MutationObserver(() => said.push(String(region.textContent))).observe(region, { subtree: true, childList: true, characterData: true });
      });
      // A waiting order's Try again names the order.
      await addToCart(page, ['Blue mug']);
      await payButton(page).click();
      await page.waitForFunction(() => document.querySelector('[data-test="order-status"]')?.getAttribute('data-status') == 'pending');
      const retry = page.locator('section[aria-label="Your orders"] li[data-status="pending"] button');
      assert.match(String(await retry.getAttribute('aria-label')), /^Try again to place the order of /);
      assert.match(String(await page.locator('section[aria-label="Your orders"] li[data-status="pending"]').textContent()), /waiting for the store, not confirmed yet Try again$/);
      await page.getByRole('button', { name: 'End the outage' }).click();
      await allConfirmed(page);
      // Whether the store can be reached, when that changes: not each endpoint's every change, nor its host.
      await page.waitForTimeout(1500);
      const healthSaid = await page.evaluate(() => /** @type {any} */ (window).healthSaid.filter(Boolean));
      assert.ok(healthSaid.length <= 2, `the header announced ${healthSaid.length} changes: ${healthSaid.join(' | ')}`);
      assert.deepEqual(healthSaid.filter((/** @type {string} */ m) => /\d+\.\d+\.\d+\.\d+|:\d{2,5}|localhost/.test(m)), []);
    });
  });
});
