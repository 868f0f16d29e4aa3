import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type ContextManager } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type Histogram, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import type { SteadyCart, SteadyCartOptions } from '../../../src/index';
import { instrument, type InstrumentOptions } from '../../../src/otel/index';
import { closeBackends, startBackend, type TestBackend } from '../backend';
import { cleanup, open, order, QUICK_TUNING, rejection, sleep, uniqueNamespace, until } from '../helpers';

/** A metric reader that exports nothing by itself: the test collects when it wants to look. */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** An OpenTelemetry SDK in memory: finished spans, and metrics collected on demand. */
function telemetry() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    metrics: async (): Promise<ResourceMetrics> => (await reader.collect()).resourceMetrics,
  };
}

/** The data points of metric `name`. */
function points<T = number>(metrics: ResourceMetrics, name: string): Array<DataPoint<T>> {
  for (const scope of metrics.scopeMetrics) for (const metric of scope.metrics) if (metric.descriptor.name == name) return metric.dataPoints as Array<DataPoint<T>>;
  return [];
}

/** The sum of the points of counter `name` whose attributes include `match`. */
const total = (metrics: ResourceMetrics, name: string, match: Attributes = {}) =>
  points(metrics, name)
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + p.value, 0);

/** Collects until `ready` holds of the metrics, and returns them. */
async function collectUntil(metrics: () => Promise<ResourceMetrics>, ready: (m: ResourceMetrics) => boolean, what: string, timeoutMs?: number): Promise<ResourceMetrics> {
  let last: ResourceMetrics | undefined;
  await until(async () => ready((last = await metrics())), what, timeoutMs);
  return last!;
}

const orderSpans = (spans: ReadableSpan[]) => spans.filter((s) => s.name == 'steadycart placeOrder');
const requestSpans = (spans: ReadableSpan[]) => spans.filter((s) => s.kind == SpanKind.CLIENT);
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) => requestSpans(spans).filter((s) => s.parentSpanContext?.spanId == parent.spanContext().spanId);
const traceparentOf = (span: ReadableSpan) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

/** A synchronous context manager, as a page's OpenTelemetry web SDK registers one (StackContextManager). */
class StackContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const before = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = before;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}

async function instrumented(be: TestBackend, names: string[], options: SteadyCartOptions = {}) {
  const t = telemetry();
  const sc = await open({ namespace: uniqueNamespace(), endpoints: be.sdk(...names), ...options });
  const uninstrument = instrument(sc, { tracerProvider: t.tracerProvider, meterProvider: t.meterProvider });
  return { ...t, sc, uninstrument };
}

// Every test's instances, frames and backends go when it ends.
afterEach(async () => {
  await cleanup();
  await closeBackends();
});

