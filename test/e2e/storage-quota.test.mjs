// @ts-check
/**
 * Hardening, a full disk, end to end in Chromium: the DevTools protocol
 * shrinks the origin's quota (`Storage.overrideQuotaForOrigin`) so that
 * IndexedDB writes fail with QuotaExceededError, as on a phone whose storage
 * is full. Invariant 8: checkout never breaks because of steadycart. The SDK
 * says so (`storage:degraded`, `health().storage == 'memory'`), keeps
 * placing orders online, and loses nothing: orders stored before the disk
 * filled are copied into memory and shown, and placed from the database,
 * each exactly once, by a context that still has it (here the next visit):
 * the page's copy is only looked up, since such a context (the service
 * worker, which never falls back) may send the database's copy at any time.
 *
 * Chromium only: no other engine lets a test shrink an origin's quota (Firefox
 * has a browser-wide pref, WebKit nothing scriptable).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startBackend } from '../backend/index.mjs';
import { CHROMIUM_ARGS } from '../runner/browsers.mjs';
import { fillCheckout, outboxEntries, setDemoFaults, sharedBrowser, shot, submitOrder, until, withShop } from './helpers.mjs';
import { down, openSdkPage, quickOptions, sdkPageUrl, settled, sharedSite, up } from './sdk-page.mjs';

/** @typedef {import('playwright-core').Page} Page */

