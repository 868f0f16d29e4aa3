// Builds the browser bundles of steadycart into dist/, their types and dist/sri.json,
// then the Node side: dist/server.mjs (steadycart/server), its types, and dist/cli.mjs.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';
import esbuild from 'rollup-plugin-esbuild';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies);
const banner = `/*! steadycart ${pkg.version} | MIT */`;
// ES2022: what ky 1.14 itself needs (private methods, Object.hasOwn), so no browser is lost by not
// lowering our own syntax below it. Class fields stay constructor assignments (tsconfig.json).
// Exported, with the minifier's options, for bench/size.mjs, which builds its comparison rows the same way.
export const target = 'es2022';

/** Records the sha384 of every bundle in dist/sri.json, for `integrity` attributes. */
const sri = {};
const integrity = {
  name: 'sri',
  writeBundle(options, bundle) {
    for (const [file, chunk] of Object.entries(bundle)) {
      if (chunk.type != 'chunk') continue;
      sri[file] = 'sha384-' + createHash('sha384').update(readFileSync(`dist/${file}`)).digest('base64');
    }
    writeFileSync('dist/sri.json', JSON.stringify(sri, null, 2) + '\n');
  },
};

/**
 * Internal member names the minifier may shorten in the self-contained bundles
 * (script tags and the worker): names of our own classes and run state only,
 * never a name that is stored, posted to another context, sent on the wire, an
 * option or part of the public API, or used by ky, idb or Workbox, and never a
 * name of a browser API we call (the minifier knows only some: `clients.claim`,
 * the lock manager's `held`). A name misjudged here breaks the minified
 * bundles, which the browser and end-to-end tests run.
 */
const INTERNAL_NAMES = [
  'adopt', 'answer', 'backoffMs', 'bodyProblem', 'budget', 'canRetry', 'change', 'channel', 'check', 'checked', 'checkedBodies',
  'circuit', 'circuits', 'clean', 'closes', 'closing', 'committing', 'config', 'core', 'deadline', 'degrade',
  'degrading', 'drain', 'dropped', 'dueInMs', 'early', 'emit', 'events', 'exchange', 'failure', 'firstTry', 'fly',
  'forcedNext', 'forget', 'fresh', 'guarded', 'hedgeFor', 'hold', 'honourRetryAfter', 'ignoreBackoff', 'inDoubt',
  'isClosed', 'latency', 'lease', 'leftMs', 'level', 'listen', 'listeners', 'load', 'lock', 'lockName', 'looked', 'lookUp', 'loop',
  'mayOrder', 'median', 'memory', 'newRecord', 'nextDue', 'observe', 'onDegraded', 'onFailure', 'onRecovered',
  'onRemote', 'onRemoteCart', 'onRemoteChange', 'onRemoteOrder', 'onRemoteOutbox', 'onState', 'onSuccess', 'onWaiting',
  'orders', 'p95', 'permit', 'permits', 'persist', 'pin', 'place', 'placeLocked', 'placer', 'previous', 'probe',
  'probeOpen', 'probeWith', 'probing', 'publish', 'putAll', 'queue', 'queued', 'ratio', 'reachable', 'reachAt',
  'receive', 'reconcileDoubts', 'records', 'recovered', 'refillPerSecond', 'refresh', 'release', 'replay', 'replayOne',
  'retryAfterMs', 'run', 'schedule', 'sendOrder', 'sent', 'settle', 'shared', 'situation', 'startDrain', 'stopped',
  'stores', 'success', 'timeoutFor', 'timer', 'tokenDeadAtStart', 'tokens', 'toMemory', 'tried', 'triggers', 'trust',
  'trusted', 'unproven', 'unsent', 'view', 'waitMs', 'wake', 'withDatabase', 'withDrill', 'writes',
];

// Workbox modules branch on process.env.NODE_ENV: ship their production paths only.
export const terserOptions = {
  ecma: 2020,
  compress: { passes: 3, global_defs: { 'process.env.NODE_ENV': 'production' } },
  // builtins: terser otherwise leaves alone a listed name that is also a DOM property name somewhere (view,
  // queue, memory, listeners, loop, wake…): in these bundles each is a member of our own classes alone.
  mangle: { properties: { regex: new RegExp(`^(?:${INTERNAL_NAMES.join('|')})$`), builtins: true } },
  format: { comments: /^!/ },
};
const minify = terser(terserOptions);
/**
 * The page SDK's script-tag bundle keeps the parentheses around its wrapper
 * function (and any other function called at once): V8 then compiles it as it
 * reads it, instead of pre-parsing the whole 70 kB and parsing it again when
 * the call comes (about 3 ms of an uncached load, for 14 B). The cart alone
 * showed no clear gain, and a service worker's script is compiled once, when
 * installed: both keep the default, and their bytes.
 */
const minifyPageScript = terser({ ...terserOptions, format: { ...terserOptions.format, wrap_iife: true } });

