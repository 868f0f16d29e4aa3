// @ts-check
/**
 * examples/react-shop end to end in Chromium: the one command's server (the
 * demo backend and Vite, the example's dependencies installed on first use),
 * a shopper adding to the cart and paying, the order confirmed once, and a
 * reload that still shows the order's state from the outbox.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { startReactShop } from '../../examples/react-shop/start.mjs';
import { sharedBrowser, WAIT_MS } from './helpers.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const browser = sharedBrowser();

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
});