describe('steadycart/otel: spans', () => {
  it('a span per placeOrder, a CLIENT child per request with the HTTP attributes, and the traceparent the server received is the request span', async () => {
    const be = await startBackend();
    await be.fault('us', { kind: 'status', status: 503, count: 1, routes: ['checkout'] });
    // No hedge: on a slow machine a hedge to eu could answer first, and there would be no failover.
    const { sc, spans } = await instrumented(be, ['us', 'eu', 'backup'], { tuning: { hedge: false } });
    const r = await sc.placeOrder(order('traced'));
    expect(r.status).to.equal('confirmed');

    const [span, ...others] = orderSpans(spans());
    expect(others).to.be.empty;
    expect(span!.kind).to.equal(SpanKind.INTERNAL);
    expect(span!.attributes).to.deep.include({
      'steadycart.order.id': r.id,
      'steadycart.order.status': 'confirmed',
      'steadycart.order.attempts': 2,
      'steadycart.order.failovers': 1,
      'steadycart.order.budget_ms': 3000,
      'steadycart.order.budget_used_ms': r.elapsedMs,
    });
    expect(span!.attributes).to.not.have.property('steadycart.drill');
    expect(span!.events.map((e) => e.name)).to.include('steadycart.failover').and.include('steadycart.circuit');
    expect(span!.events.find((e) => e.name == 'steadycart.circuit')!.attributes).to.deep.equal({ 'steadycart.endpoint': be.url('us'), 'steadycart.circuit.state': 'open' });

    const [refused, placed] = childrenOf(spans(), span!);
    expect(requestSpans(spans())).to.have.length(2);
    const us = new URL(be.url('us'));
    expect(refused!.name).to.equal('POST');
    expect(refused!.spanContext().traceId).to.equal(span!.spanContext().traceId);
    expect(refused!.attributes).to.deep.equal({
      'http.request.method': 'POST',
      'server.address': '127.0.0.1',
      'server.port': Number(us.port),
      'url.full': `${be.url('us')}/checkout`,
      'http.response.status_code': 503,
      'error.type': '503',
      'steadycart.request.kind': 'order',
      'steadycart.attempt': 1,
      'steadycart.endpoint': be.url('us'),
      'steadycart.endpoint.domain': 'main',
      'steadycart.order.id': r.id,
    });
    expect(refused!.status.code).to.equal(SpanStatusCode.ERROR);
    expect(placed!.attributes).to.include({ 'http.response.status_code': 201, 'server.port': Number(new URL(be.url('eu')).port), 'steadycart.attempt': 2 });
    expect(placed!.attributes).to.not.have.property('error.type');
    expect(placed!.status.code).to.not.equal(SpanStatusCode.ERROR);

    // What the backend received is what the spans say: its trace joins the shopper's.
    const received = (await be.requests()).filter((q) => q.key == r.id && q.route == 'checkout');
    expect(received.map((q) => [q.endpoint, q.traceparent])).to.deep.equal([
      ['us', traceparentOf(refused!)],
      ['eu', traceparentOf(placed!)],
    ]);
  });

  it("a request is sent with its span active: a fetch instrumentation of the page makes its span a child of steadycart's, in the order's trace", async () => {
    const be = await startBackend();
    context.setGlobalContextManager(new StackContextManager());
    // As @opentelemetry/instrumentation-fetch does, the page's fetch reads the active span as it is called.
    const activeAtFetch: Array<string | undefined> = [];
    const pageFetch = window.fetch;
    window.fetch = (input, init) => {
      if ((input instanceof Request ? input.url : String(input)).startsWith(be.url('us'))) activeAtFetch.push(trace.getSpan(context.active())?.spanContext().spanId);
      return pageFetch(input, init);
    };
    try {
      const { sc, spans } = await instrumented(be, ['us']);
      expect((await sc.placeOrder(order('active'))).status).to.equal('confirmed');
      const requests = requestSpans(spans());
      expect(requests).to.have.length(1);
      expect(activeAtFetch).to.deep.equal([requests[0]!.spanContext().spanId]);
    } finally {
      window.fetch = pageFetch;
      context.disable();
    }
  });

  it('a context manager that throws changes nothing of the request: the order is confirmed, charged once', async () => {
    const be = await startBackend();
    class Broken extends StackContextManager {
      override with(): never {
        throw new Error('a context manager bug');
      }
    }
    context.setGlobalContextManager(new Broken());
    try {
      const { sc } = await instrumented(be, ['us']);
      const r = await sc.placeOrder(order('broken-context'));
      expect(r.status).to.equal('confirmed');
      expect(await be.charges(r.id)).to.equal(1);
    } finally {
      context.disable();
    }
  });

  it('error.type says network for a refused connection and timeout for a silent endpoint', async () => {
    const be = await startBackend();
    await be.fault('us', 'refuse');
    await be.fault('eu', 'silent');
    const { sc, spans } = await instrumented(be, ['us', 'eu'], { tuning: { ...QUICK_TUNING, hedge: false }, budgetMs: 1500 });
    const r = await sc.placeOrder(order('failing'));
    expect(r.status).to.equal('pending');
    expect(orderSpans(spans())[0]!.attributes).to.include({ 'steadycart.order.status': 'pending', 'steadycart.order.error': r.error!.code });
    const requests = requestSpans(spans());
    const on = (name: string) => requests.filter((s) => s.attributes['steadycart.endpoint'] == be.url(name));
    expect(on('us').map((s) => s.attributes['error.type'])).to.include('network');
    expect(on('eu').map((s) => s.attributes['error.type'])).to.include('timeout');
    for (const s of [...on('us'), ...on('eu')].filter((s) => s.attributes['steadycart.request.kind'] == 'order')) {
      expect(s.attributes).to.not.have.property('http.response.status_code');
      expect(s.status.code).to.equal(SpanStatusCode.ERROR);
    }
  });

  it('error.type says timeout for a silent endpoint also when a headers function took part of the attempt', async () => {
    const be = await startBackend();
    await be.fault('us', 'silent');
    // 150 ms of each 400 ms attempt go to the function, before the request is handed to fetch.
    const headers = async () => (await sleep(150), { Authorization: 'Bearer slow' });
    const { sc, spans } = await instrumented(be, ['us'], { headers, tuning: { ...QUICK_TUNING, hedge: false }, budgetMs: 1500 });
    const r = await sc.placeOrder(order('slow-token'));
    expect(r.status).to.equal('pending');
    const first = requestSpans(spans()).find((s) => s.attributes['steadycart.request.kind'] == 'order');
    expect(first, 'a request span').to.be.ok;
    expect(first!.attributes['error.type']).to.equal('timeout');
  });

  it('a later request of an order left pending is a root span linked to its placeOrder span', async () => {
    const be = await startBackend();
    await be.fault('us', '503');
    const { sc, spans } = await instrumented(be, ['us'], { tuning: QUICK_TUNING, budgetMs: 300 });
    const r = await sc.placeOrder(order('later'));
    expect(r.status).to.equal('pending');
    const [placed] = orderSpans(spans());
    expect(placed!.attributes).to.include({ 'steadycart.order.status': 'pending' });
    await be.fault('us', 'healthy');
    await until(async () => (await sc.outbox.list())[0]?.status == 'confirmed', 'the replay confirmed the order', 10_000);
    const replayed = requestSpans(spans()).find((s) => s.attributes['steadycart.order.id'] == r.id && s.attributes['http.response.status_code'] == 201)!;
    expect(replayed.parentSpanContext).to.equal(undefined);
    expect(replayed.links.map((l) => l.context.spanId)).to.deep.equal([placed!.spanContext().spanId]);
  });

  it('a placeOrder that throws for bad input ends its span with the error code, and no request', async () => {
    const be = await startBackend();
    const { sc, spans } = await instrumented(be, ['us']);
    const error = await rejection(sc.placeOrder({ payment: { cardNumber: '4242 4242 4242 4242' } }));
    expect(error.code).to.equal('CARD_DATA');
    const [span] = orderSpans(spans());
    expect(span!.attributes).to.deep.equal({ 'steadycart.order.budget_ms': 3000, 'steadycart.order.failovers': 0, 'error.type': 'CARD_DATA' });
    expect(span!.status.code).to.equal(SpanStatusCode.ERROR);
    expect(requestSpans(spans())).to.be.empty;
  });
});

