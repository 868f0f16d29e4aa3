/**
 * Builds the Fetch `Request` an adapter hands to the handler; the body bytes
 * are passed as they came. `signal` aborts when the client goes away (see
 * `clientGone`): a key is then not reserved for it.
 */
export function toRequest(
  method: string,
  url: URL,
  rawHeaders: Record<string, string | string[] | undefined>,
  body: Uint8Array | ReadableStream<Uint8Array> | null,
  signal?: AbortSignal,
): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(rawHeaders)) {
    if (value === undefined || name.startsWith(':')) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const withBody = method != 'GET' && method != 'HEAD' && body != null;
  return new Request(url, { method, headers, body: withBody ? body : null, duplex: 'half', signal } as RequestInit);
}

/** The part of a node:http response that tells whether the client went away. */
export interface ClosingResponse {
  /** Listens for the response's `close` (the connection ended, answered or not). */
  once(event: 'close', listener: () => void): unknown;
  /** True once the whole answer was handed to the system. */
  writableFinished: boolean;
}

/** A signal that aborts when `res` closes before its answer was sent whole: the client went away. */
export function clientGone(res: ClosingResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => res.writableFinished || gone.abort());
  return gone.signal;
}

/** Status, headers and body bytes of a Fetch `Response`, for frameworks that write their own. */
export async function fromResponse(response: Response): Promise<{ status: number; headers: Record<string, string>; body: Uint8Array }> {
  const body = new Uint8Array(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  // A status that has no body has no Content-Length either (RFC 9110, 8.6).
  if (response.status >= 200 && response.status != 204 && response.status != 304) headers['content-length'] = String(body.byteLength);
  return { status: response.status, headers, body };
}

/**
 * @internal The headers of an answer sent before the request's body was all received
 * (a 413, say): `connection: close`, so that the client sends its next request
 * on a new connection rather than on one that still carries this body's rest.
 */
export function unreadBodyCloses(req: { complete: boolean }, headers: Record<string, string>): Record<string, string> {
  return req.complete ? headers : { ...headers, connection: 'close' };
}
