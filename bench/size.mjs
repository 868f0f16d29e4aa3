// Size: min+gzip of the shipped bundles against their dependencies alone and
// against the peer libraries a shop would otherwise assemble, every row built
// the same way as the shipped bundles (rollup + node-resolve + esbuild +
// terser with rollup.config.mjs's options, IIFE) and gzipped at level 9.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';
import esbuild from 'rollup-plugin-esbuild';
import { idbWithoutIterators, kyWithoutProgress, target, terserOptions } from '../rollup.config.mjs';
import { BUDGETS as LIMITS, withDeps } from '../scripts/size.mjs';
import { ROOT, SNAPSHOT, table } from './lib.mjs';

/** steadycart's size targets, in bytes of gzip: the ones scripts/size.mjs reports (it also holds the build's hard limits). */
export const BUDGETS = Object.fromEntries(Object.entries(LIMITS).map(([group, b]) => [group, b.target]));

const require = createRequire(join(ROOT, 'package.json'));
const workboxProd = {
  name: 'workbox-window-prod',
  resolveId: (id) => (id == 'workbox-window' ? require.resolve('workbox-window/build/workbox-window.prod.mjs') : null),
};
const entry = (code) => ({ name: 'entry', resolveId: (id) => (id == 'entry' ? '\0entry' : null), load: (id) => (id == '\0entry' ? code : null) });

/**
 * `code` (an ES module) bundled and minified exactly like rollup.config.mjs's script-tag builds; `asShipped`:
 * idb without the cursor iterators and ky without the progress streams those builds leave out, as steadycart's own bundles carry them.
 */
async function build(code, asShipped = false) {
  const bundle = await rollup({
    input: 'entry',
    plugins: [
      entry(code),
      ...(asShipped ? [idbWithoutIterators, kyWithoutProgress] : []),
      workboxProd,
      nodeResolve({ browser: true, rootDir: ROOT }),
      esbuild({ target }),
      terser(terserOptions),
    ],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'iife', name: 'Measured' });
  await bundle.close();
  return Buffer.from(output[0].code);
}

/** Every export of each package (namespace re-exports: nothing can be shaken off). */
const whole = (packages) => packages.map((p, i) => `export * as d${i} from ${JSON.stringify(p)};`).join('\n');

