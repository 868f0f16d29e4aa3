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
 * under /dist/ control the whole origin. Loopback only.
 * @returns {Promise<{ origin: string, close(): Promise<void> }>}
 */
export async function startStatic() {
  const server = http.createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    try {
      const body = await readFile(join(ROOT, path));
      res.writeHead(200, {
        'Content-Type': TYPES[/** @type {keyof typeof TYPES} */ (extname(path))] ?? 'application/octet-stream',
        'Service-Worker-Allowed': '/',
        'Cache-Control': 'no-store',
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
