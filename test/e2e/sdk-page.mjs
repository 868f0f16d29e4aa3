// @ts-check
/**
 * What the end-to-end tests of the SDK itself share (outbox-worker,
 * storage-quota, chaos-soak; the benchmarks too): a static server for the
 * repository on 127.0.0.1 that serves files byte for byte (so dist/ is
 * exactly what a shop ships), the page that loads the built SDK by script
 * tag.
 */
import { readFile } from 'node:fs/promises';
import { after, before } from 'node:test';
import http from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.map': 'application/json' };

/**
 * Serves the repository on 127.0.0.1 (an ephemeral port), letting workers
 * under /dist/ control the whole origin. Loopback only. A request whose
 * query is `?immutable` is answered as a versioned asset that never changes
 * (the start-up benchmark's cached script).
 * @returns {Promise<{ origin: string, close(): Promise<void> }>}
 */
export async function startStatic() {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    try {
      const body = await readFile(join(ROOT, path));
      res.writeHead(200, {
        'Content-Type': TYPES[/** @type {keyof typeof TYPES} */ (extname(path))] ?? 'application/octet-stream',
        'Service-Worker-Allowed': '/',
        // Fetched afresh every time, and still kept by the offline shell (which keeps nothing no-store);
        // an `?immutable` asset is kept as a shop keeps a versioned script.
        'Cache-Control': url.search == '?immutable' ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * The static server for a test file: started before the file's tests and
 * closed after them. Call inside the file's `describe`; the returned
 * function gives the server inside a test.
 * @returns {() => { origin: string, close(): Promise<void> }}
 */
export function sharedSite() {
  /** @type {{ origin: string, close(): Promise<void> } | undefined} */
  let site;
  before(async () => {
    site = await startStatic();
  });
  after(() => site?.close());
  return () => /** @type {{ origin: string, close(): Promise<void> }} */ (site);
}

/** Short timeouts and circuit intervals, so that orders queue and recover in about a second. */
export const QUICK_TUNING = Object.freeze({ attemptTimeoutMs: 400, openMs: 300, maxOpenMs: 1000 });

/**
 * SDK options for every endpoint of `be` with quick tuning and a short
 * budget; `extra` overrides.
 * @param {{ endpoints: Array<{ url: string, domain: string }> }} be
 * @param {object} [extra]
 */
export const quickOptions = (be, extra = {}) => ({
  endpoints: be.endpoints.map(({ url, domain }) => ({ url, domain })),
  budgetMs: 600,
  tuning: QUICK_TUNING,
  ...extra,
});

/**
 * Sets `fault` (503 by default) on `us` and `eu`: an outage of the main domain.
 * @param {{ setFault(name: string, fault: string | object): Promise<void> }} be
 */
export async function down(be, fault = '503') {
  for (const name of ['us', 'eu']) await be.setFault(name, fault);
}

/** `us` and `eu` healthy again. @param {{ setFault(name: string, fault: string): Promise<void> }} be */
export async function up(be) {
  for (const name of ['us', 'eu']) await be.setFault(name, 'healthy');
}

/**
 * Resolves once the outbox `page` sees holds every entry confirmed and no
 * request for `ids` is still in flight at the server: no context can send
 * one of them again after that (a confirmed entry is never replayed), so what
 * the server logged is final, with no sleep.
 * @param {import('playwright-core').Page} page
 * @param {{ requests(): Array<{ key: string | null, status: unknown }> }} be
 * @param {string[]} ids
 * @param {(check: () => unknown, options: { what: string, timeout?: number }) => Promise<unknown>} until
 */
export async function settled(page, be, ids, until) {
  await until(
    async () =>
      (await page.evaluate(() => /** @type {any} */ (window).sc.outbox.list().then((/** @type {any[]} */ l) => l.every((e) => e.status == 'confirmed')))) &&
      !be.requests().some((q) => q.key !== null && ids.includes(q.key) && q.status === null),
    { what: 'every order confirmed and nothing in flight', timeout: 20_000 },
  );
}

/** The page that loads the built SDK by script tag, with `options`. */
export const sdkPageUrl = (/** @type {string} */ origin, /** @type {object} */ options) =>
  `${origin}/test/fixtures/sdk-page.html?options=${encodeURIComponent(JSON.stringify(options))}`;

/**
 * Opens the SDK page in `context` and waits for `window.sc`.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} url
 */
export async function openSdkPage(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => /** @type {any} */ (window).sc);
  return page;
}
