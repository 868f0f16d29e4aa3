// @ts-check
/**
 * Koa middleware and a plugin for the web-test-runner dev server:
 * - the fault backend's control API (test/backend) mounted at /__backend;
 * - `Service-Worker-Allowed: /` on every response, so a worker served from
 *   /test/ or /dist/ may control any scope;
 * - `Cache-Control: no-store` under /dist/ and /test/, so a rebuilt bundle or
 *   an edited fixture is never served stale (service workers cache hard).
 */

import { fileURLToPath } from 'node:url';

/** @typedef {import('koa').Context} Context */
/** @typedef {(ctx: Context, next: () => Promise<unknown>) => Promise<unknown>} Middleware */
/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */
/** @typedef {import('../backend/control.mjs').ControlHandler} ControlHandler */

export const BACKEND_PREFIX = '/__backend';

/**
 * Applied at the last moment, in `writeHead`: web-test-runner's own cache
 * middleware runs outside the config's middleware and stamps
 * `Cache-Control: public, max-age=31536000` on every file after we return,
 * so setting the header in Koa would be overwritten. This also covers
 * responses that bypass Koa (`ctx.respond = false`, e.g. /__backend).
 * @param {Context} ctx
 * @param {() => Promise<unknown>} next
 */
export const headersMiddleware = async (ctx, next) => {
  const res = ctx.res;
  // `?cacheable`: a page the offline shell may keep (it keeps nothing marked no-store).
  const cacheable = ctx.querystring.split('&').includes('cacheable');
  // `?private`: a page for one user, as many frameworks mark a dynamic page (no no-store), which the shell must not keep either.
  const personal = ctx.querystring.split('&').includes('private');
  const noStore = (ctx.path.startsWith('/dist/') || ctx.path.startsWith('/test/')) && !cacheable && !personal;
  const writeHead = res.writeHead;
  res.writeHead = /** @type {typeof res.writeHead} */ (
    function (/** @type {any[]} */ ...args) {
      if (!res.headersSent) {
        res.setHeader('Service-Worker-Allowed', '/');
        if (cacheable) res.setHeader('Cache-Control', 'no-cache');
        if (personal) res.setHeader('Cache-Control', 'max-age=0, private, must-revalidate');
        if (noStore) {
          res.setHeader('Cache-Control', 'no-store');
          res.removeHeader('ETag');
          res.removeHeader('Last-Modified');
        }
      }
      return writeHead.apply(res, /** @type {any} */ (args));
    }
  );
  await next();
};

/**
 * Loads test/backend/index.mjs defensively: when it is missing or broken,
 * /__backend answers 503 with `X-Steadycart-Backend: missing` and the reason,
 * and tests that need it can skip with that reason, instead of the whole
 * runner failing to start.
 * @returns {Promise<{ middleware: Middleware, plugin: { name: string, serverStop(): Promise<void> }, available: boolean, reason: string | null, control: () => ControlHandler | null }>}
 */
export async function backendControl() {
  /** @type {ControlHandler | null} */
  let handler = null;
  /** @type {string | null} */
  let reason = null;
  try {
    const mod = await import('../backend/index.mjs');
    if (typeof mod.createControlHandler !== 'function') reason = 'test/backend/index.mjs does not export createControlHandler()';
    else handler = /** @type {ControlHandler} */ (mod.createControlHandler());
  } catch (err) {
    reason = `test/backend/index.mjs could not be loaded: ${/** @type {Error} */ (err)?.message ?? err}`;
  }
  if (reason) console.warn(`[steadycart] fault backend unavailable: ${reason}`);

  /** @param {Context} ctx @param {() => Promise<unknown>} next */
  const middleware = async (ctx, next) => {
    if (ctx.path !== BACKEND_PREFIX && !ctx.path.startsWith(`${BACKEND_PREFIX}/`)) return next();
    if (!handler) {
      ctx.status = 503;
      ctx.set('X-Steadycart-Backend', 'missing');
      ctx.body = { error: 'backend_unavailable', reason };
      return;
    }
    // Hand the raw Node request to the backend; Koa must not touch the response.
    ctx.respond = false;
    const h = handler;
    await new Promise((resolve) => {
      ctx.res.once('finish', resolve);
      ctx.res.once('close', resolve);
      h(ctx.req, ctx.res);
    });
  };

  return {
    middleware,
    plugin: {
      name: 'steadycart-backend-control',
      // Called when the runner stops: close every backend a test left open.
      async serverStop() {
        await handler?.closeAll();
      },
    },
    available: !!handler,
    reason,
    /** The control handler itself (null when the backend is missing), e.g. to adopt backends started here. */
    control: () => handler,
  };
}

