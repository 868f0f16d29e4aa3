import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { invalidOption, quietly, SteadyCartServerError } from '../errors';
import { errorJson } from '../http/respond';
import { clientGone, fromResponse, toRequest, unreadBodyCloses } from './fetch';

/** A Fetch handler: `createCheckoutHandler`'s result, or any `(Request) => Promise<Response>`. */
export type FetchHandler = ((request: Request) => Promise<Response>) & {
  /** Whether the handler serves `pathname`; with `next`, the listener passes the rest on. */
  matches?: (pathname: string) => boolean;
};

/** A request as Express and body parsers leave it: `originalUrl` under a mount path, `rawBody` when kept. */
type NodeRequest = IncomingMessage & { originalUrl?: string; rawBody?: unknown };

/** A Node listener; with Express, `next` receives the requests that are not the handler's routes. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * Told what fails in the listener itself, outside the handler: a method
   * that Fetch's `Request` refuses (TRACE), a handler that rejects, an answer
   * that cannot be read or written. The client then gets 500
   * `{"error":"internal"}` unless the head was already sent. Store and order
   * handler failures go to `createCheckoutHandler`'s `onError` instead. What
   * this callback throws is dropped.
   */
  onError?: ((error: unknown) => void) | undefined;
}

/**
 * Serves a Fetch handler from node:http or Express, passing the raw body
 * bytes through untouched (the fingerprint is taken over them).
 *
 * Mount it before any body parser: `express.json()` in front of it consumes
 * the body, and the handler then answers 500 (`body_consumed`) unless the
 * parser kept the exact bytes in `req.rawBody` (a `verify` callback can).
 *
 * A path or `Host` header that makes no URL is answered 400. Other failures
 * of the listener itself are answered 500 and told to `options.onError`
 * ({@link NodeListenerOptions}).
 *
 * @example
 * ```ts
 * http.createServer(toNodeListener(handler)).listen(8080);
 * app.use(toNodeListener(handler)); // Express: other paths go on to `next`
 * toNodeListener(handler, { onError: (err) => log.error('checkout listener', err) });
 * ```
 */
export function toNodeListener(handler: FetchHandler, options: NodeListenerOptions = {}): NodeListener {
  // Checked now: inside the listener, a bad handler would throw out of the request event and end the process.
  if (typeof handler != 'function') invalidOption('handler', 'must be a Fetch handler (createCheckoutHandler\'s result)');
  if (options?.onError !== undefined && typeof options.onError != 'function') invalidOption('onError', 'must be a function');
  const onError = quietly(options?.onError);
  return (req, res, next) => {
    const nodeReq = req as NodeRequest;
    let url: URL;
    try {
      url = requestUrl(nodeReq);
    } catch {
      // The path and the Host header are the client's (`GET //`, `Host: a b`): its error, never an exception out of the listener.
      res.writeHead(400, { 'content-type': 'application/json' });
      return void res.end('{"error":"bad_request"}');
    }
    if (next && handler.matches && !handler.matches(url.pathname)) return next();
    answer(handler, nodeReq, url, clientGone(res))
      .then(fromResponse)
      .then(({ status, headers, body }) => {
        res.writeHead(status, unreadBodyCloses(req, headers));
        res.end(body);
      })
      .catch((err) => {
        onError(err);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"internal"}');
      });
  };
}

/**
 * The request's URL; throws for a malformed path or Host header, and for a path that starts with `//`, which
 * the URL parser would read as a host (`//evil/api/checkout/KEY` served as `/api/checkout/KEY`, a route a
 * proxy in front, matching paths, never saw).
 */
function requestUrl(req: NodeRequest): URL {
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const target = req.originalUrl ?? req.url ?? '/';
  if (target.startsWith('//')) throw new TypeError('not a path');
  return new URL(target, `${scheme}://${req.headers.host || 'localhost'}`);
}

/** Async, so that whatever it throws (a method `Request` refuses, such as TRACE) becomes a 500, not an uncaught exception. */
async function answer(handler: FetchHandler, req: NodeRequest, url: URL, signal: AbortSignal): Promise<Response> {
  const method = req.method ?? 'GET';
  let body: Uint8Array | ReadableStream<Uint8Array> | null = null;
  if (method == 'GET' || method == 'HEAD') body = null;
  else if (req.rawBody instanceof Uint8Array) body = new Uint8Array(req.rawBody);
  else if (req.readableEnded) {
    const err = new SteadyCartServerError('BODY_CONSUMED', 'a body parser read the request body before the checkout handler; mount the handler before it');
    return errorJson(500, 'body_consumed', {}, { message: err.message });
  } else body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
  return handler(toRequest(method, url, req.headers, body, signal));
}
