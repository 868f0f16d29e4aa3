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

/**
 * ky with its own retry off (our policy decides), every status returned as an
 * answer, and redirects refused: a redirect of a payment POST to another
 * server would escape the idempotency domain rules.
 */
const http = ky.create({ retry: 0, throwHttpErrors: false, redirect: 'error' });

/** @internal Sends one request; never throws. */
export async function send(
  url: string,
  init: { method: 'GET' | 'POST'; body?: string; headers?: Record<string, string>; timeoutMs: number; signal: AbortSignal; credentials: RequestCredentials },
): Promise<Reply> {
  const start = performance.now();
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
