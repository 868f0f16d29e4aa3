// End-to-end: the service worker replays the outbox with no tab open, alongside
// tabs without ever double-charging, and keeps the page shell for offline reloads.
// Chromium through playwright-core, against the fault backend on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBackend } from '../backend/index.mjs';
import { goOffline, goOnline, sharedBrowser, until } from './helpers.mjs';
import { down, openSdkPage, QUICK_TUNING, quickOptions, sdkPageUrl, settled, sharedSite, up } from './sdk-page.mjs';

describe('outbox and service worker, end to end (Chromium)', { timeout: 120_000 }, () => {
  const browser = sharedBrowser();
  const site = sharedSite();

  /** A fresh profile (context), a backend, and a way to open SDK pages in it. */
  async function setup(sdkOptions = {}) {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }, { name: 'eu', domain: 'main' }] });
    const context = await browser().newContext();
    const options = quickOptions(be, { budgetMs: 800, serviceWorker: { url: '/dist/steadycart-sw.js', scope: '/' }, ...sdkOptions });
    const openPage = () => openSdkPage(context, sdkPageUrl(site().origin, options));
    const workerReady = async (page) => page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    const cleanup = async () => {
      await context.close();
      await be.close();
    };
    return { be, context, openPage, workerReady, cleanup };
  }

  test('an order queued offline is placed by the worker on Background Sync, with no tab open: exactly once', async () => {
    const { be, context, openPage, workerReady, cleanup } = await setup();
    try {
      const page = await openPage();
      await workerReady(page);
      await goOffline(context, be.endpoints[0].url, () => down(be, 'refuse'));
      const result = await page.evaluate(() => window.sc.placeOrder({ orderRef: 'sync-1', total: 500, payment: { token: 'tok_1' } }));
      assert.equal(result.status, 'pending');
      await page.close();
      assert.equal(context.pages().length, 0, 'no tab is left to replay');
      assert.equal((await be.ledger()).charges, 0, `nothing is charged while offline: ${JSON.stringify(be.requests())}`);
      // Connectivity returns: the browser fires the sync the page registered, in the worker.
      const online = await goOnline(context, () => up(be));
      await until(() => be.charges(result.id) == 1, { what: 'the worker to place the order' }).catch(async (error) => {
        // Seen once in CI: say what the backend got since, and whether the sync is still registered
        // (the browser retries a rejected one minutes later), to tell a sync that never fired from one that failed.
        const tags = await Promise.all(context.serviceWorkers().map((w) => w.evaluate(() => self.registration.sync?.getTags()).catch((e) => `unreadable: ${e.message}`)));
        throw new Error(`${error.message}; requests since online: ${JSON.stringify(be.requests().filter((r) => r.t >= online))}; sync tags: ${JSON.stringify(tags)}`);
      });
      const ledger = be.ledger();
      assert.equal(ledger.charges, 1);
      assert.equal(ledger.duplicates, 0);
      // Nothing but the worker could have sent it: no page has been open since.
      assert.equal(context.pages().length, 0);
      const posts = be.requests().filter((r) => r.key == result.id && r.route == 'checkout' && r.t >= online);
      assert.ok(posts.length >= 1 && posts.every((r) => r.status == 201), JSON.stringify(posts));
    } finally {
      await cleanup();
    }
  });

  test('two tabs and the worker, all replaying at once: one charge per order, each sent once', async () => {
    // Attempts that never time out on a busy machine, and no hedge: every send after the recovery is a replayer's.
    const { be, openPage, workerReady, cleanup } = await setup({ budgetMs: 10_000, tuning: { ...QUICK_TUNING, attemptTimeoutMs: 5000, minAttemptTimeoutMs: 5000, hedge: false } });
    try {
      const first = await openPage();
      await workerReady(first);
      await down(be);
      const ids = [];
      for (let i = 0; i < 5; i++) {
        const r = await first.evaluate((i) => window.sc.placeOrder({ orderRef: `race-${i}`, total: 100 + i, payment: { token: 'tok_2' } }, { budgetMs: 800 }), i);
        assert.equal(r.status, 'pending');
        ids.push(r.id);
      }
      await up(be);
      // Every context is eligible now: a second tab loads (replays at load), the first recovers
      // by probing, and the worker is woken by a sync from the second tab's pending order.
      const second = await openPage();
      await second.evaluate(() => navigator.serviceWorker.ready.then((reg) => reg.sync?.register(`steadycart:replay`)));
      await until(() => ids.every((id) => be.charges(id) == 1), { what: 'every order placed' });
      await settled(second, be, ids, until);
      for (const id of ids) {
        // Answered, rather than sent after some moment: an open circuit's probe may send an order while
        // the endpoints come back, and get a 503 for it.
        const sent = be.requests().filter((r) => r.key == id && r.route == 'checkout' && r.status == 201).length;
        assert.equal(sent, 1, `order ${id} was answered ${sent} times after recovery`);
      }
      assert.equal(be.ledger().charges, 5);
      assert.equal(be.ledger().duplicates, 0);
      const statuses = await second.evaluate(() => window.sc.outbox.list().then((l) => l.map((e) => e.status)));
      assert.deepEqual(statuses, ['confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed']);
    } finally {
      await cleanup();
    }
  });

  test('with the offline shell, a reload while offline still shows the page and its cart', async () => {
    const { openPage, workerReady, context, cleanup } = await setup({ serviceWorker: { url: '/dist/steadycart-sw.js', scope: '/', offlineShell: true } });
    try {
      const page = await openPage();
      await workerReady(page);
      await page.evaluate(() => window.sc.cart.add({ sku: 'mug', name: 'Mug', unitPrice: 1200, currency: 'EUR', qty: 2 }));
      // The page told the worker what it loaded; give the cache a moment to fill.
      await until(() => page.evaluate(async () => (await caches.keys()).length > 0 && (await (await caches.open((await caches.keys())[0])).keys()).length >= 3), { what: 'the shell to be cached' });
      await context.setOffline(true);
      await page.reload();
      await page.waitForFunction(() => window.ready && window.sc, null, { timeout: 10_000 });
      const cart = await page.evaluate(() => window.sc.cart.get());
      assert.deepEqual(cart.items.map((i) => [i.sku, i.qty]), [['mug', 2]]);
      await context.setOffline(false);
    } finally {
      await cleanup();
    }
  });
});
