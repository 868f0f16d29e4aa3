import { Readable } from 'node:stream';
import { invalidOption } from '../errors';
import type { CheckoutHandler } from '../handler';
import { clientGone, fromResponse, toRequest, unreadBodyCloses, type ClosingResponse } from './fetch';

/** The parts of a Fastify request the plugin reads. */
export interface FastifyRequestLike {
  /** The HTTP method. */
  method: string;
  /** The request's path and query. */
  url: string;
  /** Its headers, by lower-case name. */
  headers: Record<string, string | string[] | undefined>;
  /** The body as the plugin's content-type parser passed it on: the raw body stream. */
  body?: unknown;
  /** The node:http request. */
  raw: { complete: boolean };
}

/** The parts of a Fastify reply the plugin writes. */
export interface FastifyReplyLike {
  /** Sets the status. */
  code(status: number): FastifyReplyLike;
  /** Sets headers. */
  headers(values: Record<string, string>): FastifyReplyLike;
  /** Sends the body. */
  send(payload: Uint8Array): FastifyReplyLike;
  /** The node:http response: its early close tells that the client went away. */
  raw?: ClosingResponse;
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  /** Drops the instance's body parsers, in the plugin's scope: the handler reads the raw body. */
  removeAllContentTypeParsers(): void;
  /** Adds the plugin's parser, which hands every body's raw stream to the handler. */
  addContentTypeParser(type: string, parser: (request: unknown, payload: Readable, done: (err: Error | null, body?: unknown) => void) => void): void;
  /** Adds the checkout, lookup and health routes. */
  route(options: { method: string[]; url: string; handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown> }): void;
}

/** Options of {@link fastifyCheckout}. */
export interface FastifyCheckoutOptions {
  /** The handler from `createCheckoutHandler`; its `prefix` gives the routes. */
  handler: CheckoutHandler;
}

/**
 * A Fastify plugin serving the checkout routes. Inside its own encapsulated
 * context it replaces the body parsers with one that hands the raw body stream
 * to the handler, so the rest of the app keeps Fastify's JSON parsing. The
 * handler reads the bytes itself, so its own `bodyLimit` applies (Fastify's
 * does not), and a body over it gets the handler's 413, with CORS headers.
 *
 * @example
 * ```ts
 * await app.register(fastifyCheckout, { handler });
 * ```
 */
export async function fastifyCheckout(instance: FastifyInstanceLike, options: FastifyCheckoutOptions): Promise<void> {
  const handler = options?.handler;
  // Its `prefix` gives the routes: a plain Fetch function has none.
  if (typeof handler != 'function' || typeof handler.prefix != 'string') invalidOption('handler', 'must be the handler from createCheckoutHandler');
  instance.removeAllContentTypeParsers();
  // Without `parseAs`, Fastify neither reads the body nor applies its own `bodyLimit`: the handler does both.
  instance.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const serve = async (request: FastifyRequestLike, reply: FastifyReplyLike) => {
    const url = new URL(request.url, `http://${request.headers.host ?? 'localhost'}`);
    const body = request.body instanceof Readable ? (Readable.toWeb(request.body) as ReadableStream<Uint8Array>) : null;
    const signal = reply.raw && clientGone(reply.raw);
    const { status, headers, body: bytes } = await fromResponse(await handler(toRequest(request.method, url, request.headers, body, signal)));
    return reply.code(status).headers(unreadBodyCloses(request.raw, headers)).send(bytes);
  };
  const base = `${handler.prefix}/checkout`;
  // A wildcard, not `/:key`: Fastify answers 414 itself for a parameter over its `maxParamLength`
  // (100 by default), and a key may have 255 characters. The handler matches the path itself.
  for (const url of [base, `${base}/*`, `${handler.prefix}/health`]) {
    instance.route({ method: ['GET', 'POST', 'OPTIONS'], url, handler: serve });
  }
}
