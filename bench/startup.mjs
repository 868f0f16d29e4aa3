// Start-up: a product page's time from script start to a rendered cart count,
// with steadycart/cart's script-tag build, with the full SDK's, and with a plain
// idb `openDB` + `get` (the least any IndexedDB cart can do), cold (a new browser
// profile: no database yet, nothing cached) and warm (the same profile, a cart of
// three lines stored), side by side in one run, taking turns; warm again with
// the script served as a versioned asset (from the HTTP cache, with the
// browser's compiled code), for comparison only.
//   node bench/startup.mjs [--no-build]   this benchmark alone (through run.mjs: build, measure, write RESULTS.md)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { ROOT, SNAPSHOT, launchBrowser, median, ms, p95, progress, sleep, startStatic, table } from './lib.mjs';

/** Target: at most this many times plain idb's time, cold and warm. */
export const STARTUP_RATIO = 1.5;

/**
 * `ms` against plain idb's `baseMs`, both read on the pages' clock, which
 * ticks in 0.1 ms (`performance.now()` without cross-origin isolation): on
 * that grid, so that the float error in a median (39.29999999701977 for
 * 39.3 ms) cannot tip a ratio at its bound (39.3 / 26.2 is 1.5).
 */
export const startupRatio = (ms, baseMs) => Math.round(ms * 10) / Math.round(baseMs * 10);
/** Page loads per client: each cold one in a browser with a new profile. */
const COLD = 8;
/** A cold page loads this long after its browser started: a shopper's browser is running before the first visit to a shop. */
const SETTLE_MS = 1000;
const WARM = 30;
/** Loads of each cached page before it is timed: the browser keeps a script's compiled code from its second run on. */
const CACHE_WARMUP = 3;
/** Lines in the warm cart; every warm page must render this count. */
const LINES = [1, 2, 3].map((i) => ({ sku: `sku-${i}`, name: `Item ${i}`, unitPrice: 1000 * i, currency: 'EUR', qty: i }));
const COUNT = LINES.reduce((n, l) => n + l.qty, 0);
const OUT = 'bench/out/startup';

/**
 * The clients: the library's script tag, then the page's own code, which
 * calls `render(count, storage)` with the stored cart and leaves its instance
 * in `window.app` (the harness fills the warm cart through it).
 */
export const CLIENTS = {
  idb: {
    name: 'plain idb: `openDB` + `get`',
    script: `/${OUT}/idb.js`,
    code: `idb.openDB('bench-idb', 1, { upgrade: (db) => db.createObjectStore('cart', { keyPath: 'id' }) })
      .then((db) => (window.app = db).get('cart', 'cart'))
      .then((r) => render((r ? r.items : []).reduce((n, i) => n + i.qty, 0), 'indexeddb'));`,
    fill: (lines) => window.app.put('cart', { id: 'cart', items: lines }),
  },
  cart: {
    name: 'steadycart/cart (dist/steadycart-cart.iife.js)',
    script: `/${SNAPSHOT}/steadycart-cart.iife.js`,
    code: `SteadyCartCart.createCart({ namespace: 'bench-cart' })
      .then((cart) => (window.app = cart).subscribe((c) => render(c.count, cart.health().storage)));`,
    fill: async (lines) => {
      for (const line of lines) await window.app.add(line);
    },
  },
  full: {
    name: 'full SDK, cart only (dist/steadycart.iife.js)',
    script: `/${SNAPSHOT}/steadycart.iife.js`,
    code: `SteadyCart.createSteadyCart({ namespace: 'bench-full' })
      .then((sc) => (window.app = sc).cart.subscribe((c) => render(c.count, sc.health().storage)));`,
    fill: async (lines) => {
      for (const line of lines) await window.app.cart.add(line);
    },
  },
};

/**
 * A product page: the clock starts in the first script, before the library's
 * script tag (so its download, parse and run count); `render` puts the count
 * in the page and stops the clock on the first call.
 */
const page = ({ script, code }, cached = false) => `<!doctype html>
<meta charset="utf-8" />
<title>product page</title>
<script>window.t0 = performance.now();</script>
<header>Cart (<span id="count">…</span>)</header>
<script src="${script}${cached ? '?immutable' : ''}"></script>
<script>
  window.loadedMs = performance.now() - t0;
  function render(count, storage) {
    document.getElementById('count').textContent = String(count);
    if (!window.startup) window.startup = { ms: performance.now() - t0, loadedMs, count, storage };
  }
  ${code}
</script>
`;

