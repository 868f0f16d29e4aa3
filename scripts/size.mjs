#!/usr/bin/env node
// @ts-check
/**
 * npm run size: what steadycart costs a merchant, in bytes over the wire.
 *
 * Measures, minified and minified + gzip (level 9):
 * - dist/steadycart.iife.js  the page SDK exactly as shipped (dependencies included)   [budgeted]
 * - dist/steadycart-sw.js    the standalone service worker exactly as shipped           [budgeted]
 * - dist/steadycart.mjs, dist/sw.mjs bundled with their dependencies and minified by
 *   esbuild, as a merchant's bundler would (for the record)
 * - the dependencies alone (each one in package.json, then idb + ky + workbox-window's
 *   production build together, then all of them), bundled and minified the same
 *   way (for comparison)
 *
 * Exits 1 when a budgeted bundle's gzip size exceeds its budget (constants
 * below), or when dist/ is missing (run `npm run build` first).
 *
 * Environment:
 *   SKIP_SIZE_FAIL=1   report an overrun as a warning and exit 0, so the rest of
 *                      `npm test` can run while the budget is being worked on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

/*
 * Budgets, min+gzip bytes of the shipped files. DESIGN.md set 12 kB (page) and
 * 10 kB (worker); they were raised, as a recorded decision, when the features
 * the issues require measured more (commit "Size budgets: 19,000 B page,
 * 18,500 B worker"): the dependencies alone take 7.5 kB of the page bundle
 * (idb 1.3, ky 4.9, workbox-window 1.3) and 8.8 kB of the worker (idb, ky,
 * workbox-strategies 2.6 for the offline shell), leaving about 11 kB and 9 kB
 * for steadycart's own code. Lower them again as the code shrinks; never raise
 * them silently.
 */
/** gzip budget of dist/steadycart.iife.js, in bytes. */
const PAGE_BUDGET_GZIP = 19_000;
/** gzip budget of dist/steadycart-sw.js, in bytes. */
const WORKER_BUDGET_GZIP = 18_500;

const require = createRequire(import.meta.url);
// Paths below are relative to the repository root.
process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const skipFail = process.env.SKIP_SIZE_FAIL === '1';

/** Same substitution as rollup.config.mjs: workbox-window's `module` field is its development build. */
/** @type {esbuild.Plugin} */
const workboxProd = {
  name: 'workbox-window-prod',
  setup(build) {
    build.onResolve({ filter: /^workbox-window$/ }, () => ({
      path: require.resolve('workbox-window/build/workbox-window.prod.mjs'),
    }));
  },
};

/**
 * Bundles `contents` (an ES module) with its dependencies and minifies it, as
 * a merchant's bundler would.
 * @param {string} contents
 * @returns {Promise<Uint8Array>}
 */
async function bundle(contents) {
  const out = await esbuild.build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    legalComments: 'none',
    // As rollup.config.mjs does: Workbox modules branch on NODE_ENV; measure their production paths.
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [workboxProd],
    write: false,
    logLevel: 'error',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output');
  return file.contents;
}

/** Runtime dependencies, from package.json. */
const DEPENDENCIES = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).dependencies ?? {}).sort();
/** The page SDK's dependencies: the comparison the budget is argued from. */
const PAGE_DEPENDENCIES = ['idb', 'ky', 'workbox-window'].filter((d) => DEPENDENCIES.includes(d));

/**
 * A module that keeps every export of `packages` (namespace re-exports, so
 * same-named exports of two packages do not cancel each other out).
 * @param {string[]} packages
 */
const everything = (packages) =>
  packages.map((p, i) => `import * as d${i} from ${JSON.stringify(p)};`).join('\n') + `\nexport { ${packages.map((_, i) => `d${i}`).join(', ')} };`;

/** @param {Uint8Array} bytes */
const gzipSize = (bytes) => gzipSync(bytes, { level: 9 }).length;

/**
 * @typedef {object} Row
 * @property {string} name
 * @property {number} min
 * @property {number} gzip
 * @property {number} [budget]
 */

/** @param {string} path */
function shipped(path) {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  return readFileSync(path);
}

/** @param {string} name @param {Uint8Array} bytes @param {number} [budget] @returns {Row} */
const row = (name, bytes, budget) => ({ name, min: bytes.length, gzip: gzipSize(bytes), budget });

/**
 * A built ES module bundled with the dependencies it imports, minified.
 * @param {string} path
 */
function withDeps(path) {
  shipped(path); // fails clearly when not built
  return bundle(`export * from ${JSON.stringify(`./${path}`)};`);
}

/** @returns {Promise<Row[]>} */
async function measure() {
  return [
    row('dist/steadycart.iife.js (page, shipped)', shipped('dist/steadycart.iife.js'), PAGE_BUDGET_GZIP),
    row('dist/steadycart-sw.js (worker, shipped)', shipped('dist/steadycart-sw.js'), WORKER_BUDGET_GZIP),
    row('dist/steadycart.mjs + deps, minified', await withDeps('dist/steadycart.mjs')),
    row('dist/sw.mjs + deps, minified', await withDeps('dist/sw.mjs')),
    ...(await Promise.all(DEPENDENCIES.map(async (d) => row(`deps: ${d}${d === 'workbox-window' ? ' (prod)' : ''}`, await bundle(everything([d])))))),
    row(`deps: ${PAGE_DEPENDENCIES.join(' + ')}`, await bundle(everything(PAGE_DEPENDENCIES))),
    ...(DEPENDENCIES.length > PAGE_DEPENDENCIES.length ? [row(`deps: all ${DEPENDENCIES.length}`, await bundle(everything(DEPENDENCIES)))] : []),
  ];
}

/** @param {number} n */
const fmt = (n) => n.toLocaleString('en-US');

/** @param {Row[]} rows @returns {string[]} names of the bundles over budget */
function print(rows) {
  const w = Math.max(...rows.map((r) => r.name.length));
  /** @param {string} name @param {string} min @param {string} gz @param {string} budget @param {string} verdict */
  const line = (name, min, gz, budget, verdict) =>
    `${name.padEnd(w)}  ${min.padStart(8)}  ${gz.padStart(8)}  ${budget.padStart(9)}  ${verdict}`.trimEnd();
  console.log(line('bundle', 'min', 'min+gz', 'budget gz', ''));
  /** @type {string[]} */
  const over = [];
  for (const r of rows) {
    let verdict = '';
    if (r.budget !== undefined) {
      const diff = r.gzip - r.budget;
      verdict = diff > 0 ? `OVER by ${fmt(diff)}` : `ok (${fmt(-diff)} left)`;
      if (diff > 0) over.push(`${r.name}: ${fmt(r.gzip)} B gzip > budget ${fmt(r.budget)} B`);
    }
    console.log(line(r.name, fmt(r.min), fmt(r.gzip), r.budget === undefined ? '' : fmt(r.budget), verdict));
  }
  console.log('(bytes; gzip level 9; budgets apply to the shipped files)');
  return over;
}

try {
  const over = print(await measure());
  if (over.length) {
    for (const o of over) console.error(`${skipFail ? 'warning' : 'error'}: size budget exceeded: ${o}`);
    if (skipFail) console.error('SKIP_SIZE_FAIL=1: size overrun reported as a warning only.');
    else process.exit(1);
  }
} catch (err) {
  console.error(`size: ${/** @type {Error} */ (err)?.message ?? err}`);
  process.exit(1);
}
