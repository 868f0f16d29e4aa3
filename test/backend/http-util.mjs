// @ts-check
/** Small HTTP helpers shared by the endpoint and the control API. */
import net from 'node:net';

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

/** Largest request body read; larger ones get 413 (bounded memory). */
export const BODY_LIMIT = 1024 * 1024;

/**
 * Reads the whole request body. Rejects with `code: 'too_large'` past
 * `limit` bytes, or `code: 'aborted'` when the client goes away first.
 * @param {IncomingMessage} req
 * @param {number} [limit]
 * @returns {Promise<Buffer>}
 */
export function readBody(req, limit = BODY_LIMIT) {
  return new Promise((resolve, reject) => {
    // Mounted behind a body parser, the stream is already used up: say so
    // rather than wait for an 'end' that has already happened.
    if (req.readableEnded) return reject(new Error('request body already consumed (mount the handler before any body parser)'));
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume(); // drain without storing, so a 413 can still be sent
        reject(Object.assign(new Error('request body too large'), { code: 'too_large' }));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('close', () => {
      if (!req.complete) reject(Object.assign(new Error('request aborted'), { code: 'aborted' }));
    });
    req.on('error', reject);
  });
}

/**
 * Resolves after `ms`, or rejects with the signal's reason when it aborts
 * first (reset/close cancel pending work, so no timer outlives a backend).
 * @param {number} ms
 * @param {AbortSignal} signal
 * @returns {Promise<void>}
 */
export function sleep(ms, signal) {
  if (signal.aborted) return Promise.reject(signal.reason);
  // No timer for 0: a healthy endpoint should add no latency of its own.
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Resolves when `promise` does, or rejects with the signal's reason once it aborts.
 * @param {Promise<void>} promise
 * @param {AbortSignal} signal
 * @returns {Promise<void>}
 */
export function untilSettled(promise, signal) {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/**
 * Sends a JSON text (already serialised, so replays are byte-identical).
 * @param {ServerResponse} res
 * @param {number} status
 * @param {string | null} text   null: no body
 * @param {Record<string, string>} headers
 */
export function sendText(res, status, text, headers) {
  if (res.destroyed || res.headersSent) return;
  const body = text === null ? undefined : Buffer.from(text);
  res.writeHead(status, {
    // JSON, unless the answer says otherwise (an HTML page in front of the API).
    ...(body ? { 'Content-Type': 'application/json' } : {}),
    ...headers,
    ...(body ? { 'Content-Length': String(body.length) } : {}),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * The request's target on a placeholder origin, or null when it is not a
 * plain path (`//`, which the URL parser reads as a host, `*`, an absolute
 * form): the caller answers 400. A URL that failed to parse would otherwise
 * throw out of the request listener and end the process.
 * @param {IncomingMessage} req
 * @returns {URL | null}
 */
export function requestUrl(req) {
  const target = req.url ?? '/';
  if (!target.startsWith('/') || target.startsWith('//')) return null;
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return null;
  }
}

/**
 * Whether `host` is a loopback address (or `localhost`): the backend must
 * never be reachable from, or send traffic to, anything else.
 * @param {string} host
 */
export function isLoopbackHost(host) {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  // The URL parser writes every spelling of ::1 the same way.
  if (net.isIPv6(host)) return new URL(`http://[${host}]/`).hostname === '[::1]';
  return false;
}

/**
 * Starts listening; resolves with the bound port.
 * @param {import('node:net').Server} server
 * @param {number} port
 * @param {string} host
 * @returns {Promise<number>}
 */
export function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (/** @type {Error} */ err) => reject(err);
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.removeListener('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/**
 * `http://host:port`, with brackets for IPv6.
 * @param {string} host
 * @param {number} port
 */
export function originOf(host, port) {
  return `http://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}