describe('steadycart/otel: metrics', () => {
  it('orders by status, failovers, circuit changes, call duration, outbox size and time from pending to confirmed', async () => {
    const be = await startBackend();
    const { sc, metrics } = await instrumented(be, ['us', 'eu'], { tuning: { ...QUICK_TUNING, hedge: false }, budgetMs: 600 });
    await be.fault('us', { kind: 'status', status: 503, count: 1, routes: ['checkout'] });
    // Time enough for the failover on a busy machine.
    expect((await sc.placeOrder(order('m-1'), { budgetMs: 5000 })).status).to.equal('confirmed');

    await be.fault('us', '503');
    await be.fault('eu', '503');
    const waiting = await sc.placeOrder(order('m-2'));
    expect(waiting.status).to.equal('pending');
    let m = await collectUntil(metrics, (now) => total(now, 'steadycart.outbox.size', { 'steadycart.order.status': 'pending' }) == 1, 'the outbox gauge showing the waiting order');
    expect(total(m, 'steadycart.orders', { 'steadycart.order.status': 'confirmed' })).to.equal(1);
    expect(total(m, 'steadycart.orders', { 'steadycart.order.status': 'pending' })).to.equal(1);
    expect(total(m, 'steadycart.failovers', { 'steadycart.failover.from': be.url('us'), 'steadycart.failover.to': be.url('eu') })).to.be.at.least(1);
    expect(total(m, 'steadycart.circuit.changes', { 'steadycart.endpoint': be.url('us'), 'steadycart.circuit.state': 'open' })).to.be.at.least(1);
    const durations = points<Histogram>(m, 'steadycart.order.duration');
    expect(durations.reduce((n, p) => n + p.value.count, 0)).to.equal(2);
    expect(points(m, 'steadycart.order.duration').map((p) => p.attributes['steadycart.order.status']).sort()).to.deep.equal(['confirmed', 'pending']);

    await be.fault('us', 'healthy');
    await be.fault('eu', 'healthy');
    m = await collectUntil(metrics, (now) => total(now, 'steadycart.orders.settled', { 'steadycart.order.status': 'confirmed' }) == 1, 'the waiting order settled', 15_000);
    const [confirmedLater] = points<Histogram>(m, 'steadycart.order.pending_to_confirmed');
    expect(confirmedLater!.value.count).to.equal(1);
    expect(confirmedLater!.value.sum).to.be.greaterThan(0).and.lessThan(15);
    expect(total(m, 'steadycart.outbox.size', { 'steadycart.order.status': 'pending' })).to.equal(0);
    expect(total(m, 'steadycart.circuit.changes', { 'steadycart.circuit.state': 'closed' })).to.be.at.least(1);
  });
});