/**
 * Drill mode is left out of the script-tag build (a single file cannot load its
 * chunk later, and every page would carry it): there `drill: true` fails.
 */
const withoutDrill = {
  name: 'steadycart-without-drill',
  resolveId: (id, importer) => (id == './drill/load' && importer?.endsWith('src/index.ts') ? fileURLToPath(new URL('src/drill/unavailable.ts', import.meta.url)) : null),
};

/**
 * The standalone worker's build: `STANDALONE_WORKER` (src/build-flags.ts) is
 * true there, so the code that only the pages' own options need is left out.
 */
const standaloneWorker = {
  name: 'steadycart-standalone-worker',
  resolveId: (id) => (/(^|\/)build-flags$/.test(id) ? '\0build-flags' : null),
  load: (id) => (id == '\0build-flags' ? 'export const STANDALONE_WORKER = true;' : null),
};

/**
 * idb's one build file installs its cursor iterators (`for await` over a store,
 * `store.iterate()`) as a side effect of being imported, so no bundler can drop
 * them; steadycart reads with `get` and `getAll` and never iterates. The bundles
 * a merchant serves as they are leave them out (about 250 B min+gzip each);
 * the modules for bundlers import idb whole. An idb whose file no longer has
 * this shape fails the build, rather than ship them unnoticed.
 */
export const idbWithoutIterators = {
  name: 'idb-without-iterators',
  transform(code, id) {
    if (!/[\\/]node_modules[\\/]idb[\\/]build[\\/]index\.js$/.test(id)) return null;
    const start = code.indexOf('const advanceMethodProps');
    const end = code.indexOf('\nexport {', start);
    if (start < 0 || end < 0) throw new Error(`${id}: idb's cursor iterators not found where rollup.config.mjs cuts them out`);
    return { code: code.slice(0, start) + code.slice(end), map: null };
  },
};

/**
 * ky reports upload and download progress through streams of its own
 * (utils/body.js), reached only when a request sets `onUploadProgress` or
 * `onDownloadProgress`, which steadycart never does (transport/http.ts builds
 * every request's options itself); rollup cannot prove those branches dead. The
 * bundles a merchant serves as they are leave the streams out (about 400 B
 * min+gzip each): each function hands its request or response back as it
 * came, as ky does without progress. A ky whose file no longer has both
 * exports fails the build; one that imports anything else from it fails too.
 */
