// steadycart on a server (Node 20, ESM): importing any entry is safe and
// touches no browser global; creating an instance rejects with the typed
// NOT_A_BROWSER; and a Next.js-style server render (the page and its
// imports bundled by esbuild for Node) renders the loading state without
// throwing. Needs `npm run build`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The entries a page's server render may import (steadycart/sw belongs in a service worker only). */
const ENTRIES = ['steadycart', 'steadycart/cart', 'steadycart/react'];
/** What only a browser has: touching any of them while an entry loads would throw on a server. */
const BROWSER_GLOBALS = ['window', 'document', 'navigator', 'self', 'indexedDB', 'addEventListener', 'removeEventListener', 'location', 'localStorage', 'BroadcastChannel'];

describe('importing steadycart on a server', () => {
  it('every entry imports in Node ESM without reading a browser global at load', async () => {
    // A fresh process, so that nothing is cached: each global becomes a getter that records a read.
    const script = `
      const touched = new Set();
      for (const name of ${JSON.stringify(BROWSER_GLOBALS)}) {
        Object.defineProperty(globalThis, name, { configurable: true, get() { touched.add(name); return undefined; } });
      }
      const loaded = {};
      for (const entry of ${JSON.stringify(ENTRIES)}) loaded[entry] = Object.keys(await import(entry)).sort();
      console.log(JSON.stringify({ touched: [...touched], loaded }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    const { touched, loaded } = JSON.parse(stdout);
    assert.deepEqual(touched, [], 'no browser global is read while the entries load');
    assert.ok(loaded['steadycart'].includes('createSteadyCart'));
    assert.ok(loaded['steadycart/cart'].includes('createCart'));
    assert.deepEqual(loaded['steadycart/react'], ['SteadyCartProvider', 'useCart', 'useOutbox', 'usePlaceOrder', 'useSteadyCart', 'useSteadyCartHealth']);
  });

  it('createSteadyCart rejects with NOT_A_BROWSER, a typed error, before reading its options', async () => {
    const { createSteadyCart, isSteadyCartError } = await import('steadycart');
    const call = createSteadyCart({ endpoints: [{ url: 'https://pay.example.com' }] });
    assert.ok(call instanceof Promise, 'rejects, never throws synchronously');
    await assert.rejects(call, (error) => isSteadyCartError(error) && error.code === 'NOT_A_BROWSER' && /browser/.test(error.message));
    // Even invalid options: on a server the answer is that this is no browser.
    await assert.rejects(createSteadyCart({ endpoints: 'nope' }), { code: 'NOT_A_BROWSER' });
  });
});

describe('a Next.js-style server render', () => {
  const dirs = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('bundles the page for Node with esbuild and renders it with react-dom/server', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'steadycart-ssr-'));
    dirs.push(dir);
    const outfile = join(dir, 'page.mjs');
    await esbuild.build({
      entryPoints: [join(ROOT, 'test/node/fixtures/next-page.jsx')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      jsx: 'automatic',
      // Every dependency in the bundle, as a framework's server build does: workbox-window and all.
      outfile,
      logLevel: 'error',
      // React's CommonJS build inside an ES module needs a `require`.
      banner: { js: "import { createRequire as __steadycartRequire } from 'node:module'; const require = __steadycartRequire(import.meta.url);" },
    });
    const page = await import(pathToFileURL(outfile).href);
    const html = page.render();
    assert.match(html, /<span id="badge">cart loading<\/span>/);
    assert.match(html, /order: none, placing: false, outbox: loading, storage: unknown/);
    await assert.rejects(page.createOnServer(), { name: 'SteadyCartError', code: 'NOT_A_BROWSER' });
  });
});
