import { invalidOption } from '../errors';
import type { CheckoutHandler } from '../handler';
import { fromResponse, toRequest } from './fetch';

/** The parts of a Fastify request the plugin reads. */
export interface FastifyRequestLike {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

/** The parts of a Fastify reply the plugin writes. */
export interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(payload: Uint8Array): FastifyReplyLike;
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer' },
    parser: (request: unknown, body: Uint8Array, done: (err: Error | null, body?: Uint8Array) => void) => void,
  ): void;
  route(options: { method: string[]; url: string; handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown> }): void;
}

/** Options of {@link fastifyCheckout}. */
export interface FastifyCheckoutOptions {
  /** The handler from `createCheckoutHandler`; its `prefix` gives the routes. */
  handler: CheckoutHandler;
}

/**
 * A Fastify plugin serving the checkout routes. Inside its own encapsulated
 * context it replaces the body parsers with one that keeps the raw bytes, so
 * the rest of the app keeps Fastify's JSON parsing.
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
  instance.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const serve = async (request: FastifyRequestLike, reply: FastifyReplyLike) => {
    const url = new URL(request.url, `http://${request.headers.host ?? 'localhost'}`);
    const body = request.body instanceof Uint8Array ? request.body : null;
    const { status, headers, body: bytes } = await fromResponse(await handler(toRequest(request.method, url, request.headers, body)));
    return reply.code(status).headers(headers).send(bytes);
  };
  const base = `${handler.prefix}/checkout`;
  for (const url of [base, `${base}/:key`, `${handler.prefix}/health`]) {
    instance.route({ method: ['GET', 'POST', 'OPTIONS'], url, handler: serve });
  }
}