export const kyWithoutProgress = {
  name: 'ky-without-progress',
  transform(code, id) {
    if (!/[\\/]node_modules[\\/]ky[\\/]distribution[\\/]utils[\\/]body\.js$/.test(id)) return null;
    if (!/export const streamResponse = \(response, onDownloadProgress\)/.test(code) || !/export const streamRequest = \(request, onUploadProgress/.test(code)) {
      throw new Error(`${id}: ky's progress streams not found where rollup.config.mjs leaves them out`);
    }
    return { code: 'export const streamResponse = (response) => response;\nexport const streamRequest = (request) => request;\n', map: null };
  },
};

/** A bundle that carries its dependencies: what a merchant serves as it is. */
const standalone = (input, file, name, plugins = [], minifier = minify) => ({
  input,
  // One file a merchant serves as it is: workbox-window's lazy import is inlined.
  output: { file, format: 'iife', name, sourcemap: true, banner, inlineDynamicImports: true },
  plugins: [...plugins, withoutDrill, idbWithoutIterators, kyWithoutProgress, nodeResolve({ browser: true }), esbuild({ target }), minifier, integrity],
});

/** A module for the merchant's bundler: dependencies stay imports (a file of one too, such as workbox-window's production build). */
const esm = (input, file, { plugins = [], externals = [] } = {}) => ({
  input,
  external: (id) => [...external, ...externals].some((d) => id == d || id.startsWith(d + '/')),
  output: { file, format: 'es', sourcemap: true, banner },
  plugins: [...plugins, esbuild({ target }), integrity],
});

const types = (input, file, { plugins = [], externals = [], banner } = {}) => ({
  input,
  external: externals,
  output: { file, format: 'es', banner },
  plugins: [...plugins, dts()],
});

/**
 * Types of the script-tag bundles, so that `types` export conditions point at
 * something true: each IIFE declares the global it defines, and the standalone
 * worker exports nothing (it is served, never imported).
 */
const scriptTypes = {
  name: 'script-types',
  writeBundle() {
    const global = (name, module) =>
      `/** \`window.${name}\`, which \`${module}.iife.js\` defines when loaded by a script tag (imported as a module, it defines nothing: use it with \`import type\`). */\n` +
      `import type * as ${name}Module from './${module}.js';\ndeclare global {\n  var ${name}: typeof ${name}Module;\n}\nexport {};\n`;
    // The script-tag bundle has no drill mode (drill: true rejects with INVALID_OPTIONS): its type says so.
    writeFileSync(
      'dist/steadycart.iife.d.ts',
      global('SteadyCart', 'steadycart').replace(
        'typeof SteadyCartModule;',
        "Omit<typeof SteadyCartModule, 'createSteadyCart'> & {\n" +
          '    /** `createSteadyCart` of the package, without drill mode (in the ES module build only). */\n' +
          "    createSteadyCart(options?: SteadyCartModule.SteadyCartOptions & { drill?: false | undefined }): Promise<SteadyCartModule.SteadyCart>;\n  };",
      ),
    );
    writeFileSync('dist/steadycart-cart.iife.d.ts', global('SteadyCartCart', 'steadycart-cart'));
    writeFileSync('dist/steadycart-sw.d.ts', '/** The standalone service worker: serve it from your origin; it exports nothing. */\nexport {};\n');
    writeFileSync('dist/steadycart-sw-shell.d.ts', '/** The standalone worker\'s offline shell: serve it next to steadycart-sw.js; it is loaded by the worker, never imported. */\nexport {};\n');
  },
};

/**
 * A page add-on in src/<folder> (steadycart/react, steadycart/otel) imports the
 * SDK as the package `steadycart` (its `../index` and `../types`), never a copy of it.
 */
const sdkImports = (folder) => ({
  name: `steadycart-${folder}-imports`,
  resolveId: (id, importer) =>
    importer && new RegExp(`[\\\\/](src|types)[\\\\/]${folder}[\\\\/]`).test(importer) && /^\.\.\/(index|types)(\.d\.ts|\.ts)?$/.test(id) ? { id: 'steadycart', external: true } : null,
});

/** steadycart/react: `react` from the page's own React. */
const reactBuild = { plugins: [sdkImports('react')], externals: ['react', 'steadycart'] };
/** steadycart/otel: `@opentelemetry/api` (an optional peer dependency) from the page's own; no other bundle carries it. */
const otelBuild = { plugins: [sdkImports('otel')], externals: ['@opentelemetry/api', 'steadycart'] };

/**
 * Node 20 modules (steadycart/server, the steadycart command): node builtins and
 * the optional peer dependencies stay imports, so a browser-only user installs none.
 */
const peers = Object.keys(pkg.peerDependencies ?? {});
const nodeExternal = (id) =>
  id.startsWith('node:') || builtinModules.includes(id) || [...external, ...peers].some((p) => id == p || id.startsWith(p + '/'));
const node = (input, file, banner) => ({
  input,
  external: nodeExternal,
  output: { file, format: 'es', sourcemap: true, banner },
  plugins: [esbuild({ target: 'node20' })],
});

/**
 * The page SDK for bundlers. Drill mode is a chunk of its own
 * (dist/steadycart-drill.mjs), loaded only by `drill: true`.
 */
const page = {
  ...esm('src/index.ts', 'dist/steadycart.mjs'),
  // The entry exports the public API only; what the drill chunk shares with it is in a chunk of its own.
  preserveEntrySignatures: 'strict',
  output: { dir: 'dist', entryFileNames: 'steadycart.mjs', chunkFileNames: 'steadycart-[name].mjs', format: 'es', sourcemap: true, banner },
};

export default [
  page,
  esm('src/sw/index.ts', 'dist/sw.mjs'),
  esm('src/cart/index.ts', 'dist/steadycart-cart.mjs'),
  esm('src/react/index.ts', 'dist/react.mjs', reactBuild),
  esm('src/otel/index.ts', 'dist/otel.mjs', otelBuild),
  standalone('src/index.ts', 'dist/steadycart.iife.js', 'SteadyCart', [], minifyPageScript),
  // The cart alone, for product pages: window.SteadyCartCart.
  standalone('src/cart/index.ts', 'dist/steadycart-cart.iife.js', 'SteadyCartCart'),
  standalone('src/sw/standalone.ts', 'dist/steadycart-sw.js', undefined, [standaloneWorker]),
  // The offline shell, which the standalone worker loads with importScripts only when its pages use it.
  standalone('src/sw/shell-script.ts', 'dist/steadycart-sw-shell.js', 'SteadyCartShell'),
  types('build/types/index.d.ts', 'dist/steadycart.d.ts', { plugins: [scriptTypes] }),
  // ServiceWorkerGlobalScope and friends: a worker's project compiles these types with skipLibCheck: false too.
  types('build/types/sw/index.d.ts', 'dist/sw.d.ts', { banner: '/// <reference lib="webworker" />' }),
  types('build/types/cart/index.d.ts', 'dist/steadycart-cart.d.ts'),
  types('build/types/react/index.d.ts', 'dist/react.d.ts', reactBuild),
  types('build/types/otel/index.d.ts', 'dist/otel.d.ts', otelBuild),
  node('src/server/index.ts', 'dist/server.mjs', banner),
  { ...types('build/types/server/index.d.ts', 'dist/server.d.ts'), external: nodeExternal },
  node('src/cli/index.ts', 'dist/cli.mjs', '#!/usr/bin/env node'),
];
