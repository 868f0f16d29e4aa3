// @ts-check
/**
 * HTTP control API, so browser tests (which cannot call Node) can start
 * backends, switch faults and read the ledger. Mount it in any Node server,
 * or in the test runner's Koa server with `ctx.respond = false`.
 */
import { startBackend } from './backend.mjs';
import { corsHeaders, preflightHeaders } from './cors.mjs';
import { readBody, requestUrl, sendText } from './http-util.mjs';

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */
/** @typedef {import('./backend.mjs').Backend} Backend */

/**
 * @typedef {object} ControlOptions
 * @property {string} [prefix]       default '/__backend'
 * @property {number} [idleMs]       a backend unused this long is closed; default 10 minutes
 * @property {number} [maxBackends]  open at once; default 32
 */

/**
 * A Node request handler; `next` (connect/express style) is called for
 * requests outside the prefix, which otherwise get 404.
 * @typedef {((req: IncomingMessage, res: ServerResponse, next?: () => void) => void) & {
 *   closeAll: () => Promise<void>,
 *   backends: () => string[],
 *   adopt: (be: Backend) => string,
 * }} ControlHandler
 */

/** Thrown to answer a specific status. */
class HttpError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @param {ControlOptions} [options]
 * @returns {ControlHandler}
 */
export function createControlHandler(options = {}) {
  const prefix = (options.prefix ?? '/__backend').replace(/\/+$/, '');
  const idleMs = options.idleMs ?? 10 * 60_000;
  const maxBackends = options.maxBackends ?? 32;
  /** @type {Map<string, { be: Backend, used: number }>} */
  const backends = new Map();
  let seq = 0;
  /** @type {ReturnType<typeof setInterval> | null} */
  let sweeper = null;

  /** Closes backends nobody has used for idleMs (a test that crashed before DELETE). */
  const sweep = async () => {
    const now = Date.now();
    for (const [id, b] of backends) {
      if (now - Math.max(b.used, b.be.lastActivity()) > idleMs) await drop(id);
    }
  };

  /** @param {string} id */
  const drop = async (id) => {
    const b = backends.get(id);
    if (!b) return;
    backends.delete(id);
    if (backends.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = null;
    }
    await b.be.close();
  };

  /**
   * Registers a backend and returns its id.
   * @param {Backend} be
   */
  const register = (be) => {
    const id = `b${++seq}`;
    backends.set(id, { be, used: Date.now() });
    // Unref'd: the sweeper must never keep a test process alive.
    sweeper ??= setInterval(sweep, Math.min(idleMs, 60_000)).unref();
    return id;
  };

  /** @param {string} id */
  const get = (id) => {
    const b = backends.get(id);
    if (!b) throw new HttpError(404, `no backend ${id}`);
    b.used = Date.now();
    return b.be;
  };

  /**
   * @param {string} method
   * @param {string[]} parts  path segments after the prefix
   * @param {IncomingMessage} req
   * @returns {Promise<unknown>}
   */
  async function route(method, parts, req) {
    const [id = '', action, arg = ''] = parts;
    if (parts.length === 0) {
      if (method !== 'POST') throw new HttpError(405, 'POST to start a backend');
      if (backends.size >= maxBackends) throw new HttpError(429, `at most ${maxBackends} backends at once`);
      const be = await startBackend(/** @type {any} */ (await readJson(req)));
      return { id: register(be), endpoints: be.endpoints };
    }
    const be = get(id);
    const want = (/** @type {string} */ m, /** @type {number} */ n) => {
      if (method !== m || parts.length !== n) throw new HttpError(method === m ? 404 : 405, `${method} ${parts.join('/')}`);
    };
    switch (action) {
      case undefined:
        if (method === 'DELETE') {
          await drop(id);
          return { ok: true };
        }
        want('GET', 1);
        return { id, endpoints: be.endpoints, faults: Object.fromEntries(be.endpoints.map((e) => [e.name, be.fault(e.name)])) };
      case 'fault': {
        want('POST', 2);
        const { name, fault } = /** @type {any} */ (await readJson(req)) ?? {};
        await be.setFault(name, fault);
        return { ok: true };
      }
      case 'hold': {
        want('POST', 2);
        const { name, held } = /** @type {any} */ (await readJson(req)) ?? {};
        if (typeof held !== 'boolean') throw new HttpError(400, 'hold needs { name, held: boolean }');
        be.hold(name, held);
        return { ok: true };
      }
      case 'ledger':
        want('GET', 2);
        return be.ledger();
      case 'requests':
        want('GET', 2);
        return be.requests();
      case 'charges':
        want('GET', 3);
        return { key: arg, charges: be.charges(arg) };
      case 'reset':
        want('POST', 2);
        await be.reset();
        return { ok: true };
      default:
        throw new HttpError(404, `unknown action ${action}`);
    }
  }

  /** @type {ControlHandler} */
  const handler = Object.assign(
    /**
     * @param {IncomingMessage} req
     * @param {ServerResponse} res
     * @param {() => void} [next]
     */
    (req, res, next) => {
      const path = requestUrl(req)?.pathname ?? '';
      if (path !== prefix && !path.startsWith(`${prefix}/`)) {
        if (next) return next();
        return sendText(res, 404, JSON.stringify({ error: 'not_found' }), corsHeaders(req));
      }
      if (req.method === 'OPTIONS') {
        return sendText(res, 204, null, preflightHeaders(req, { methods: 'GET, POST, DELETE', headers: 'Content-Type' }));
      }
      Promise.resolve()
        .then(() => route(req.method ?? '', path.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent), req))
        .then(
        (result) => sendText(res, 200, JSON.stringify(result), corsHeaders(req)),
        (err) => {
          // Invalid options or faults are the caller's mistake: 400 with the reason.
          const status =
            err instanceof HttpError ? err.status
            : err?.code === 'too_large' ? 413
            : err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError || err instanceof URIError ? 400
            : 500;
          sendText(res, status, JSON.stringify({ error: String(err?.message ?? err) }), corsHeaders(req));
        },
      );
    },
    {
      /** Closes every backend still open. */
      async closeAll() {
        await Promise.all([...backends.keys()].map(drop));
      },
      /** Ids of the open backends. */
      backends: () => [...backends.keys()],
      /**
       * Puts a backend started in this process (e.g. with Fetch-handler
       * upstreams, which JSON cannot carry) under the control API; it is
       * closed like the others. Returns its id.
       */
      adopt(/** @type {Backend} */ be) {
        if (backends.size >= maxBackends) throw new RangeError(`at most ${maxBackends} backends at once`);
        return register(be);
      },
    },
  );
  return handler;
}

/**
 * @param {IncomingMessage} req
 * @returns {Promise<unknown>}
 */
async function readJson(req) {
  const raw = await readBody(req, 64 * 1024);
  if (raw.length === 0) return null;
  return JSON.parse(raw.toString('utf8'));
}
