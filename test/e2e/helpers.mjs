// @ts-check
/**
 * Shared pieces of the end-to-end tests: Chromium through playwright-core,
 * the demo (shop + three fault-injecting endpoints) started in-process on
 * free ports, shopper actions, ledger checks and screenshots.
 */
import { CHROMIUM_ARGS } from '../runner/browsers.mjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { startDemo } from '../../examples/demo-shop/server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where screenshots of the key states go: test-results/screenshots, so a test
 * run never changes the work tree. `E2E_SCREENSHOTS_DIR=docs/screenshots`
 * refreshes the README's pictures; `0` turns them off.
 */
const SHOTS = process.env.E2E_SCREENSHOTS_DIR ?? join(ROOT, 'test-results/screenshots');

/** Bound of every wait in these tests, unless a step says otherwise. */
export const WAIT_MS = 15_000;

/** Chromium's flags, shared with the browser suites. */
export const CHROME_ARGS = CHROMIUM_ARGS;

/** dist/ is built by `npm test` before this phase; alone, build it once (bounded). */
export function ensureBuilt() {
  const needed = ['steadycart.iife.js', 'steadycart-sw.js', 'steadycart-sw-shell.js', 'sri.json', 'steadycart.mjs'];
  if (needed.every((f) => existsSync(join(ROOT, 'dist', f)))) return;
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit', timeout: 5 * 60_000 });
  if (r.status !== 0) throw new Error('npm run build failed: the e2e tests need dist/');
}

/**
 * Chromium for the e2e tests; `options` adds to (or overrides) the launch options.
 * @param {import('playwright-core').LaunchOptions} [options]
 */
export function launchBrowser(options = {}) {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: CHROME_ARGS,
    timeout: 30_000,
    ...options,
  });
}

/**
 * One browser for a test file: built dist/ first if needed, launched before
 * the file's tests and closed after them. Call at module level; the returned
 * function gives the browser inside a test.
 * @returns {() => import('playwright-core').Browser}
 */
export function sharedBrowser() {
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  before(async () => {
    ensureBuilt();
    browser = await launchBrowser();
  });
  after(() => browser?.close());
  return () => /** @type {import('playwright-core').Browser} */ (browser);
}

/**
 * @typedef {object} ShopOptions
 * @property {boolean} [pglite]  the demo's own stores (embedded PGlite, or STEADYCART_STORE), as `npm start`
 *   runs it. Otherwise its serve processes keep their records in memory: one demo per test, and PGlite's
 *   start costs 2 s of CPU per serve process, which two files at once on 2 cores wait for. The stores
 *   themselves are tested in test/server.
 */

/**
 * A fresh demo on free ports and a fresh browser context (its own storage
 * and service workers). Close with `close()`.
 * @param {import('playwright-core').Browser} browser
 * @param {import('playwright-core').BrowserContextOptions} [contextOptions]
 * @param {ShopOptions} [shopOptions]
 */
export async function openShop(browser, contextOptions = {}, shopOptions = {}) {
  const demo = await startDemo({ port: 0, endpointPorts: [0, 0, 0], ...(shopOptions.pglite ? {} : { store: 'memory' }) });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...contextOptions });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  /** @type {string[]} */
  const errors = [];
  const watch = (/** @type {import('playwright-core').Page} */ page) => {
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      // A CSP or Trusted Types violation is a bug of the demo (or the SDK): fail on it.
      if (m.type() === 'error' && /Content Security Policy|Trusted Type|integrity/i.test(m.text())) errors.push(`console: ${m.text()}`);
    });
  };
  context.on('page', watch);
  const page = await context.newPage();
  return {
    demo,
    context,
    page,
    /** Errors seen so far (page errors, CSP/Trusted Types/SRI violations). */
    errors,
    async close() {
      await context.close().catch(() => {});
      await demo.close();
    },
  };
}

/**
 * Runs `steps` on a fresh shop (see `openShop`), then requires that no page
 * error nor CSP/Trusted Types/SRI violation was seen; closes the shop either way.
 * @param {import('playwright-core').Browser} browser
 * @param {(shop: Awaited<ReturnType<typeof openShop>>) => Promise<void>} steps
 * @param {import('playwright-core').BrowserContextOptions} [contextOptions]
 * @param {ShopOptions} [shopOptions]
 */
export async function withShop(browser, steps, contextOptions, shopOptions) {
  const s = await openShop(browser, contextOptions, shopOptions);
  try {
    const result = await steps(s);
    assert.deepEqual(s.errors, []);
    return result;
  } finally {
    await s.close();
  }
}

/** Opens the shop and waits until steadycart is up (the cart badge is live and the worker active). */
export async function gotoShop(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => /** @type {any} */ (window).sc && document.querySelectorAll('.product').length == 12);
}