async function buildPages() {
  mkdirSync(join(ROOT, OUT), { recursive: true });
  await esbuild.build({
    stdin: { contents: `export { openDB } from 'idb';`, resolveDir: ROOT, loader: 'js' },
    outfile: join(ROOT, OUT, 'idb.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'idb',
    target: 'es2020',
    logLevel: 'error',
  });
  for (const [id, client] of Object.entries(CLIENTS)) {
    writeFileSync(join(ROOT, OUT, `${id}.html`), page(client));
    writeFileSync(join(ROOT, OUT, `${id}-cached.html`), page(client, true));
  }
}

/** Loads `id`'s page in `tab` (the one with the cached script for mode `cached`) and waits for its first render. */
async function load(tab, origin, id, mode) {
  await tab.goto(`${origin}/${OUT}/${id}${mode == 'cached' ? '-cached' : ''}.html`);
  await tab.waitForFunction(() => window.startup, null, { timeout: 30_000 });
  return tab.evaluate(() => window.startup);
}

/** The clients in a different order each round, so no one always goes first. */
const rotation = (round) => {
  const ids = Object.keys(CLIENTS);
  return ids.map((_, i) => ids[(i + round) % ids.length]);
};

export async function run() {
  // Every figure here is wall-clock time on a shared machine: say how busy it was.
  const loadBefore = os.loadavg()[0];
  await buildPages();
  const site = await startStatic();
  const samples = { cold: {}, warm: {}, cached: {} };
  for (const mode of Object.keys(samples)) for (const id of Object.keys(CLIENTS)) samples[mode][id] = [];
  const check = (mode, id, s, count) => {
    if (s.count != count || s.storage != 'indexeddb') throw new Error(`${mode} ${id}: rendered ${s.count} (${s.storage}), expected ${count} (indexeddb)`);
    samples[mode][id].push(s);
  };
  try {
    progress(`  cold: ${COLD} page loads per client, each in a new browser profile`);
    for (let round = 0; round < COLD; round++) {
      for (const id of rotation(round)) {
        const browser = await launchBrowser();
        try {
          const tab = await browser.context.newPage();
          await sleep(SETTLE_MS);
          check('cold', id, await load(tab, site.origin, id, 'cold'), 0);
        } finally {
          await browser.close();
        }
      }
    }
    progress(`  warm: ${WARM} page loads per client in one profile, a cart of ${LINES.length} lines stored, and as many with the script cached`);
    const browser = await launchBrowser();
    try {
      const tab = await browser.context.newPage();
      for (const [id, client] of Object.entries(CLIENTS)) {
        await load(tab, site.origin, id, 'warm');
        await tab.evaluate(client.fill, LINES);
        for (let i = 0; i < CACHE_WARMUP; i++) await load(tab, site.origin, id, 'cached');
      }
      // Each client's two pages one after the other, the cached one first every other round.
      for (let round = 0; round < WARM; round++) {
        for (const id of rotation(round)) for (const mode of round % 2 ? ['cached', 'warm'] : ['warm', 'cached']) check(mode, id, await load(tab, site.origin, id, mode), COUNT);
      }
    } finally {
      await browser.close();
    }
  } finally {
    await site.close();
  }
  const stats = {};
  for (const [mode, byClient] of Object.entries(samples)) {
    stats[mode] = {};
    for (const [id, list] of Object.entries(byClient)) {
      const times = list.map((s) => s.ms);
      stats[mode][id] = { n: list.length, median: median(times), p95: p95(times), loaded: median(list.map((s) => s.loadedMs)) };
    }
  }
  return { cold: COLD, warm: WARM, lines: LINES.length, stats, load: [loadBefore, os.loadavg()[0]], cores: os.cpus().length };
}

export function report(d) {
  const rows = [];
  for (const mode of ['cold', 'warm', 'cached']) {
    // (Results from before the cached rows have none.)
    if (!d.stats[mode]) continue;
    for (const [id, client] of Object.entries(CLIENTS)) {
      const s = d.stats[mode][id];
      rows.push([
        id == 'idb' ? `**${mode == 'cached' ? 'warm, script cached' : mode}**` : '',
        id == 'cart' ? `**${client.name}**` : client.name,
        ms(s.median),
        ms(s.p95),
        ms(s.loaded),
        id == 'idb' ? '1.00x' : `${id == 'cart' ? '**' : ''}${startupRatio(s.median, d.stats[mode].idb.median).toFixed(2)}x${id == 'cart' ? '**' : ''}`,
        String(s.n),
      ]);
    }
  }
  return [
    `A product page's time from its first script to the cart count in the page (ms, \`performance.now()\` in the page): the library's script tag (served by the local static server with \`no-cache\` and no validator, so downloaded, parsed and run every time), then opening the database and reading the cart. ` +
      `Cold: a new Chromium profile on disk for every page load, the page loaded ${SETTLE_MS / 1000} s after the browser started (no database yet: the page creates it; the count is 0). Warm: one profile, every page loaded ${d.warm} times after its cart was filled with ${d.lines} lines (the count is checked). ` +
      'Clients take turns in a rotating order; each has its own database. "script run" is when the library\'s script tag finished (download, parse, run). ' +
      `The full SDK runs as a product page would use it for its cart: no endpoints, defaults otherwise. Target: at most ${STARTUP_RATIO}x plain idb, cold and warm.` +
      (d.stats.cached
        ? ` "Warm, script cached" (not judged): the same warm pages, each load right beside its uncached one, with every script served as a versioned asset (\`Cache-Control: public, max-age=31536000, immutable\`) and loaded ${CACHE_WARMUP} times before the timed loads, so the browser runs it from its HTTP cache with the code it compiled before, as for a shop that serves the script under a versioned URL.`
        : '') +
      (d.load ? ` Load average (1 min) when the run started and ended: ${d.load.map((l) => l.toFixed(1)).join(' and ')}, on ${d.cores} cores.` : ''),
    '',
    table(['mode', 'client', 'median ms', 'p95 ms', 'script run ms (median)', 'vs plain idb (median)', 'page loads'], rows),
  ].join('\n');
}

if (process.argv[1] == fileURLToPath(import.meta.url)) {
  // Alone, through run.mjs, so that it builds and snapshots dist/ and records the results like every benchmark.
  const r = spawnSync(process.execPath, [join(ROOT, 'bench/run.mjs'), '--only=startup', ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