describe('steadycart/otel: what it never records, drills, and removal', () => {
  it('no order body, header value or payment data becomes an attribute of any span, event, link or metric', async () => {
    const be = await startBackend();
    await be.fault('us', { kind: 'status', status: 503, count: 1, routes: ['checkout'] });
    const secrets = ['pm_SECRET_payment_token', 'Secret Street 7', 'secret-gift-ref', 'Bearer SECRET-header-value', 'secret-csrf-value'];
    const { sc, spans, metrics } = await instrumented(be, ['us', 'eu'], {
      tuning: QUICK_TUNING,
      headers: { Authorization: 'Bearer SECRET-header-value', 'X-Csrf-Token': 'secret-csrf-value' },
    });
    const body = { items: [{ sku: 'mug', qty: 1, note: 'secret-gift-ref' }], shipping: { street: 'Secret Street 7' }, payment: { token: 'pm_SECRET_payment_token' } };
    expect((await sc.placeOrder(body)).status).to.equal('confirmed');
    await be.fault('us', '503');
    await be.fault('eu', '503');
    expect((await sc.placeOrder(body, { budgetMs: 300 })).status).to.equal('pending');

    const recorded: Attributes[] = [];
    for (const s of spans()) recorded.push(s.attributes, ...s.events.map((e) => e.attributes ?? {}), ...s.links.map((l) => l.attributes ?? {}));
    for (const scope of (await metrics()).scopeMetrics) for (const metric of scope.metrics) recorded.push(...metric.dataPoints.map((p) => p.attributes));
    expect(recorded.length).to.be.greaterThan(10);
    const text = JSON.stringify(recorded) + spans().map((s) => s.name).join();
    for (const secret of secrets) expect(text).to.not.include(secret);
    const keys = new Set(recorded.flatMap((a) => Object.keys(a)));
    expect([...keys].filter((k) => !/^(http\.request\.method|http\.response\.status_code|server\.(address|port)|url\.full|error\.type|steadycart\.[a-z_.]+)$/.test(k))).to.be.empty;
  });

  it('in a drill, spans and metrics say steadycart.drill, and the request carries both headers', async () => {
    const be = await startBackend();
    // eu's attempt has time to be answered on a busy machine too: one request there, as counted below.
    const { sc, spans, metrics } = await instrumented(be, ['us', 'eu'], { tuning: { ...QUICK_TUNING, attemptTimeoutMs: 2500, minAttemptTimeoutMs: 2500, hedge: false }, drill: true });
    sc.drill!.start({ endpoint: be.url('us'), fault: '503', forMs: 60_000 });
    const drilled = await sc.placeOrder(order('drilled'));
    expect(drilled.status).to.equal('confirmed');
    sc.drill!.stop();
    await until(() => sc.health().endpoints.every((e) => e.state == 'closed'), 'every circuit closed');
    const normal = await sc.placeOrder(order('normal'));

    const [first, second] = orderSpans(spans());
    expect(first!.attributes).to.include({ 'steadycart.drill': true, 'steadycart.order.id': drilled.id });
    expect(childrenOf(spans(), first!).map((s) => s.attributes['steadycart.drill'])).to.deep.equal([true, true]);
    // The drill's 503 never left the page: its span says so, the server saw only eu's request.
    expect(childrenOf(spans(), first!).map((s) => s.attributes['http.response.status_code'])).to.deep.equal([503, 201]);
    expect(second!.attributes).to.include({ 'steadycart.order.id': normal.id }).and.not.have.property('steadycart.drill');
    const received = (await be.requests()).filter((q) => q.key == drilled.id && q.route == 'checkout');
    expect(received.map((q) => [q.endpoint, q.drill, q.traceparent])).to.deep.equal([['eu', '1', traceparentOf(childrenOf(spans(), first!)[1]!)]]);
    const m = await metrics();
    expect(total(m, 'steadycart.orders', { 'steadycart.drill': true })).to.equal(1);
    expect(total(m, 'steadycart.orders')).to.equal(2);
  });

  it('in a drill, the outbox size gauge says steadycart.drill too', async () => {
    const be = await startBackend();
    const { sc, metrics } = await instrumented(be, ['us'], { tuning: QUICK_TUNING, budgetMs: 600, drill: true });
    sc.drill!.start({ fault: 'refuse', forMs: 60_000 });
    expect((await sc.placeOrder(order('gauged'))).status).to.equal('pending');
    const during = await collectUntil(metrics, (m) => points(m, 'steadycart.outbox.size').some((p) => p.value > 0), 'the gauge to count the waiting order');
    const sets = points(during, 'steadycart.outbox.size').map((p) => p.attributes);
    expect(sets.length).to.be.above(0);
    for (const attributes of sets) expect(attributes).to.include({ 'steadycart.drill': true });
  });

  it('uninstrument() stops spans, metrics and the traceparent, and puts placeOrder back; traceparent: false sends none', async () => {
    const be = await startBackend();
    const { sc, spans, metrics, uninstrument } = await instrumented(be, ['us']);
    const traced = sc.placeOrder;
    uninstrument();
    uninstrument();
    expect(sc.placeOrder).to.not.equal(traced);
    const plain = await sc.placeOrder(order('plain'));
    expect(spans()).to.be.empty;
    expect(total(await metrics(), 'steadycart.orders')).to.equal(0);
    expect((await be.requests()).find((q) => q.key == plain.id)!.traceparent).to.equal(null);

    const quiet = telemetry();
    instrument(sc, { tracerProvider: quiet.tracerProvider, meterProvider: quiet.meterProvider, traceparent: false });
    const untraced = await sc.placeOrder(order('quiet'));
    expect(requestSpans(quiet.spans())).to.have.length(1);
    expect((await be.requests()).find((q) => q.key == untraced.id)!.traceparent).to.equal(null);
  });

  it('a telemetry SDK that throws as an order settles leaves placeOrder\'s result alone: a confirmed order is never reported as a throw', async () => {
    const be = await startBackend();
    const sc = await open({ namespace: uniqueNamespace(), endpoints: be.sdk('us') });
    const t = telemetry();
    // A meter whose instruments throw when they record (a broken exporter or a shop's own wrapper).
    const broken = {
      getMeter: (...args: Parameters<typeof t.meterProvider.getMeter>) => {
        const meter = t.meterProvider.getMeter(...args);
        const throwing = <I extends object>(instrument: I): I =>
          new Proxy(instrument, {
            get: (target, key) =>
              key == 'add' || key == 'record'
                ? () => {
                    throw new Error('exporter down');
                  }
                : Reflect.get(target, key),
          });
        return new Proxy(meter, {
          get: (target, key) => {
            const value = Reflect.get(target, key) as unknown;
            return typeof value == 'function' && (key == 'createCounter' || key == 'createHistogram') ? (...a: unknown[]) => throwing(value.apply(target, a) as object) : value;
          },
        });
      },
    } as unknown as typeof t.meterProvider;
    instrument(sc, { tracerProvider: t.tracerProvider, meterProvider: broken });
    const r = await sc.placeOrder(order('told'));
    expect(r.status).to.equal('confirmed');
    expect(await be.charges(r.id)).to.equal(1);
  });

  it('a span processor that throws as a request\'s span starts or ends changes nothing of the request: the order is confirmed, charged once', async () => {
    const be = await startBackend();
    for (const at of ['onStart', 'onEnd'] as const) {
      const sc = await open({ namespace: uniqueNamespace(), endpoints: be.sdk('us') });
      // A shop's processor with a bug (a redaction step, say): the telemetry SDK does not catch it.
      const processor = {
        onStart() {},
        onEnd() {},
        forceFlush: async () => {},
        shutdown: async () => {},
        [at]() {
          throw new Error(`${at} down`);
        },
      };
      instrument(sc, { tracerProvider: new BasicTracerProvider({ spanProcessors: [processor] }), meterProvider: telemetry().meterProvider });
      const r = await sc.placeOrder(order(`processor-${at}`));
      expect(r.status, at).to.equal('confirmed');
      expect(await be.charges(r.id), at).to.equal(1);
    }
  });

  it('instrument() of anything but an instance throws INVALID_OPTIONS', async () => {
    for (const value of [undefined, {}, { placeOrder() {} }]) {
      expect((await rejection(() => instrument(value as unknown as SteadyCart))).code).to.equal('INVALID_OPTIONS');
    }
  });

  it('instrument() twice throws INVALID_OPTIONS and wraps nothing more: one span per order; after uninstrument() it may instrument again', async () => {
    const be = await startBackend();
    const { sc, uninstrument, tracerProvider, meterProvider, spans } = await instrumented(be, ['us']);
    const placeOrder = sc.placeOrder;
    const error = await rejection(() => instrument(sc, { tracerProvider, meterProvider }));
    expect([error.code, error.path]).to.deep.equal(['INVALID_OPTIONS', 'sc']);
    expect(sc.placeOrder, 'not wrapped twice').to.equal(placeOrder);
    await sc.placeOrder(order('once'));
    expect(orderSpans(spans())).to.have.length(1);
    uninstrument();
    const again = instrument(sc, { tracerProvider, meterProvider });
    await sc.placeOrder(order('again'));
    expect(orderSpans(spans())).to.have.length(2);
    again();
  });

  it('instrument() that throws part way (a meter provider that throws) leaves the instance free to be instrumented again', async () => {
    const be = await startBackend();
    const { sc, uninstrument, tracerProvider, meterProvider, spans } = await instrumented(be, ['us']);
    uninstrument();
    const broken = {
      getMeter: () => {
        throw new Error('meter provider down');
      },
    };
    expect(() => instrument(sc, { tracerProvider, meterProvider: broken as unknown as InstrumentOptions['meterProvider'] })).to.throw('meter provider down');
    const again = instrument(sc, { tracerProvider, meterProvider });
    await sc.placeOrder(order('after a failed instrument'));
    expect(orderSpans(spans())).to.have.length(1);
    again();
  });

  it('instrument() of a closed instance throws CLOSED and leaves nothing wrapped or observed (no outbox gauge for it)', async () => {
    const t = telemetry();
    const sc = await open({ namespace: uniqueNamespace(), endpoints: [{ url: 'https://pay.invalid' }] });
    await until(() => sc.outbox.snapshot().loaded, 'the outbox read');
    const placeOrder = sc.placeOrder;
    sc.close();
    const error = await rejection(() => instrument(sc, { tracerProvider: t.tracerProvider, meterProvider: t.meterProvider }));
    expect(error.code).to.equal('CLOSED');
    expect(sc.placeOrder, 'placeOrder as it was').to.equal(placeOrder);
    expect(points(await t.metrics(), 'steadycart.outbox.size')).to.deep.equal([]);
  });

  it('instrument() with a provider that is not one, or a key that is no option, throws INVALID_OPTIONS naming it, and wraps nothing', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    const placeOrder = sc.placeOrder;
    const bad: Array<[unknown, string]> = [
      [{ tracerProvider: {} }, 'tracerProvider'],
      [{ meterProvider: { getTracer() {} } }, 'meterProvider'],
      [{ traceparent: 'yes' }, 'traceparent'],
      // A misspelt key: dropped before, and traceparent left on.
      [{ traceParent: false }, 'traceParent'],
      [null, 'options'],
    ];
    for (const [options, path] of bad) {
      const error = await rejection(() => instrument(sc, options as InstrumentOptions));
      expect([error.name, error.code, error.path]).to.deep.equal(['SteadyCartError', 'INVALID_OPTIONS', path]);
    }
    expect(sc.placeOrder).to.equal(placeOrder);
  });
});
