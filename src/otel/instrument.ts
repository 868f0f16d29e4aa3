import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { SteadyCartError } from '../index';
import { knownKeys } from '../options';
import { isFinal } from '../outbox/statuses';
import { INSTRUMENTATION, type Instrumentable } from '../page/instrumentation';
import type { SendFetch } from '../transport/http';
import type { OrderResult, PlaceOrderOptions, SteadyCart } from '../types';
import { ATTR, drillAttribute } from './attributes';
import { Metrics } from './metrics';
import { OrderSpans } from './orders';
import { quietly } from './quietly';
import { tracedFetch } from './requests';

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /** Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider | undefined;
  /** Where metrics go. Default: the global meter provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider | undefined;
  /**
   * Whether every request carries its span's W3C `traceparent` (and
   * `tracestate`, when there is one), so that the backend's trace joins the
   * shopper's. Default `true`. Cross-origin endpoints must then allow these
   * headers in their CORS preflights, or every request fails.
   */
  traceparent?: boolean | undefined;
}

/** `placeOrder` as the wrapper sees it, whatever the order's and the answer's types. */
type PlaceOrder = (order: object, options?: PlaceOrderOptions) => Promise<OrderResult>;

/** A thrown error's stable code, or its name: never its message. */
const errorCode = (error: unknown): string => {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return typeof code == 'string' ? code : typeof name == 'string' ? name : 'Error';
};

/** Instances instrumented now: a second `instrument()` would report every order, request and metric twice. */
const instrumented = new WeakSet<object>();

/** The options, checked before anything is wrapped: a provider without its method would otherwise throw a bare TypeError. */
function checkOptions(options: InstrumentOptions): InstrumentOptions {
  const invalid = (path: string, message: string) => new SteadyCartError('INVALID_OPTIONS', message, path);
  if (typeof options != 'object' || options === null) throw invalid('options', 'must be an object');
  // A misspelt key (`traceParent`) would otherwise be dropped without a word, and its default used.
  knownKeys(options, 'tracerProvider meterProvider traceparent');
  if (options.tracerProvider && typeof options.tracerProvider.getTracer != 'function') throw invalid('tracerProvider', 'must be a TracerProvider');
  if (options.meterProvider && typeof options.meterProvider.getMeter != 'function') throw invalid('meterProvider', 'must be a MeterProvider');
  if (options.traceparent !== undefined && typeof options.traceparent != 'boolean') throw invalid('traceparent', 'must be true or false');
  return options;
}

/**
 * Instruments a steadycart instance of this page with OpenTelemetry: a span
 * per `placeOrder` call, a CLIENT span per request (children of the order's
 * span, following the HTTP client semantic conventions) carrying W3C trace
 * context to the backend, span events for failovers and circuit changes,
 * and metrics (orders by status, failovers, circuit changes, call duration,
 * outbox size, time from pending to confirmed). No order body, header
 * value or payment data ever becomes an attribute.
 *
 * Returns the function that removes the instrumentation again. Throws
 * `INVALID_OPTIONS` when `sc` is not an instance of steadycart's page SDK or
 * is instrumented already (everything would be reported twice), or naming the option (`tracerProvider`, `meterProvider`, `traceparent`)
 * that is not what it claims to be, or a key that is none of them.
 *
 * @example
 * ```ts
 * import { instrument } from 'steadycart/otel';
 * const uninstrument = instrument(sc, { tracerProvider, meterProvider });
 * ```
 */