/** Waits until the steadycart worker controls the page and its offline shell holds the page. */
export async function waitForOfflineShell(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: WAIT_MS });
  // (waitForFunction does not await a predicate's promise: poll from here.)
  await until(
    () =>
      page.evaluate(async () => {
        for (const name of await caches.keys()) if (await (await caches.open(name)).match(location.href)) return true;
        return false;
      }),
    { what: 'the offline shell to keep this page', every: 200 },
  );
}

/** Adds products by SKU from the catalogue, waiting for the badge each time. */
export async function addToCart(page, skus) {
  for (const sku of skus) {
    const before = Number(await page.locator('[data-cart-count]').first().textContent());
    await page.locator(`.product[data-sku="${sku}"] button`).click();
    await page.locator(`[data-cart-count][data-count="${before + 1}"]`).first().waitFor();
  }
}

/**
 * Sets a cart line's quantity in IndexedDB alone, with no word to any page (no channel message,
 * no event), as when another tab's change is still on its way: the page keeps drawing what it
 * last heard of, which opens the window between a stored change and its news on purpose.
 */
export async function setStoredQty(page, sku, qty) {
  await page.evaluate(
    async ([sku, qty]) => {
      const request = (/** @type {IDBRequest} */ r) => new Promise((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
      for (const { name } of await indexedDB.databases()) {
        const db = /** @type {IDBDatabase} */ (await request(indexedDB.open(/** @type {string} */ (name))));
        if (db.objectStoreNames.contains('cart')) {
          const store = db.transaction('cart', 'readwrite').objectStore('cart');
          const cart = await request(store.get('cart'));
          cart.items.find((/** @type {{ sku: string }} */ i) => i.sku == sku).qty = qty;
          await request(store.put({ ...cart, rev: cart.rev + 1, updatedAt: Date.now() }));
        }
        db.close();
      }
    },
    [sku, qty],
  );
}

/** The number of units in the cart, as steadycart stores it. */
export async function cartCount(page) {
  return page.evaluate(() => /** @type {any} */ (window).sc.cart.get().then((/** @type {any} */ c) => c.count));
}

/** Shop, add `skus` to the cart, go to checkout and fill it in. */
export async function readyToPay(page, demo, skus) {
  await gotoShop(page, demo.url);
  await addToCart(page, skus);
  await page.goto(demo.checkoutUrl);
  await fillCheckout(page);
}

export const SHOPPER = { email: 'ana@example.com', name: 'Ana Lima', line1: '12 Harbour Road', city: 'Portland', postalCode: '04101' };

/** Fills the checkout form (the page must be /checkout with a non-empty cart). */
export async function fillCheckout(page, shopper = SHOPPER) {
  await page.locator('#checkout-form').waitFor();
  for (const [id, value] of Object.entries(shopper)) await page.fill(`#${id}`, value);
}

/**
 * Places the order and waits for the outcome panel.
 * @returns {Promise<{ status: string, key: string, orderId: string }>}
 */
export async function submitOrder(page, { timeout = WAIT_MS } = {}) {
  await page.click('#place-order');
  const outcome = page.locator('#checkout-main .outcome, #form-error[data-status]').first();
  await outcome.waitFor({ timeout });
  return outcomeOf(page);
}

export async function outcomeOf(page) {
  const el = page.locator('#checkout-main .outcome');
  if (!(await el.count())) return { status: String(await page.locator('#form-error').getAttribute('data-status')), key: '', orderId: '' };
  return {
    status: String(await el.getAttribute('data-status')),
    key: String(await el.getAttribute('data-order-key')),
    orderId: String(await el.getAttribute('data-order-id')),
  };
}

/** Sets an endpoint's fault through the lab's fault panel, as a shopper-developer would. */
export async function setFaultInPanel(page, endpoint, value) {
  await page.selectOption(`#fault-${endpoint}`, value);
  // Until the backend has taken it, asked as the lab asks. (Polled from here: `waitForFunction` settles on a
  // predicate's first promise, whatever it resolves to.)
  const url = new URL(page.url()).origin + (await page.evaluate(() => JSON.parse(document.querySelector('meta[name="demo-config"]').getAttribute('content')).backend));
  await until(
    () =>
      page.evaluate(
        async ([url, name, want]) => {
          const state = await (await fetch(url, { cache: 'no-store' })).json();
          const f = state.faults[name];
          const v = !f || f.kind == 'healthy' ? 'healthy' : f.kind == 'status' ? String(f.status) : f.kind;
          return v == want;
        },
        [url, endpoint, value],
      ),
    { what: `the backend to take ${endpoint}'s fault ${value}` },
  );
}

/** The backend's ledger, through the demo's control API. */
export async function ledger(demo) {
  const res = await fetch(`${demo.backendUrl}/ledger`);
  assert.equal(res.status, 200);
  return /** @type {Promise<{ orders: any[], charges: number, declines: number, duplicates: number }>} */ (res.json());
}

/**
 * Sets `fault` on every endpoint of the demo's backend, through its control API.
 * @param {{ backendUrl: string, endpoints: Array<{ name: string }> }} demo
 * @param {string} fault
 */
export async function setDemoFaults(demo, fault) {
  for (const { name } of demo.endpoints) {
    const res = await fetch(`${demo.backendUrl}/fault`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, fault }) });
    assert.equal(res.status, 200, await res.text());
  }
}

