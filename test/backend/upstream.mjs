// @ts-check
/**
 * Fault front: an endpoint with an `upstream` answers faulted requests
 * itself (faults.mjs) and forwards every other request to a real checkout
 * backend, a Fetch handler `(Request) => Promise<Response>` (for example
 * `steadycart/server`'s handler, or `serve` reached over loopback HTTP).
 * The idempotency store and the charges then live in the upstream; the
 * front only records, per key, the request body and which endpoint received
 * the fresh (not replayed) outcome, so the ledger can say where an order was
 * processed.
 */
import { isLoopbackHost } from './http-util.mjs';

/** @typedef {(request: Request) => Promise<Response>} Upstream */

/**
 * One handler execution as the upstream's own ledger records it (serve's
 * `--ledger` line), with the idempotency domain of the process that wrote it.
 * @typedef {object} Execution
 * @property {string} key
 * @property {number} attempt
 * @property {string} region
 * @property {boolean} charged  false for a decline and for a key the PSP had already charged
 * @property {string} domain
 */

/** Request headers passed on: the protocol's own and what content negotiation needs. */
const FORWARD_REQUEST = ['content-type', 'idempotency-key', 'steadycart-attempt', 'origin', 'accept'];
/** Response headers passed back (CORS is the front's own business: cors.mjs). */
const FORWARD_RESPONSE = ['retry-after', 'idempotent-replayed', 'allow'];

/** Header naming a fault the front cannot realise itself (`decline`), for an upstream that can. */
export const FAULT_HEADER = 'Steadycart-Fault';

/**
 * An upstream from options: a Fetch handler as is, or the base URL of a
 * loopback HTTP server (the front never sends traffic off the machine).
 * @param {unknown} upstream
 * @param {string} what  for error messages
 * @returns {Upstream | null}
 */
export function normalizeUpstream(upstream, what) {
  if (upstream === undefined || upstream === null) return null;
  if (typeof upstream === 'function') return /** @type {Upstream} */ (upstream);
  if (typeof upstream !== 'string') throw new TypeError(`${what} must be a URL or a Fetch handler`);
  let base;
  try {
    base = new URL(upstream);
  } catch {
    throw new TypeError(`${what} must be a URL, got ${JSON.stringify(upstream)}`);
  }
  if (base.protocol !== 'http:' || !isLoopbackHost(base.hostname.replace(/^\[|\]$/g, ''))) {
    throw new TypeError(`${what} must be an http: URL on a loopback address, got ${JSON.stringify(upstream)}`);
  }
  const origin = base.origin;
  return (request) => {
    const url = new URL(request.url);
    return fetch(new Request(`${origin}${url.pathname}${url.search}`, request));
  };
}

/**
 * Forwards one request to the upstream and reads its whole answer.
 * @param {Upstream} upstream
 * @param {import('node:http').IncomingMessage} req
 * @param {Buffer} raw    the request body as received
 * @param {AbortSignal} signal
 * @param {Record<string, string>} [extra]  headers the front adds
 * @returns {Promise<{ status: number, text: string | null, headers: Record<string, string> }>}
 */
export async function forward(upstream, req, raw, signal, extra = {}) {
  const headers = new Headers(extra);
  for (const name of FORWARD_REQUEST) {
    const v = req.headers[name];
    if (typeof v === 'string') headers.set(name, v);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const request = new Request(`http://front.invalid${req.url ?? '/'}`, {
    method,
    headers,
    body: hasBody ? new Uint8Array(raw) : undefined,
    signal,
  });
  const response = await upstream(request);
  const text = await response.text();
  /** @type {Record<string, string>} */
  const out = {};
  for (const name of FORWARD_RESPONSE) {
    const v = response.headers.get(name);
    if (v !== null) out[name.replace(/(^|-)\w/g, (c) => c.toUpperCase())] = v;
  }
  return { status: response.status, text: text === '' ? null : text, headers: out };
}

/**
 * The orders of a ledger built from upstream executions. A key's first
 * execution is its charge or its decline; a later one (a crashed attempt run
 * again) is counted in `reruns`, and is a second charge only if the PSP says
 * so.
 * @param {readonly Execution[]} executions
 * @param {{ body: (key: string) => unknown, endpoint: (key: string, region: string) => string, at: (e: Execution) => number, orderRef: (body: unknown) => unknown }} seen
 * @returns {{ orders: import('./store.mjs').LedgerOrder[], reruns: number }}
 */
export function ordersFromExecutions(executions, seen) {
  /** @type {import('./store.mjs').LedgerOrder[]} */
  const orders = [];
  /** @type {Set<string>} */
  const keys = new Set();
  let reruns = 0;
  for (const e of executions) {
    const id = `${e.domain}\n${e.key}`;
    const first = !keys.has(id);
    keys.add(id);
    if (!first && !e.charged) {
      reruns++;
      continue;
    }
    const body = seen.body(e.key);
    orders.push({
      key: e.key,
      domain: e.domain,
      endpoint: seen.endpoint(e.key, e.region),
      status: e.charged ? 201 : 402,
      body,
      charged: e.charged,
      committedAt: seen.at(e),
      orderRef: body === undefined ? null : (seen.orderRef(body) ?? null),
    });
  }
  return { orders, reruns };
}
