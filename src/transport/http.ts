import ky from 'ky';
import type { Json, RequestContext } from '../types';
import { retryAfterMs } from './backoff';
import { functionHeaders, HeadersFailure, type EndpointHeaders } from './headers';

/** What one request produced: an HTTP answer, or why there was none. */
export interface Reply {
  status?: number;
  body: Json;
  /** From a `Retry-After` header. */
  retryAfterMs?: number;
  /** Why there is no status: `timeout`, `aborted`, `network`, or `headers` (not sent: the `headers` option failed). */
  error?: 'timeout' | 'aborted' | 'network' | 'headers';
  /** What went wrong with the `headers` option. */
  message?: string;
  /** Time to the answer (or the failure). */
  ms: number;
}

/** @internal A `fetch` that also knows what its request is for (tracing, fault drills), and its timeout. */
export type SendFetch = (request: Request, info: RequestContext & { timeoutMs: number }) => Promise<Response>;

/** @internal Where this code runs: a service worker has no document. */
export const CONTEXT: RequestContext['context'] = 'document' in globalThis ? 'page' : 'worker';

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
    /** steadycart's own headers. */
    headers?: Record<string, string>;
    /** The endpoint's `headers` option: its static values go under steadycart's own, its functions run in ky's `beforeRequest`. */
    extra?: EndpointHeaders;
    timeoutMs: number;
    signal: AbortSignal;
    credentials: RequestCredentials;
    /** What the request is for: told to the instance's `fetch` and to `headers` functions. */
    request: RequestContext;
    /** The instance's `fetch`, when it has one; default the global `fetch`. */
    fetch?: SendFetch;
  },
): Promise<Reply> {
  const start = performance.now();
  const custom = init.fetch;
  const fns = init.extra?.fns ?? [];
  const timeout = Math.max(1, Math.round(init.timeoutMs));
  try {
    const response = await http(url, {
      method: init.method,
      // Lookups and probes must never be answered from the HTTP cache. POSTs keep the default
      // mode: Chromium skips its CORS preflight cache for 'no-store' requests.
      cache: init.method == 'GET' ? 'no-store' : undefined,
      body: init.body,
      headers: { ...init.extra?.fixed, ...init.headers },
      timeout,
      signal: init.signal,
      credentials: init.credentials,
      // ky always hands its fetch the Request it built (with our signal and timeout).
      fetch: custom && ((input) => custom(input as Request, { ...init.request, timeoutMs: init.timeoutMs })),
      // Called for every request, so a short-lived token is fresh on each attempt.
      hooks: fns.length
        ? { beforeRequest: [async (request) => (await functionHeaders(fns, init.request, timeout)).forEach((value, name) => request.headers.set(name, value))] }
        : undefined,
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
    const ms = performance.now() - start;
    if (error instanceof HeadersFailure) return { body: null, error: 'headers', message: error.message, ms };
    const name = (error as Error)?.name;
    return { body: null, error: name == 'TimeoutError' ? 'timeout' : init.signal.aborted ? 'aborted' : 'network', ms };
  }
}
