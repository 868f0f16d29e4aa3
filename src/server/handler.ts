import { corsHeaders, preflight } from './http/cors';
import { errorJson, type BaseHeaders } from './http/respond';
import { health, lookUp } from './lookup';
import { settings, type CheckoutHandlerOptions } from './options';
import { placeOrder } from './place';
import type { RequestTelemetry, RouteInfo } from './telemetry/types';

/**
 * A Fetch-standard request handler serving the wire contract. Mount it with an
 * adapter (`toNodeListener`, `fastifyCheckout`) or hand it `Request`s directly
 * (Hono, Bun, Deno, workers).
 */
export interface CheckoutHandler {
  /** Answers one request of the checkout, lookup or health route (any other path: 404). */
  (request: Request): Promise<Response>;
  /** True when `pathname` is one of the handler's routes (adapters pass the rest on). */
  matches(pathname: string): boolean;
  /** The path prefix of the routes (`''` or e.g. `/api`), for adapters that register routes. */
  readonly prefix: string;
}

type Route = { name: 'checkout' } | { name: 'lookup'; key: string } | { name: 'health' } | null;

/** The key in a lookup's `url.path` never reaches telemetry. */
const REDACTED = 'REDACTED';

/**
 * Creates the checkout endpoint:
 * - `POST {prefix}/checkout` places an order exactly once per `Idempotency-Key`;
 * - `GET {prefix}/checkout/{key}` looks an order up;
 * - `GET {prefix}/health` answers 2xx while the store does;
 * - `OPTIONS` on each answers CORS preflights when `cors` is set.
 *
 * Throws `SteadyCartServerError` (`INVALID_OPTIONS`) for invalid options,
 * e.g. a retention under 24 h.
 *
 * @example
 * ```ts
 * interface MyOrder { payment: { token: string } } // the body your pages send
 * const handler = createCheckoutHandler<MyOrder>({
 *   store: await pgliteStore({ dataDir: './data/idempotency' }),
 *   handle: async (order, { key }) => {
 *     const charge = await psp.charge(order.payment.token, { idempotencyKey: key });
 *     return { status: 201, body: { orderId: charge.id } };
 *   },
 * });
 * http.createServer(toNodeListener(handler)).listen(8080);
 * ```
 */
export function createCheckoutHandler<Order = unknown>(options: CheckoutHandlerOptions<Order>): CheckoutHandler {
  const s = settings(options);
  const checkoutPath = `${s.prefix}/checkout`;
  const route = (pathname: string): Route => {
    if (pathname == checkoutPath) return { name: 'checkout' };
    if (pathname == `${s.prefix}/health`) return { name: 'health' };
    if (pathname.startsWith(checkoutPath + '/')) {
      const key = pathname.slice(checkoutPath.length + 1);
      if (key && !key.includes('/')) return { name: 'lookup', key };
    }
    return null;
  };

  // The first sweep comes one interval after start: a restart loop must not sweep on every start.
  let lastSweep = Date.now();
  const sweepNow = (): void => {
    if (Date.now() - lastSweep < s.sweepEveryMs) return;
    lastSweep = Date.now();
    // Through a promise: a store whose sweep throws synchronously fails the sweep, not the order being placed.
    Promise.resolve()
      .then(() => s.store.sweep())
      .catch((err: unknown) => {
        s.onError(err, { phase: 'sweep' });
        s.telemetry.storeError('sweep');
      });
  };
  const routeInfo = (target: NonNullable<Route>, pathname: string): RouteInfo =>
    target.name == 'lookup' ? { template: `${checkoutPath}/{key}`, path: `${checkoutPath}/${REDACTED}` } : { template: pathname, path: pathname };

  const answer = async (request: Request, target: NonNullable<Route>, method: string, url: URL, t: RequestTelemetry): Promise<Response> => {
    const origin = request.headers.get('origin');
    // Until the CORS headers are known (a `cors.origins` function may throw), an error is answered without them.
    let headers: BaseHeaders = {};
    try {
      headers = corsHeaders(s.cors, origin);
      if (method == 'OPTIONS') return preflight(s.cors, origin);
      if (target.name == 'checkout') {
        if (method != 'POST') return errorJson(405, 'method_not_allowed', { ...headers, allow: 'POST, OPTIONS' });
        sweepNow();
        return await placeOrder(s, request, headers, t);
      }
      if (method != 'GET' && method != 'HEAD') return errorJson(405, 'method_not_allowed', { ...headers, allow: 'GET, OPTIONS' });
      return target.name == 'health' ? await health(s, headers, t) : await lookUp(s, target.key, url.searchParams.get('close') == '1', headers, t);
    } catch (err) {
      s.onError(err, { phase: 'request' });
      return errorJson(500, 'internal', headers);
    }
  };

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const target = route(url.pathname);
    if (!target) return errorJson(404, 'no_such_route', corsHeaders(s.cors, request.headers.get('origin')));
    const method = request.method.toUpperCase();
    const t = await s.telemetry.request(request, method, routeInfo(target, url.pathname));
    const response = await answer(request, target, method, url, t);
    t.end(response.status);
    return response;
  };
  return Object.assign(handler, { matches: (pathname: string) => route(pathname) != null, prefix: s.prefix });
}
