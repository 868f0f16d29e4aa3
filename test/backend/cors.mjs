// @ts-check
/**
 * CORS headers as the wire contract asks of a cross-origin checkout endpoint.
 * Browser tests load pages from another origin (the test runner's), so every
 * answer, including errors and injected faults, must carry them or the page
 * would see an opaque network error instead of the status under test.
 */

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {Record<string, string>} Headers */

export const ALLOW_METHODS = 'GET, POST';
/**
 * The SDK's own headers, then W3C Trace Context (steadycart/otel), Steadycart-Drill (drill mode), and
 * a bearer token and a CSRF token as a shop's `headers` option would add them.
 */
export const ALLOW_HEADERS = 'Content-Type, Idempotency-Key, Steadycart-Attempt, traceparent, tracestate, Steadycart-Drill, Authorization, X-Csrf-Token';
export const MAX_AGE = '600';

/**
 * Headers for every response: echo the Origin (or `*`), expose Retry-After.
 * @param {IncomingMessage} req
 * @returns {Headers}
 */
export function corsHeaders(req) {
  const origin = req.headers.origin;
  /** @type {Headers} */
  const h = { 'Access-Control-Allow-Origin': origin ?? '*', 'Access-Control-Expose-Headers': 'Retry-After' };
  // The answer depends on Origin: caches must not share it across origins.
  if (origin) h.Vary = 'Origin';
  return h;
}

/**
 * Headers for a preflight (OPTIONS) answer.
 * @param {IncomingMessage} req
 * @param {{ methods?: string, headers?: string }} [allow]
 * @returns {Headers}
 */
export function preflightHeaders(req, allow = {}) {
  /** @type {Headers} */
  const h = {
    ...corsHeaders(req),
    'Access-Control-Allow-Methods': allow.methods ?? ALLOW_METHODS,
    'Access-Control-Allow-Headers': allow.headers ?? ALLOW_HEADERS,
    'Access-Control-Max-Age': MAX_AGE,
  };
  // Chromium's Private Network Access asks before a public page may reach a
  // loopback server; answer yes only when asked.
  if (req.headers['access-control-request-private-network'] === 'true') {
    h['Access-Control-Allow-Private-Network'] = 'true';
  }
  return h;
}