/**
 * Instrumentation of the versioned test worker, installed before the SDK's
 * worker code: it counts `skipWaiting()` calls and `Cache#add` URLs, and
 * answers a `__probe__` message (on the port sent with it) with both, once
 * the work that earlier events handed to `waitUntil` has settled. A worker
 * handles its messages in order, so a probe answered after a message proves
 * what that message did, with no sleep.
 */
const WORKER_PROBE = `(() => {
  let skips = 0;
  const added = [];
  const pending = [];
  const skipWaiting = self.skipWaiting.bind(self);
  self.skipWaiting = () => (skips++, skipWaiting());
  const waitUntil = ExtendableEvent.prototype.waitUntil;
  ExtendableEvent.prototype.waitUntil = function (promise) {
    pending.push(Promise.resolve(promise).catch(() => {}));
    return waitUntil.call(this, promise);
  };
  const add = Cache.prototype.add;
  Cache.prototype.add = function (request) {
    added.push(request instanceof Request ? request.url : String(request));
    return add.call(this, request);
  };
  self.addEventListener('message', (event) => {
    if (!event.data || event.data.type !== '__probe__' || !event.ports[0]) return;
    const port = event.ports[0];
    event.waitUntil(Promise.all(pending.splice(0)).then(() => port.postMessage({ skips, added: added.slice() })));
  });
})();`;

/** With `?installMs=<ms>` in its URL, the test worker takes that long to install: a first visit whose worker is not active yet. */
const SLOW_INSTALL = `self.addEventListener('install', (event) => {
  const ms = Number(new URL(location.href).searchParams.get('installMs'));
  if (ms) event.waitUntil(new Promise((resolve) => setTimeout(resolve, ms)));
});`;

/**
 * A merchant's own worker: `installSteadyCart(self, { config })` with the
 * configuration in its URL's `config` parameter (JSON), bundled from src/
 * with esbuild when asked for.
 * @returns {Promise<string>}
 */
async function ownConfigWorker() {
  return bundleWorker(`import { installSteadyCart } from './src/sw/index';
    installSteadyCart(self, { config: JSON.parse(new URL(self.location.href).searchParams.get('config')) });`);
}

/**
 * A merchant's Workbox worker: `precacheAndRoute` of the file in its URL's
 * `precache` parameter, then `installSteadyCart(self, { offlineShell: true })`,
 * bundled from src/ with esbuild. It answers `{ type: '__errors__' }` on the
 * port it is sent with every error thrown in it so far.
 * @returns {Promise<string>}
 */
async function precacheShellWorker() {
  return bundleWorker(`import { precacheAndRoute } from 'workbox-precaching';
    import { installSteadyCart } from './src/sw/index';
    const errors = [];
    self.addEventListener('error', (event) => errors.push(String(event.message)));
    self.addEventListener('unhandledrejection', (event) => errors.push(String(event.reason)));
    self.addEventListener('message', (event) => event.data?.type === '__errors__' && event.ports[0]?.postMessage(errors));
    precacheAndRoute([{ url: new URL(self.location.href).searchParams.get('precache'), revision: '1' }]);
    installSteadyCart(self, { offlineShell: true });`);
}

/**
 * `contents` (a module importing from src/ and node_modules) as one worker script.
 * @param {string} contents
 * @returns {Promise<string>}
 */
