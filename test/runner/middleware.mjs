// @ts-check
/**
 * Koa middleware and a plugin for the web-test-runner dev server:
 * - the fault backend's control API (test/backend) mounted at /__backend;
 * - `Service-Worker-Allowed: /` on every response, so a worker served from
 *   /test/ or /dist/ may control any scope;
 * - `Cache-Control: no-store` under /dist/ and /test/, so a rebuilt bundle or
 *   an edited fixture is never served stale (service workers cache hard).
 */

/** @typedef {import('koa').Context} Context */
/** @typedef {(ctx: Context, next: () => Promise<unknown>) => Promise<unknown>} Middleware */
/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */
/** @typedef {((req: IncomingMessage, res: ServerResponse) => void) & { closeAll(): Promise<void> }} ControlHandler */

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
  const noStore = ctx.path.startsWith('/dist/') || ctx.path.startsWith('/test/');
  const writeHead = res.writeHead;
  res.writeHead = /** @type {typeof res.writeHead} */ (
    function (/** @type {any[]} */ ...args) {
      if (!res.headersSent) {
        res.setHeader('Service-Worker-Allowed', '/');
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
 * @returns {Promise<{ middleware: Middleware, plugin: { name: string, serverStop(): Promise<void> }, available: boolean, reason: string | null }>}
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
  };
}

/**
 * Dynamic fixtures for service worker tests:
 * - `/test/fixtures/versioned-sw` is a worker that differs by a byte on every
 *   fetch (it imports the built standalone worker), so every update check
 *   finds a new version: how a test makes a worker wait;
 * - `/test/sw-scope/<namespace>/tab.html` serves the tab fixture from inside a
 *   test's own worker scope, so that the worker has a client to control.
 * @param {Context} ctx
 * @param {() => Promise<unknown>} next
 */
export const fixturesMiddleware = async (ctx, next) => {
  if (ctx.path === '/test/fixtures/versioned-sw') {
    ctx.type = 'text/javascript';
    ctx.body = `importScripts('/dist/steadycart-sw.js');\n// version ${Date.now()}-${Math.random()}\n`;
    return;
  }
  if (/^\/test\/sw-scope\/[\w-]+\/tab\.html$/.test(ctx.path)) ctx.path = '/test/fixtures/tab.html';
  await next();
};