describe('a full disk (QuotaExceededError), end to end (Chromium)', { timeout: 120_000 }, () => {
  const browser = sharedBrowser();
  const site = sharedSite();

  async function setup() {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }, { name: 'eu', domain: 'main' }] });
    const context = await browser().newContext();
    const options = quickOptions(be);
    /** @type {import('playwright-core').CDPSession[]} */
    const sessions = [];
    /**
     * Shrinks the site's quota, through a page of the context. The override lasts
     * while its DevTools session is attached, so the session stays open until cleanup.
     */
    const quota = async (/** @type {Page} */ page, /** @type {number} */ quotaSize) => {
      const cdp = await context.newCDPSession(page);
      sessions.push(cdp);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: site().origin, quotaSize });
    };
    return {
      be,
      context,
      quota,
      open: () => openSdkPage(context, sdkPageUrl(site().origin, options)),
      cleanup: async () => {
        for (const cdp of sessions) await cdp.detach().catch(() => {});
        await context.close();
        await be.close();
      },
    };
  }

  /** @param {Page} page @param {string} ref */
  const place = (page, ref) => page.evaluate((ref) => /** @type {any} */ (window).sc.placeOrder({ orderRef: ref, total: 1250, payment: { token: 'pm_q' } }), ref);
  /** @param {Page} page */
  const events = (page, /** @type {string} */ type) => page.evaluate((type) => /** @type {any} */ (window).events.filter((/** @type {any} */ e) => e.type == type), type);
  /** @param {Page} page */
  const health = (page) => page.evaluate(() => /** @type {any} */ (window).sc.health());

  test('the disk fills up between two visits: the next page degrades to memory, says so, places a new order, and the stored ones are placed from the database, each once', async () => {
    // Chromium reads an origin's quota when its IndexedDB backing store opens, and keeps
    // that store for the browser's lifetime: a quota override does not reach a store
    // already open. So the disk fills between two runs of the browser on one profile,
    // as on a phone whose storage filled up overnight.
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }, { name: 'eu', domain: 'main' }] });
    const profile = mkdtempSync(join(tmpdir(), 'steadycart-quota-'));
    const url = sdkPageUrl(site().origin, quickOptions(be));
    const launch = () => chromium.launchPersistentContext(profile, { executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30_000 });
    /** @type {import('playwright-core').BrowserContext | undefined} */
    let context;
    try {
      context = await launch();
      const first = await openSdkPage(context, url);
      await first.evaluate(() => /** @type {any} */ (window).sc.cart.add({ sku: 'mug', name: 'Mug', unitPrice: 1250, currency: 'EUR', qty: 1 }));
      await down(be);
      /** @type {string[]} */
      const ids = [];
      for (const ref of ['before-1', 'before-2', 'before-3']) {
        const r = await place(first, ref);
        assert.equal(r.status, 'pending');
        ids.push(r.id);
      }
      assert.equal((await health(first)).storage, 'indexeddb');
      await context.close();

      // Next run: the disk is full, 1 byte of quota for the origin, before the shop loads.
      context = await launch();
      const blank = context.pages()[0] ?? (await context.newPage());
      await blank.goto(`${site().origin}/test/fixtures/blank.html`);
      const cdp = await context.newCDPSession(blank);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: site().origin, quotaSize: 1 });
      const page = await openSdkPage(context, url);
      await until(async () => (await events(page, 'storage:degraded')).length > 0, { what: 'storage:degraded' });
      const [degraded] = await events(page, 'storage:degraded');
      assert.match(degraded.detail.reason, /quota/i, `the reason names the quota: ${degraded.detail.reason}`);
      const h = await health(page);
      assert.equal(h.storage, 'memory');
      assert.match(String(h.storageError), /quota/i);
      // What was stored before is still there, copied into memory: the orders and the cart.
      const listed = await outboxEntries(page);
      assert.deepEqual(listed.map((/** @type {any} */ e) => e.id).sort(), [...ids].sort());
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).sc.cart.get().then((/** @type {any} */ c) => c.count)), 1);
      // A new order while the backend is still down is kept (in memory), honestly pending.
      const during = await place(page, 'during');
      assert.equal(during.status, 'pending');
      ids.push(during.id);

      // Recovery: the new orders are placed in this session; the copies of the stored ones are only looked up.
      await up(be);
      await until(() => be.charges(during.id) == 1, { what: 'the order kept in memory placed', timeout: 20_000 });
      const online = await place(page, 'online');
      assert.equal(online.status, 'confirmed', 'online checkout works on a full disk');
      const stored = ids.slice(0, 3);
      const statusOf = async (/** @type {string} */ id) => (await outboxEntries(page)).find((e) => e.id == id)?.status;
      await until(async () => (await statusOf(during.id)) == 'confirmed' && (await statusOf(online.id)) == 'confirmed', { what: 'the new orders confirmed' });
      await until(async () => (await outboxEntries(page)).filter((e) => e.status == 'pending').length == 3, { what: 'the copies still waiting' });
      await until(() => be.requests().some((r) => stored.includes(r.key) && r.route == 'lookup'), { what: 'the copies looked up' });
      for (const id of stored) assert.equal(be.charges(id), 0, `${id}: nothing sent from its copy`);
      await cdp.detach();
      await context.close();

      // The next visit, with room on the disk: the stored orders are placed from the database, once.
      context = await launch();
      const next = await openSdkPage(context, url);
      assert.equal((await health(next)).storage, 'indexeddb');
      await until(() => stored.every((id) => be.charges(id) == 1), { what: 'the stored orders placed', timeout: 20_000 });
      await settled(next, be, stored, until);
      const ledger = be.ledger();
      assert.equal(ledger.charges, 5);
      assert.equal(ledger.duplicates, 0);
      // (Counted by the ledger: a resend after a timeout is answered 201 again, from the stored outcome.)
      for (const id of [...ids, online.id]) assert.equal(be.charges(id), 1, `${id} charged once`);
    } finally {
      await context?.close().catch(() => {});
      await be.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  test('the demo shop with the disk full: a waiting order says it is kept in this page only, never "saved on this device"', async () => {
    await withShop(browser(), async ({ page, demo }) => {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(demo.url).origin, quotaSize: 1 });
      // In memory, the cart does not outlive a page: filled on the checkout itself.
      await page.goto(demo.checkoutUrl);
      await page.waitForFunction(() => /** @type {any} */ (window).sc);
      await page.evaluate(() => /** @type {any} */ (window).sc.cart.add({ sku: 'mug-oat', name: 'Stoneware Mug', unitPrice: 2400, currency: 'USD' }));
      await fillCheckout(page);
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).sc.health().storage), 'memory');
      await setDemoFaults(demo, 'refuse');
      const waiting = await submitOrder(page, { timeout: 20_000 });
      assert.equal(waiting.status, 'pending');
      const told = String(await page.locator('#checkout-main .outcome').textContent());
      assert.match(told, /kept in this page only/);
      assert.doesNotMatch(told, /saved on this device/i);
      assert.match(String(await page.locator('#checkout-lede').textContent()), /kept in this page only/);
      // Leaving would lose it: no "Continue shopping".
      assert.equal(await page.getByRole('link', { name: 'Continue shopping' }).count(), 0);
      await shot(page, 'pending-in-memory');
      // Leaving the page (its header and footer links, a reload, closing it) asks first while the order waits.
      /** Closes the page as the shopper would: the type of the dialog that asks first (dismissed: the page stays), if any. */
      const leave = async () => {
        const asked = new Promise((resolve) => page.once('dialog', (dialog) => (resolve(dialog.type()), dialog.dismiss().catch(() => {}))));
        await page.close({ runBeforeUnload: true });
        return Promise.race([asked, page.waitForEvent('close').then(() => 'closed')]);
      };
      assert.equal(await leave(), 'beforeunload');
      assert.equal(page.isClosed(), false);
      // Once the store has it, nothing is lost by leaving: no more asking.
      await setDemoFaults(demo, 'healthy');
      await page.evaluate((id) => /** @type {any} */ (window).sc.outbox.retry(id), waiting.key);
      await page.locator('#checkout-main .outcome[data-status="confirmed"]').waitFor({ timeout: 20_000 });
      assert.doesNotMatch(String(await page.locator('#checkout-lede').textContent()), /kept in this page only/);
      await cdp.detach();
      assert.equal(await leave(), 'closed');
    });
  });

  test('a page that loads with the disk already full works in memory from the start: cart, checkout, and an outage', async () => {
    const { be, quota, open, cleanup, context } = await setup();
    try {
      // Fill the disk before the first visit: open a blank page of the origin, shrink, then load the shop.
      const blank = await context.newPage();
      await blank.goto(`${site().origin}/test/fixtures/blank.html`);
      await quota(blank, 1);
      const page = await open();
      await page.evaluate(() => /** @type {any} */ (window).sc.cart.add({ sku: 'mug', name: 'Mug', unitPrice: 1250, currency: 'EUR', qty: 2 }));
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).sc.cart.get().then((/** @type {any} */ c) => c.count)), 2);
      const first = await place(page, 'full-1');
      assert.equal(first.status, 'confirmed');
      await until(async () => (await events(page, 'storage:degraded')).length > 0, { what: 'storage:degraded' });
      assert.equal((await health(page)).storage, 'memory');
      await down(be);
      const queued = await place(page, 'full-2');
      assert.equal(queued.status, 'pending');
      await up(be);
      await until(() => be.charges(queued.id) == 1, { what: 'the queued order placed from memory', timeout: 20_000 });
      assert.equal(be.ledger().duplicates, 0);
      assert.equal(be.ledger().charges, 2);
      await blank.close();
    } finally {
      await cleanup();
    }
  });
});