/**
 * The ledger must hold exactly one charge per order key given, nothing else,
 * and no duplicate charge.
 * @param {{ backendUrl: string }} demo
 * @param {string[]} keys
 */
export async function assertOneChargeEach(demo, keys) {
  const l = await ledger(demo);
  assert.equal(l.duplicates, 0, 'the ledger counts a duplicate charge');
  for (const key of keys) {
    assert.equal(l.orders.filter((o) => o.charged && o.key === key).length, 1, `order ${key} must be charged exactly once`);
  }
  assert.equal(l.charges, keys.length, `expected ${keys.length} charge(s) in the ledger, found ${l.charges}`);
  return l;
}

/** Saves a screenshot into test-results/screenshots/ (or E2E_SCREENSHOTS_DIR). */
export async function shot(target, name, options = {}) {
  if (SHOTS === '0') return;
  mkdirSync(SHOTS, { recursive: true });
  await target.screenshot({ path: join(SHOTS, `${name}.png`), animations: 'disabled', ...options });
}

/** A screenshot with a taller window, so the whole lab (log, outbox, ledger) is in view; then the size is restored. */
export async function tallShot(page, name, height = 1500) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: size?.width ?? 1440, height });
  await page.waitForTimeout(150);
  await shot(page, name);
  if (size) await page.setViewportSize(size);
}

/** Resolves after `ms`. */
export const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The outbox's entries, as the page's SDK instance (`window.sc`) lists them.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<any[]>}
 */
export const outboxEntries = (page) => page.evaluate(() => /** @type {any} */ (window).sc.outbox.list());

/** Polls `fn` until it returns a truthy value, at most `timeout` ms. */
export async function until(fn, { timeout = WAIT_MS, every = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(every);
  }
}

/** Runs `check` (which asserts) every `every` ms for `ms`: what `until` waits for, this holds to. */
export async function holds(check, { ms = 2000, every = 100 } = {}) {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    await check();
    await sleep(every);
  }
}

/**
 * Runs `scenario` up to `attempts` times, until one reports (`true`) that it arranged what it
 * needs: a timing window a busy machine may miss, which then shows nothing. Fails, saying `what`
 * was never arranged, when none did.
 */
export async function arranged(what, scenario, attempts = 3) {
  for (let attempt = 1; attempt <= attempts; attempt++) if (await scenario()) return;
  assert.fail(`in none of ${attempts} attempts did ${what}`);
}

/**
 * Takes a browser context offline, and resolves once its service workers are
 * offline too. Playwright emulates offline in a worker only once it has
 * attached to it: until then a worker woken by Background Sync (which the
 * page registers as soon as an order waits) would still reach `url`.
 *
 * The emulation leaks: some requests of a page that a service worker
 * controls still reach the network (beside the browser suite, 4 runs in 60
 * of own-worker.test.mjs had an order's sixth attempt charged; a fresh-clone
 * CI run saw it once in outbox-worker.test.mjs, whose worker has no fetch
 * handler; Playwright issue #2311). So the endpoints refuse connections as
 * well (`refuse`, called once the worker is seen offline), as they would with
 * the network down, until {@link goOnline}.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} url  any URL the worker could reach while online (a backend's)
 * @param {() => Promise<unknown>} refuse  sets every endpoint of the backend refusing connections
 */
export async function goOffline(context, url, refuse) {
  await context.setOffline(true);
  await until(() => context.serviceWorkers().length, { what: 'the service worker to be attached' });
  for (const worker of context.serviceWorkers()) {
    const offline = () => worker.evaluate((u) => fetch(u, { mode: 'no-cors', cache: 'no-store' }).then(() => false, () => true), url);
    await until(offline, { what: 'the service worker to be offline' });
  }
  await refuse();
}

/**
 * Connectivity returns after {@link goOffline}: the endpoints answer again
 * (`heal`), then the context goes online. Resolves with the time it did:
 * what arrives from then on was sent online.
 * @param {import('playwright-core').BrowserContext} context
 * @param {() => Promise<unknown>} heal  sets every endpoint of the backend healthy
 */
export async function goOnline(context, heal) {
  await heal();
  const online = Date.now();
  await context.setOffline(false);
  return online;
}