/** What each row holds; `imports` rows keep only what the code really imports. */
const ROWS = [
  { group: 'cart', name: 'steadycart/cart, the cart alone, shipped (dist/steadycart-cart.iife.js)', file: `${SNAPSHOT}/steadycart-cart.iife.js`, budget: BUDGETS.cart },
  { group: 'cart', name: 'bundler consumer: esbuild on dist/steadycart-cart.mjs + idb, minified', consumer: `${SNAPSHOT}/steadycart-cart.mjs` },
  { group: 'cart', name: 'its dependency alone, as the cart imports and ships it (openDB, without cursor iterators)', code: `export { openDB } from 'idb';`, asShipped: true },
  { group: 'page', name: 'steadycart page SDK, shipped (dist/steadycart.iife.js)', file: `${SNAPSHOT}/steadycart.iife.js`, budget: BUDGETS.page },
  { group: 'page', name: 'bundler consumer: esbuild on dist/steadycart.mjs + its dependencies, minified', consumer: `${SNAPSHOT}/steadycart.mjs` },
  { group: 'page', name: 'its dependencies alone, whole packages: idb + ky + workbox-window (prod)', code: whole(['idb', 'ky', 'workbox-window']) },
  { group: 'page', name: 'its dependencies alone, as the SDK imports and ships them (openDB without cursor iterators, ky without progress streams, Workbox)', code: `export { openDB } from 'idb'; export { default as ky } from 'ky'; export { Workbox } from 'workbox-window';`, asShipped: true },
  { group: 'page', name: 'peer kit, whole packages: idb + ky + cockatiel + workbox-window', code: whole(['idb', 'ky', 'cockatiel', 'workbox-window']) },
  {
    group: 'page',
    name: 'peer kit, as a shop would import it (openDB; ky; cockatiel retry, circuitBreaker, timeout, wrap; Workbox)',
    code: `export { openDB } from 'idb'; export { default as ky } from 'ky'; export { retry, circuitBreaker, timeout, wrap, handleAll, handleWhen, ExponentialBackoff, ConsecutiveBreaker, TimeoutStrategy } from 'cockatiel'; export { Workbox } from 'workbox-window';`,
  },
  { group: 'worker', name: 'steadycart service worker, shipped (dist/steadycart-sw.js)', file: `${SNAPSHOT}/steadycart-sw.js`, budget: BUDGETS.worker },
  { group: 'worker', name: 'its offline shell, a file the worker loads only with offlineShell (dist/steadycart-sw-shell.js)', file: `${SNAPSHOT}/steadycart-sw-shell.js` },
  { group: 'worker', name: 'its dependencies and its shell\'s alone, whole packages: idb + ky + workbox-strategies', code: whole(['idb', 'ky', 'workbox-strategies']) },
  { group: 'worker', name: 'its dependencies alone, as the worker imports and ships them (openDB without cursor iterators, ky without progress streams)', code: `export { openDB } from 'idb'; export { default as ky } from 'ky';`, asShipped: true },
  { group: 'worker', name: 'the same with its shell\'s (openDB without cursor iterators, ky without progress streams; NetworkFirst)', code: `export { openDB } from 'idb'; export { default as ky } from 'ky'; export { NetworkFirst } from 'workbox-strategies';`, asShipped: true },
  { group: 'worker', name: 'peer kit, whole packages: workbox-background-sync + workbox-strategies', code: whole(['workbox-background-sync', 'workbox-strategies']) },
  { group: 'worker', name: 'peer kit, as a shop would import it (BackgroundSyncPlugin, Queue; NetworkFirst, NetworkOnly)', code: `export { BackgroundSyncPlugin, Queue } from 'workbox-background-sync'; export { NetworkFirst, NetworkOnly } from 'workbox-strategies';` },
];

export async function run() {
  const rows = [];
  for (const r of ROWS) {
    const bytes = r.file ? readFileSync(join(ROOT, r.file)) : r.consumer ? await withDeps(r.consumer) : await build(r.code, r.asShipped);
    rows.push({ group: r.group, name: r.name, budget: r.budget, min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  return { rows };
}

const kB = (b) => `${(b / 1000).toFixed(1)} kB`;

export function report(d) {
  return [
    'Bytes of the minified file and of its gzip (level 9). Shipped rows are the files `npm run build` made in dist/ (copied when the run started); every other row is built the same way here ' +
      `(rollup, \`@rollup/plugin-node-resolve\` with \`browser: true\`, \`rollup-plugin-esbuild\` to ${target}, \`@rollup/plugin-terser\` with rollup.config.mjs's options, IIFE, workbox-window's production build), ` +
      'except the "bundler consumer" rows: the ES module a merchant\'s bundler imports (dist/*.mjs), bundled with its dependencies and minified by esbuild (ESM, es2020), as `npm run size` measures it. ' +
      '"Whole packages" re-exports every export (nothing can be tree-shaken: an upper bound); "as imported" keeps only the named imports; "ships" leaves out idb\'s cursor iterators and ky\'s progress streams, as steadycart\'s served bundles do (rollup.config.mjs: the iterators are a side effect of importing idb, and steadycart never iterates; ky reaches the streams only through two options steadycart never sets). ' +
      'The peer kits are the libraries a shop would assemble for the same job, before writing any glue code of its own: cockatiel for retry, timeouts and circuit breaking, ky and idb, workbox-window to register a worker; workbox-background-sync for the queue and workbox-strategies for an offline shell in the worker (workbox-background-sync brings its own idb 7).',
    '',
    table(
      ['bundle', 'min', 'min+gzip', 'target (gzip)'],
      d.rows.map((r) => [r.budget ? `**${r.name}**` : r.name, r.min.toLocaleString('en-US'), r.gzip.toLocaleString('en-US'), r.budget ? `${kB(r.budget)}: ${r.gzip <= r.budget ? 'within' : `**over by ${(r.gzip - r.budget).toLocaleString('en-US')} B**`}` : '']),
    ),
  ].join('\n');
}
