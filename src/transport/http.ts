import ky from 'ky';
import type { Json } from '../types';
import { retryAfterMs } from './backoff';

/** What one request produced: an HTTP answer, or why there was none. */
export interface Reply {
  status?: number;
  body: Json;
  /** From a `Retry-After` header. */
  retryAfterMs?: number;
  /** Why there is no status: `timeout`, `aborted` or `network`. */
  error?: 'timeout' | 'aborted' | 'network';
  /** Time to the answer (or the failure). */
  ms: number;
}

/** @internal What a request is for: told to a custom `fetch` (and to the `headers` option). */
export interface RequestInfo {
  /** Base URL of the endpoint it goes to. */
  endpoint: string;
  kind: 'order' | 'lookup' | 'health';
  /** The order's Steadycart-Attempt count in this context (lookups count too); 1 for a health probe. */
  attempt: number;
  /** Where the request leaves from. */
  context: 'page' | 'worker';
}

/** @internal A `fetch` that also knows what its request is for (tracing, fault drills). */
export type SendFetch = (request: Request, info: RequestInfo) => Promise<Response>;

/** @internal Where this code runs: inside a service worker, or a page. */
const workerScope = (globalThis as { ServiceWorkerGlobalScope?: abstract new () => object }).ServiceWorkerGlobalScope;
export const CONTEXT: RequestInfo['context'] = workerScope && globalThis instanceof workerScope ? 'worker' : 'page';

/**
 * ky with its own retry off (our policy decides), every status returned as an
 * answer, and redirects refused: a redirect of a payment POST to another
 * server would escape the idempotency domain rules.
 */
const http = ky.create({ retry: 0, throwHttpErrors: false, redirect: 'error' });

/** @internal Sends one request; never throws. */
export async function send(
  url: string,
  init: {
    method: 'GET' | 'POST';
    body?: string;
    headers?: Record<string, string>;
    timeoutMs: number;
    signal: AbortSignal;
    credentials: RequestCredentials;
    request: RequestInfo;
    /** The instance's `fetch`, when it has one; default the global `fetch`. */
    fetch?: SendFetch;
  },
): Promise<Reply> {
  const start = performance.now();
  const custom = init.fetch;
  try {
    const response = await http(url, {
      method: init.method,
      // Lookups and probes must never be answered from the HTTP cache. POSTs keep the default
      // mode: Chromium skips its CORS preflight cache for 'no-store' requests.
      cache: init.method == 'GET' ? 'no-store' : undefined,
      body: init.body,
      headers: init.headers,
      timeout: Math.max(1, Math.round(init.timeoutMs)),
      signal: init.signal,
      credentials: init.credentials,
      // ky always hands its fetch the Request it built (with our signal and timeout).
      fetch: custom && ((input) => custom(input as Request, init.request)),
    });
    const text = await response.text();
    let body: Json = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: response.status, body, retryAfterMs: retryAfterMs(response.headers.get('Retry-After')), ms: performance.now() - start };
  } catch (error) {
    const name = (error as Error)?.name;
    return { body: null, error: name == 'TimeoutError' ? 'timeout' : init.signal.aborted ? 'aborted' : 'network', ms: performance.now() - start };
  }
}