async function bundleWorker(contents) {
  const { build } = await import('esbuild');
  const out = await build({
    stdin: {
      contents,
      resolveDir: fileURLToPath(new URL('../../', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    target: 'es2020',
    // Workbox's modules read it, as a merchant's bundler defines it.
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'error',
  });
  return out.outputFiles[0].text;
}

/**
 * Dynamic fixtures for service worker tests:
 * - `/test/fixtures/own-config-sw.js`: `ownConfigWorker`;
 * - `/test/fixtures/precache-shell-sw.js`: `precacheShellWorker`;
 * - `/test/fixtures/versioned-sw` is a worker that differs by a byte on every
 *   fetch (it imports the built standalone worker, after WORKER_PROBE), so
 *   every update check finds a new version: how a test makes a worker wait
 *   (`/test/fixtures/steadycart-sw-shell.js` is dist's, for its offline shell);
 *   with `?installMs=<ms>` it takes that long to install (SLOW_INSTALL);
 * - `/test/sw-scope/<namespace>/tab.html` serves the tab fixture from inside a
 *   test's own worker scope, so that the worker has a client to control;
 * - `/test/fixtures/redirect?to=<path>` answers 302 to that same-origin path
 *   (a page whose URL now redirects: a session that ended, a one-time URL).
 * @param {Context} ctx
 * @param {() => Promise<unknown>} next
 */
export const fixturesMiddleware = async (ctx, next) => {
  if (ctx.path === '/test/fixtures/own-config-sw.js') {
    ctx.type = 'text/javascript';
    ctx.body = await ownConfigWorker();
    return;
  }
  if (ctx.path === '/test/fixtures/precache-shell-sw.js') {
    ctx.type = 'text/javascript';
    ctx.body = await precacheShellWorker();
    return;
  }
  if (ctx.path === '/test/fixtures/redirect') {
    const to = String(ctx.query.to ?? '/');
    ctx.status = 302;
    ctx.set('Location', to.startsWith('/') && !to.startsWith('//') ? to : '/');
    return;
  }
  if (ctx.path === '/test/fixtures/versioned-sw') {
    ctx.type = 'text/javascript';
    ctx.body = `${WORKER_PROBE}\n${SLOW_INSTALL}\nimportScripts('/dist/steadycart-sw.js');\n// version ${Date.now()}-${Math.random()}\n`;
    return;
  }
  // The standalone worker loads its offline shell from next to the worker's own URL: here, that of versioned-sw.
  if (ctx.path === '/test/fixtures/steadycart-sw-shell.js') ctx.path = '/dist/steadycart-sw-shell.js';
  if (/^\/test\/sw-scope\/[\w-]+\/tab\.html$/.test(ctx.path)) ctx.path = '/test/fixtures/tab.html';
  await next();
};

/**
 * Payment-page fixtures for test/browser/hardening/csp.test.ts, built at
 * request time so that headers and integrity values always match the
 * current dist/:
 * - `/test/csp/page.html?options=<json>[&sdk=tampered][&policy=nonce|hash][&tt=other]`:
 *   a page under a strict Content-Security-Policy (`default-src 'none'`,
 *   scripts by nonce or by hash only, no `unsafe-eval`, `connect-src` limited
 *   to the loopback endpoints named in `options`, `worker-src 'self'`,
 *   `require-trusted-types-for 'script'; trusted-types steadycart`, or with
 *   `tt=other` only `trusted-types other`). It runs
 *   a first inline script that records `securitypolicyviolation` events and
 *   script load errors, then the SDK by script tag with the integrity value
 *   from dist/sri.json, then test/fixtures/csp-app.js (both byte for byte,
 *   below; by hash, the app script is inline);
 * - `/test/csp/dist/{steadycart.iife.js,steadycart-cart.iife.js,steadycart-sw.js,sri.json}` and
 *   `/test/csp/app.js` (test/fixtures/csp-app.js): the files byte for byte,
 *   as a merchant serves them. (The dev server's esbuild plugin re-emits every
 *   .js it serves, /dist/ included, so /dist/*.js would fail its own SRI.)
 * - `/test/csp/tt-{required,other}/{steadycart-sw.js,steadycart-sw-shell.js}`: the
 *   standalone worker and its shell with a worker CSP that requires Trusted Types
 *   and allows `steadycart`, or that allows only another policy name;
 * - `/test/csp/tampered/steadycart.iife.js`: the built bundle with one byte
 *   changed (the page keeps the genuine integrity value: the browser must
 *   refuse it).
 * A dist/sri.json that does not match the bundle is answered with 500 and the
 * reason, so that a stale build fails loudly instead of testing nothing.
 * @param {Context} ctx
 * @param {() => Promise<unknown>} next
 */
export const securityFixturesMiddleware = async (ctx, next) => {
  if (ctx.path === '/test/csp/page.html') return cspPage(ctx);
  const verbatim = /^\/test\/csp\/dist\/(steadycart\.iife\.js|steadycart-cart\.iife\.js|steadycart-sw\.js|sri\.json)$/.exec(ctx.path);
  if (verbatim || ctx.path === '/test/csp/app.js') {
    const { readFile } = await import('node:fs/promises');
    ctx.type = verbatim?.[1] === 'sri.json' ? 'application/json' : 'text/javascript';
    ctx.body = verbatim ? await readDist(verbatim[1]) : await readFile(new URL('csp-app.js', FIXTURES));
    return;
  }
  // The standalone worker and its shell under a worker CSP: `required` demands Trusted Types
  // and allows the `steadycart` policy; `other` allows only another policy name, demanding nothing.
  const workerCsp = /^\/test\/csp\/tt-(required|other)\/(steadycart-sw\.js|steadycart-sw-shell\.js)$/.exec(ctx.path);
  if (workerCsp) {
    ctx.type = 'text/javascript';
    ctx.set('Content-Security-Policy', workerCsp[1] === 'required' ? "require-trusted-types-for 'script'; trusted-types steadycart" : 'trusted-types other');
    ctx.body = await readDist(/** @type {string} */ (workerCsp[2]));
    return;
  }
  if (ctx.path === '/test/csp/tampered/steadycart.iife.js') {
    const bundle = await readDist('steadycart.iife.js');
    const at = bundle.indexOf('/*! steadycart');
    if (at < 0) {
      ctx.status = 500;
      ctx.body = 'dist/steadycart.iife.js has no banner to tamper with';
      return;
    }
    // One byte: the banner's "s" becomes "S". Still valid JavaScript, so only the integrity check can stop it.
    const tampered = Buffer.from(bundle);
    tampered[at + 4] = 0x53;
    ctx.type = 'text/javascript';
    ctx.body = tampered;
    return;
  }
  await next();
};

const DIST = new URL('../../dist/', import.meta.url);
const FIXTURES = new URL('../fixtures/', import.meta.url);

/** @param {string} file */
async function readDist(file) {
  const { readFile } = await import('node:fs/promises');
  return readFile(new URL(file, DIST));
}

/** @param {Buffer | string} bytes */
async function sha384(bytes) {
  const { createHash } = await import('node:crypto');
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/** The first script of the page: records CSP violations and scripts that failed to load. */
const GUARD = [
  'window.cspViolations = []; window.scriptErrors = [];',
  "addEventListener('securitypolicyviolation', function (e) { cspViolations.push({ directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI, sample: e.sample }); }, true);",
  "addEventListener('error', function (e) { var t = e.target; if (t && t.tagName === 'SCRIPT') scriptErrors.push(t.src); }, true);",
].join('\n');

/** @param {Context} ctx */
async function cspPage(ctx) {
  const { readFile } = await import('node:fs/promises');
  const { randomBytes } = await import('node:crypto');
  const fail = (/** @type {number} */ status, /** @type {string} */ reason) => {
    ctx.status = status;
    ctx.type = 'text/plain';
    ctx.body = reason;
  };
  /** @type {{ endpoints?: Array<{ url?: unknown }> }} */
  let options;
  try {
    options = JSON.parse(String(ctx.query.options ?? '{}'));
  } catch {
    return fail(400, 'options must be JSON');
  }
  /** @type {string[]} */
  const origins = [];
  for (const endpoint of options.endpoints ?? []) {
    let url;
    try {
      url = new URL(String(endpoint.url));
    } catch {
      return fail(400, `not a URL: ${endpoint.url}`);
    }
    // Test traffic stays on this machine.
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || !/^https?:$/.test(url.protocol)) return fail(400, `not a loopback endpoint: ${url}`);
    origins.push(url.origin);
  }
  const sri = JSON.parse(String(await readDist('sri.json')));
  const integrity = sri['steadycart.iife.js'];
  const actual = await sha384(await readDist('steadycart.iife.js'));
  if (integrity !== actual) return fail(500, `dist/sri.json (${integrity}) does not match dist/steadycart.iife.js (${actual}): run npm run build`);
  const app = await readFile(new URL('csp-app.js', FIXTURES));
  const appIntegrity = await sha384(app);
  const tampered = ctx.query.sdk === 'tampered';
  const byHash = ctx.query.policy === 'hash';
  const nonce = randomBytes(18).toString('base64');
  // By hash, the shop's script is inline (allowed by its own hash): WebKit's preload scanner
  // checks a second external script against the policy without its integrity value and
  // reports a violation for it, although the script then runs.
  const appText = String(app);
  const scriptSrc = byHash ? `'${await sha384(GUARD)}' '${integrity}' '${await sha384(appText)}'` : `'nonce-${nonce}'`;
  const policy = [
    "default-src 'none'",
    `script-src ${scriptSrc}`,
    "worker-src 'self'",
    `connect-src ${origins.length ? [...new Set(origins)].join(' ') : "'none'"}`,
    "base-uri 'none'",
    "object-src 'none'",
    "form-action 'none'",
    // `tt=other`: Trusted Types policies of another name only, none required (a rollout's first step).
    ...(ctx.query.tt === 'other' ? ['trusted-types other'] : ["require-trusted-types-for 'script'", 'trusted-types steadycart']),
  ].join('; ');
  const attrs = byHash ? '' : ` nonce="${nonce}"`;
  const sdkSrc = tampered ? '/test/csp/tampered/steadycart.iife.js' : '/test/csp/dist/steadycart.iife.js';
  ctx.set('Content-Security-Policy', policy);
  ctx.type = 'text/html';
  ctx.body = [
    '<!doctype html>',
    '<meta charset="utf-8" />',
    '<title>steadycart under a strict CSP</title>',
    `<script${attrs}>${GUARD}</script>`,
    `<script src="${sdkSrc}" integrity="${integrity}" crossorigin="anonymous"${attrs}></script>`,
    byHash ? `<script>${appText}</script>` : `<script src="/test/csp/app.js" integrity="${appIntegrity}" crossorigin="anonymous"${attrs}></script>`,
    '',
  ].join('\n');
}
