// @ts-check
/**
 * Deliberately broken checkout backends, each breaking exactly one rule of
 * PROTOCOL.md, for test/server/check.test.mjs: `steadycart check` must fail
 * against each, naming the check for that rule. Every variant is the real
 * `createCheckoutHandler` (dist/server.mjs) on a memory store behind a small
 * Fetch wrapper that breaks the rule, served by node:http on 127.0.0.1; the
 * variant `correct` has no wrapper and must pass.
 *
 *   correct               the handler as it is
 *   no-422                a changed body for a known key replays the first outcome
 *   busy-before-mismatch  a POST for a key still running is 409, whatever its body (409 before 422)
 *   bare-lookup           the lookup answers the stored body bare, not {status, body}
 *   lookup-404-running    the lookup answers 404 while the key is running
 *   split-regions         two regions, each with its own store (not one domain)
 *   no-expose             answers lack Access-Control-Expose-Headers (Retry-After unreadable)
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCheckoutHandler, memoryStore, toNodeListener } from '../../dist/server.mjs';

/** The page origin the CORS checks run from. */
export const ORIGIN = 'http://shop.localhost:8080';

/**
 * The broken variants and the required checks each must fail: exactly
 * these (plus `regions: true` when the variant is two URLs).
 * @type {Record<string, { fails: string[], regions?: boolean, delayMs?: number }>}
 */
export const VARIANTS = {
  correct: { fails: [], regions: true, delayMs: 400 },
  'no-422': { fails: ['changed-body-422', 'changed-body-422-while-running'] },
  // A handler slow enough that the burst sees the key running.
  'busy-before-mismatch': { fails: ['changed-body-422-while-running'], delayMs: 400 },
  'bare-lookup': { fails: ['lookup-stored-outcome'] },
  'lookup-404-running': { fails: ['lookup-while-running'], delayMs: 400 },
  'split-regions': { fails: ['region-lookup', 'region-replay'], regions: true },
  'no-expose': { fails: ['cors-headers'] },
};

/** @typedef {(request: Request) => Promise<Response>} FetchHandler */

/**
 * A checkout handler on its own memory store, with a demo handler taking `delayMs`.
 * @param {number} delayMs
 * @returns {FetchHandler}
 */
function checkoutHandler(delayMs) {
  return createCheckoutHandler({
    store: memoryStore(),
    cors: { origins: [ORIGIN] },
    handle: async (_order, { key }) => {
      if (delayMs) await sleep(delayMs);
      return { status: 201, body: { orderId: `ord_${randomUUID()}`, key, status: 'confirmed' } };
    },
  });
}

/** @param {Request} request */
const keyOf = (request) => request.headers.get('idempotency-key');
/** @param {Request} request */
const isCheckoutPost = (request) => request.method === 'POST' && new URL(request.url).pathname === '/checkout';
/** @param {Request} request */
const isLookup = (request) => request.method === 'GET' && new URL(request.url).pathname.startsWith('/checkout/');

/**
 * The first body seen per key replaces any later one: a changed body is
 * replayed instead of refused.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function no422(inner) {
  /** @type {Map<string, string>} */
  const first = new Map();
  return async (request) => {
    const key = keyOf(request);
    if (!isCheckoutPost(request) || key === null) return inner(request);
    const body = await request.text();
    if (!first.has(key)) first.set(key, body);
    return inner(new Request(request.url, { method: 'POST', headers: request.headers, body: first.get(key) }));
  };
}

/**
 * A key with a request in flight answers 409 before its body is compared.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function busyBeforeMismatch(inner) {
  /** @type {Set<string>} */
  const running = new Set();
  return async (request) => {
    const key = keyOf(request);
    if (!isCheckoutPost(request) || key === null) return inner(request);
    if (running.has(key)) {
      const cors = { 'Access-Control-Allow-Origin': request.headers.get('origin') ?? '*', 'Access-Control-Expose-Headers': 'Retry-After' };
      return Response.json({ error: 'in_progress' }, { status: 409, headers: { 'Retry-After': '1', ...cors } });
    }
    running.add(key);
    try {
      return await inner(request);
    } finally {
      running.delete(key);
    }
  };
}

/**
 * A response with another body, the same status and headers (length recomputed).
 * @param {Response} response
 * @param {string} body
 */
function withBody(response, body) {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(body, { status: response.status, headers });
}

/**
 * The lookup's 200 carries the stored body bare.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function bareLookup(inner) {
  return async (request) => {
    const response = await inner(request);
    if (!isLookup(request) || response.status !== 200) return response;
    const { body } = await response.json();
    return withBody(response, JSON.stringify(body));
  };
}

/**
 * The lookup says 404 where it should say 409 (in progress).
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function lookup404Running(inner) {
  return async (request) => {
    const response = await inner(request);
    if (!isLookup(request) || response.status !== 409) return response;
    const notFound = withBody(response, JSON.stringify({ error: 'not_found' }));
    return new Response(notFound.body, { status: 404, headers: notFound.headers });
  };
}

/**
 * No Access-Control-Expose-Headers on any answer.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function noExpose(inner) {
  return async (request) => {
    const response = await inner(request);
    const headers = new Headers(response.headers);
    headers.delete('access-control-expose-headers');
    return new Response(response.body, { status: response.status, headers });
  };
}

/** @type {Record<string, (inner: FetchHandler) => FetchHandler>} */
const WRAPPERS = {
  'no-422': no422,
  'busy-before-mismatch': busyBeforeMismatch,
  'bare-lookup': bareLookup,
  'lookup-404-running': lookup404Running,
  'no-expose': noExpose,
};

/**
 * Serves a Fetch handler on a free loopback port.
 * @param {FetchHandler} handler
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
async function serveOn(handler) {
  const server = http.createServer(toNodeListener(handler));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Starts a variant: one URL, or two for the variants with `regions` (the
 * correct one shares one handler and store across both, split-regions does not).
 * @param {keyof typeof VARIANTS} name
 * @returns {Promise<{ urls: string[], close: () => Promise<void> }>}
 */
export async function startVariant(name) {
  const spec = VARIANTS[name];
  if (!spec) throw new Error(`unknown variant ${name}`);
  const delayMs = spec.delayMs ?? 0;
  const wrap = WRAPPERS[name] ?? ((/** @type {FetchHandler} */ h) => h);
  const shared = wrap(checkoutHandler(delayMs));
  const handlers = spec.regions ? [shared, name === 'split-regions' ? checkoutHandler(delayMs) : shared] : [shared];
  const servers = await Promise.all(handlers.map(serveOn));
  return { urls: servers.map((s) => s.url), close: async () => void (await Promise.all(servers.map((s) => s.close()))) };
}