export function instrument(sc: SteadyCart, options: InstrumentOptions = {}): () => void {
  const hook = (sc as Instrumentable | null | undefined)?.[INSTRUMENTATION];
  if (!hook) throw new SteadyCartError('INVALID_OPTIONS', 'must be an instance from createSteadyCart', 'sc');
  checkOptions(options);
  if (instrumented.has(sc)) throw new SteadyCartError('INVALID_OPTIONS', 'is instrumented already: call the function the first instrument() returned before instrumenting it again', 'sc');
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('steadycart');
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter('steadycart');
  let active = true;
  let drilling = !!sc.health().drill;
  // First: a closed instance throws CLOSED here, before anything is wrapped or observed.
  const offDrill = sc.on('drill', ({ state }) => (drilling = state == 'started'));
  const orders = new OrderSpans(tracer);
  const snapshot = () => (active ? sc.outbox.snapshot() : undefined);
  snapshot(); // starts reading the outbox, for the gauge
  const measure = new Metrics(meter, snapshot, () => drilling);

  // Every request: a span, and its trace context on the wire.
  const before = hook.fetch;
  const next: SendFetch = before ?? ((request) => fetch(request));
  const tracedRequest = tracedFetch(
    { tracer, orders, drilling: () => drilling, propagate: options.traceparent ?? true, domainOf: (url) => hook.endpoints.find((e) => e.url == url)?.domain },
    next,
  );
  const fetchHook: SendFetch = (request, info) => (active ? tracedRequest : next)(request, info);
  hook.fetch = fetchHook;

  // Every placeOrder call: a span, whose key is known as soon as the call has minted it.
  const original = sc.placeOrder;
  const placeOrder = original as unknown as PlaceOrder;
  const traced: PlaceOrder = async (order, placeOptions) => {
    if (!active) return placeOrder(order, placeOptions);
    const drill = drilling;
    let started: ReturnType<OrderSpans['start']> | undefined;
    quietly(() => (started = orders.start(drill)));
    // A span that cannot start (a span processor's bug) leaves the order untraced, not unplaced.
    if (!started) return placeOrder(order, placeOptions);
    const { span, bind } = started;
    let id: string | undefined;
    const told = hook.onNewOrder;
    hook.onNewOrder = (key) => {
      id = key;
      bind(key);
      told?.(key);
    };
    let call: Promise<OrderResult>;
    try {
      // The key is minted synchronously, before the call's first await.
      call = placeOrder(order, placeOptions);
    } finally {
      hook.onNewOrder = told;
    }
    const budget = placeOptions?.budgetMs;
    const budgetMs = typeof budget == 'number' ? budget : hook.budgetMs;
    let result: OrderResult;
    try {
      result = await call;
    } catch (error) {
      quietly(() => orders.end(span, id, { thrown: errorCode(error), budgetMs }));
      throw error;
    }
    // A telemetry SDK that throws here must not turn a settled order into a throw: the shop could place it again.
    quietly(() => {
      orders.end(span, id, { result, budgetMs });
      measure.placed(result.status, result.elapsedMs / 1000, drillAttribute(drill));
    });
    return result;
  };
  const tracedPlaceOrder = traced as unknown as SteadyCart['placeOrder'];
  sc.placeOrder = tracedPlaceOrder;

  const offs = [
    offDrill,
    sc.on('failover', ({ id, from, to }) => {
      orders.failover(id, from, to);
      measure.failovers.add(1, { [ATTR.from]: from, [ATTR.to]: to, ...drillAttribute(drilling) });
    }),
    sc.on('endpoint:state', ({ url, state }) => {
      orders.circuit(url, state);
      measure.circuitChanges.add(1, { [ATTR.endpoint]: url, [ATTR.circuitState]: state, ...drillAttribute(drilling) });
    }),
    sc.on('order:*', ({ id, status }) => {
      if (!isFinal(status)) return;
      const pendingAt = orders.settle(id);
      if (pendingAt === undefined) return;
      measure.settled.add(1, { [ATTR.orderStatus]: status, ...drillAttribute(drilling) });
      if (status == 'confirmed') measure.pendingToConfirmed.record((performance.now() - pendingAt) / 1000, drillAttribute(drilling));
    }),
  ];

  // Only now: a provider or a closed instance that threw above must not leave `sc` marked for good.
  instrumented.add(sc);
  return () => {
    if (!active) return;
    active = false;
    instrumented.delete(sc);
    offs.forEach((off) => off());
    measure.close();
    // Put back what is still ours; a layer added on top since then passes through (inactive).
    if (hook.fetch === fetchHook) hook.fetch = before;
    if (sc.placeOrder === tracedPlaceOrder) sc.placeOrder = original;
  };
}
