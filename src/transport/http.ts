import ky from 'ky';
import { STANDALONE_WORKER } from '../build-flags';
import type { Config, Endpoint } from '../options';
import type { Json, RequestContext } from '../types';
import { retryAfterMs } from './backoff';
import { HeadersFailure } from './headers';

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
  /** Sent behind six or more of the page's requests to the endpoint: its time may include a wait for a connection. */
  queued?: boolean;
}

/**
 * @internal A `fetch` that also knows what its request is for (tracing, fault
 * drills), and, once it failed, whether the attempt's time ran out (rather
 * than its run or a rival ending it).
 */
export type SendFetch = (request: Request, info: RequestContext & { timedOut(): boolean }) => Promise<Response>;

/**
 * @internal A browser opens six connections to one host over HTTP/1.1: a
 * request sent while six or more of this page's are under way there may wait for one.
 */
export const CONNECTIONS = 6;

/** @internal Where this code runs: a service worker has no document. */
export const CONTEXT: RequestContext['context'] = !STANDALONE_WORKER && 'document' in globalThis ? 'page' : 'worker';

/**
 * ky with its own retry off (our policy decides), every status returned as an
 * answer, and redirects refused: a redirect of a payment POST to another
 * server would escape the idempotency domain rules. Created pure: a bundler
 * may drop ky with it from a consumer that imports none of transport.
 */
const http = /* @__PURE__ */ ky.create({ retry: 0, throwHttpErrors: false, redirect: 'error' });

/**
 * @internal Sends one request to `endpoint` and never throws: the order's
 * POST (with its key and `Steadycart-Attempt`) when `order` is given, else a
 * GET (a lookup or a probe).
 */
export async function send(
  config: Pick<Config, 'credentials' | 'fetch'>,
  endpoint: Endpoint,
  url: string,
  kind: RequestContext['kind'],
  attempt: number,
  timeoutMs: number,
  signal: AbortSignal,
  order?: { id: string; body: string },
): Promise<Reply> {
  const start = performance.now();
  let sent = false;
  // Neither exists in a stored configuration: the standalone worker carries none of their code.
  const custom = STANDALONE_WORKER ? undefined : config.fetch;
  // What the request is for: told to the instance's `fetch` and to `headers` functions (the standalone worker has neither).
  const request = (STANDALONE_WORKER || { endpoint: endpoint.url, kind, attempt, context: CONTEXT }) as RequestContext;
  // The endpoint's `headers` option: its static values go under steadycart's own, its functions run in ky's `beforeRequest`.
  const fns = (!STANDALONE_WORKER && endpoint.headers?.fns) || [];
  const timeout = Math.max(1, Math.round(timeoutMs));
  // One timer from the start (`headers` functions included, so an attempt never outlasts its
  // timeout, and their time counts in the latency that sets the next timeouts) to the end of the
  // body: ky's own timeout ends when the headers arrive, and a body that never follows them (a
  // proxy whose upstream died) would hold the order for ever.
  // The caller's abort stops it too: one signal for the request, without `AbortSignal.any`, which
  // Safari has only from 17.4 (`signal.aborted`, read first, then tells the two apart).
  const timer = new AbortController();
  const stop = () => timer.abort();
  const timing = setTimeout(stop, timeout);
  /** Whether the attempt's own time ran out (the caller's abort stops the timer too). */
  const timedOut = () => timer.signal.aborted && !signal.aborted;
  signal.addEventListener('abort', stop);
  if (signal.aborted) stop();
  try {
    const exchange = http(url, {
      method: order ? 'POST' : 'GET',
      // Lookups and probes must never be answered from the HTTP cache. POSTs keep the default
      // mode: Chromium skips its CORS preflight cache for 'no-store' requests.
      cache: order ? undefined : 'no-store',
      headers: { ...endpoint.headers?.fixed, ...(order && { 'Content-Type': 'application/json', 'Idempotency-Key': order.id, 'Steadycart-Attempt': '' + attempt }) },
      timeout: false,
      signal: timer.signal,
      credentials: config.credentials,
      // ky always hands its fetch the Request it built (with our signal). The order's
      // body joins it only here: ky clones every request before sending it (for retries, off here),
      // and a cloned body is a teed stream: in a Chromium profile of the outbox drain, cloning it and
      // uploading it cost the page's main thread over a millisecond each per order.
      fetch: (input) => {
        // ky calls this once the `headers` functions are done, even after the attempt ended meanwhile.
        if (timer.signal.aborted) throw new Error('attempt over');
        sent = true;
        const built = order ? new Request(input as Request, { body: order.body }) : (input as Request);
        return custom ? custom(built, { ...request, timedOut }) : fetch(built);
      },
      // Called for every request, so a short-lived token is fresh on each attempt.
      hooks: !STANDALONE_WORKER && fns.length
        ? {
            beforeRequest: [
              async (r) => {
                for (const set of fns) await set(request, timeout, r.headers);
              },
            ],
          }
        : undefined,
    }).then(async (response) => [response, await response.text()] as const);
    // Raced against the abort as well as aborted by it: under load, WebKit was seen to lose such an
    // abort on its way to the fetch, and the order then waited for the answer however long it took,
    // or for ever (ky's own timeout races too).
    const [response, text] = await Promise.race([exchange, new Promise<never>((_, reject) => (timer.signal.onabort = reject))]);
    // A 2xx to an order whose body is a page, not JSON, is no answer of the checkout API (a maintenance page, a
    // single-page app's fallback route, put in front of it): taken as none (in doubt, as a network error), never as a
    // confirmation of an order it did not place. By its body, not its Content-Type: a JSON API may be served as
    // text/html. (A lookup's page proves nothing already; a health route may be any page.)
    if (order && response.ok && /^\s*</.test(text)) throw 0;
    // JSON, else the text as it came (an empty body: null).
    let body: Json = text || null;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: kept as text.
    }
    return { status: response.status, body, retryAfterMs: retryAfterMs(response.headers.get('Retry-After')), ms: performance.now() - start };
  } catch (error) {
    const ms = performance.now() - start;
    if (!STANDALONE_WORKER && error instanceof HeadersFailure) return { body: null, error: 'headers', message: error.message, ms };
    // The time ran out while the `headers` functions ran: nothing was sent.
    if (!STANDALONE_WORKER && fns.length && !sent && timedOut()) return { body: null, error: 'headers', message: 'headers: timed out', ms };
    return { body: null, error: signal.aborted ? 'aborted' : timedOut() ? 'timeout' : 'network', ms };
  } finally {
    clearTimeout(timing);
    signal.removeEventListener('abort', stop);
  }
}
