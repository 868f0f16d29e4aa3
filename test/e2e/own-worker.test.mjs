// @ts-check
/**
 * End-to-end: the merchant's own service worker, built with Workbox
 * (workbox-precaching, bundled by esbuild here as a shop's build would) and
 * calling `installSteadyCart`, registered by the page's own code. The SDK is
 * created without `serviceWorker`, and still: an order left pending when the
 * tab closes is placed by that worker alone when connectivity returns, once.
 * Chromium through playwright-core, against the fault backend on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { startBackend } from '../backend/index.mjs';
import { goOffline, goOnline, sharedBrowser, until } from './helpers.mjs';
import { down, openSdkPage, quickOptions, sdkPageUrl, sharedSite, up } from './sdk-page.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the built workers go (test-results/ is served by the static server and never committed). */
const OUT = 'test-results/own-worker';

/**
 * The merchant's worker, as a shop writes it (see examples/react-shop/src/sw.ts),
 * calling `install`: with no options, and with the namespace its pages use.
 */
const WORKERS = [
  { file: 'sw.js', install: 'installSteadyCart(self)', namespace: undefined },
  { file: 'sw-shop-b.js', install: "installSteadyCart(self, { namespace: 'shop-b' })", namespace: 'shop-b' },
];

/** @param {string} install */
const workerSource = (install) => `
import { precacheAndRoute } from 'workbox-precaching';
import { installSteadyCart } from 'steadycart/sw';

precacheAndRoute(self.__WB_MANIFEST);
${install};
`;

/** What a build's injectManifest step puts in place of `self.__WB_MANIFEST`: the page and the SDK. */
const MANIFEST = [
  { url: '/test/fixtures/sdk-page.html', revision: '1' },
  { url: '/dist/steadycart.iife.js', revision: '1' },
];

/** Bundles each worker with Workbox and the built `steadycart/sw` (dist/sw.mjs), for production. */
async function buildWorkers() {
  mkdirSync(join(ROOT, OUT), { recursive: true });
  for (const { file, install } of WORKERS) {
    await build({
      stdin: { contents: workerSource(install), resolveDir: ROOT, loader: 'js' },
      bundle: true,
      format: 'iife',
      target: 'es2020',
      outfile: join(ROOT, OUT, file),
      alias: { 'steadycart/sw': join(ROOT, 'dist/sw.mjs') },
      define: { 'process.env.NODE_ENV': '"production"', 'self.__WB_MANIFEST': JSON.stringify(MANIFEST) },
      logLevel: 'warning',
    });
  }
}

describe("the merchant's own Workbox worker with installSteadyCart, end to end (Chromium)", { timeout: 120_000 }, () => {
  const browser = sharedBrowser();
  const site = sharedSite();
  before(buildWorkers);

  for (const { file, install, namespace } of WORKERS) {
    test(`${install}, with no serviceWorker option: an order left pending when the tab closes is placed by that worker alone, once`, async () => {
      const WORKER_URL = `/${OUT}/${file}`;
      const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }, { name: 'eu', domain: 'main' }] });
      const context = await browser().newContext();
      try {
        const page = await openSdkPage(context, sdkPageUrl(site().origin, quickOptions(be, { budgetMs: 800, ...(namespace ? { namespace } : {}) })));
        // The shop's own code registers its worker; steadycart is not told about it.
        const precached = await page.evaluate(async (url) => {
          await navigator.serviceWorker.register(url, { scope: '/' });
          await navigator.serviceWorker.ready;
          if (!navigator.serviceWorker.controller) await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
          const names = await caches.keys();
          return (await Promise.all(names.map(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname)))).flat();
        }, WORKER_URL);
        assert.ok(precached.includes('/test/fixtures/sdk-page.html'), `Workbox precached the page: ${precached}`);
        assert.equal(await page.evaluate(() => /** @type {any} */ (window).sc.health().worker), 'none', 'steadycart registered no worker of its own');

        await goOffline(context, be.endpoints[0].url, () => down(be, 'refuse'));
        const result = await page.evaluate(() => /** @type {any} */ (window).sc.placeOrder({ orderRef: 'own-1', total: 700, payment: { token: 'tok_own' } }));
        assert.equal(result.status, 'pending');
        await page.close();
        assert.equal(context.pages().length, 0, 'no tab is left to replay');
        assert.equal(be.ledger().charges, 0, `nothing is charged while offline: ${JSON.stringify(be.requests())}`);

        // Connectivity returns: the browser fires the sync the page registered, in the shop's worker.
        const online = await goOnline(context, () => up(be));
        await until(() => be.charges(result.id) == 1, { what: "the shop's worker to place the order" });
        assert.equal(context.pages().length, 0, 'nothing but the worker could have sent it');
        const ledger = be.ledger();
        assert.equal(ledger.charges, 1);
        assert.equal(ledger.duplicates, 0);
        const posts = be.requests().filter((r) => r.key == result.id && r.route == 'checkout' && r.t >= online);
        assert.ok(posts.length >= 1 && posts.every((r) => r.status == 201), JSON.stringify(posts));
      } finally {
        await context.close();
        await be.close();
      }
    });
  }
});
