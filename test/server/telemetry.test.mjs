// @ts-check
/**
 * createCheckoutHandler's OpenTelemetry spans, with the SDK's in-memory span
 * exporter: one server span per request under HTTP server semantic
 * conventions, continued from the request's W3C `traceparent`; a child span
 * per step (reservation, the merchant's handler, the store writes), the
 * merchant's own spans nested in the handler's; no key, body, token or
 * header value as an attribute; 5xx marked as errors; and nothing of
 * OpenTelemetry loaded without the `telemetry` option.
 *
 *   npm run build && node --test test/server/telemetry.test.mjs
 */
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createCheckoutHandler, isSteadyCartServerError, memoryStore } from '../../dist/server.mjs';
import { gate } from './fixtures.mjs';

/** @typedef {import('@opentelemetry/sdk-trace-base').ReadableSpan} ReadableSpan */
/** @typedef {import('../../dist/server.mjs').HandlerContext} HandlerContext */
/** @typedef {import('../../dist/server.mjs').HandlerResult} HandlerResult */

const TOKEN = 'tok_secret_visa_4242';
const ORDER = JSON.stringify({ orderRef: 'ref-telemetry', items: [{ sku: 'mug', qty: 1 }], payment: { token: TOKEN } });
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;

/**
 * An AsyncLocalStorage context manager (what @opentelemetry/context-async-hooks
 * does), so that the span active in the merchant's handler can be seen.
 */
class TestContextManager {
  als = new AsyncLocalStorage();
  active() {
    return this.als.getStore() ?? ROOT_CONTEXT;
  }
  /** @type {import('@opentelemetry/api').ContextManager['with']} */
  with(ctx, fn, thisArg, ...args) {
    return this.als.run(ctx, () => fn.apply(thisArg, args));
  }
  /** @template T @param {unknown} _ctx @param {T} target */
  bind(_ctx, target) {
    return target;
  }
  enable() {
    return this;
  }
  disable() {
    this.als.disable();
    return this;
  }
}

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

before(() => context.setGlobalContextManager(new TestContextManager()));
after(() => {
  context.disable();
  propagation.disable();
});
beforeEach(() => exporter.reset());

/**
 * @param {(request: Request) => Promise<Response>} h
 * @param {{ key?: string, body?: string, headers?: Record<string, string> }} [o]
 */
const post = (h, o = {}) =>
  h(
    new Request('http://127.0.0.1/checkout?from=test', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': o.key ?? randomUUID(), ...o.headers },
      body: o.body ?? ORDER,
    }),
  );

/** @param {string} name */
const only = (name) => {
  const found = exporter.getFinishedSpans().filter((s) => s.name == name);
  assert.equal(found.length, 1, `one span ${name}; got ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
  return /** @type {ReadableSpan} */ (found[0]);
};

/** @param {ReadableSpan} span */
const parentOf = (span) => span.parentSpanContext?.spanId;

/**
 * @param {Partial<import('../../dist/server.mjs').CheckoutHandlerOptions>} [extra]
 * @param {(order: unknown, ctx: HandlerContext) => Promise<HandlerResult>} [handle]
 */
const handlerWith = (handle = async () => ({ status: 201, body: { orderId: 'o-1' } }), extra = {}) =>
  createCheckoutHandler({ store: memoryStore(), handle, telemetry: { tracerProvider: provider, propagator: new W3CTraceContextPropagator() }, ...extra });

describe('telemetry: the server span', () => {
  test('POST /checkout: a SERVER span named "POST /checkout" with the HTTP server attributes, a child of the traceparent', async () => {
    const h = handlerWith();
    const res = await post(h, { headers: { traceparent: TRACEPARENT } });
    assert.equal(res.status, 201);
    const span = only('POST /checkout');
    assert.equal(span.kind, SpanKind.SERVER);
    assert.equal(span.spanContext().traceId, TRACE_ID, 'the browser trace goes on');
    assert.equal(parentOf(span), PARENT_SPAN_ID);
    assert.equal(span.parentSpanContext?.isRemote, true);
    assert.deepEqual(span.attributes, {
      'http.request.method': 'POST',
      'http.route': '/checkout',
      'url.path': '/checkout',
      'url.scheme': 'http',
      'http.response.status_code': 201,
      'steadycart.outcome': 'stored',
    });
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  test('without a traceparent the server span is a root', async () => {
    await post(handlerWith());
    const span = only('POST /checkout');
    assert.equal(parentOf(span), undefined);
    assert.notEqual(span.spanContext().traceId, TRACE_ID);
  });

  test('the global propagator is used when none is given (W3C trace context, as the SDKs register it)', async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const h = createCheckoutHandler({ store: memoryStore(), handle: async () => ({ status: 201, body: {} }), telemetry: { tracerProvider: provider } });
      await post(h, { headers: { traceparent: TRACEPARENT } });
      assert.equal(parentOf(only('POST /checkout')), PARENT_SPAN_ID);
    } finally {
      propagation.disable();
    }
  });

  test('reservation, handler and store write are child spans of the server span, ended in order; the merchant sees the handler span active', async () => {
    /** @type {string | undefined} */
    let activeInHandler;
    const h = handlerWith(async () => {
      activeInHandler = trace.getActiveSpan()?.spanContext().spanId;
      // The merchant's own span (its PSP call) nests under the handler's.
      provider.getTracer('merchant').startSpan('psp.charge').end();
      return { status: 201, body: { ok: true } };
    });
    await post(h, { headers: { traceparent: TRACEPARENT } });
    const server = only('POST /checkout');
    const reserve = only('steadycart.store.reserve');
    const handler = only('steadycart.handler');
    const complete = only('steadycart.store.complete');
    for (const child of [reserve, handler, complete]) {
      assert.equal(parentOf(child), server.spanContext().spanId, `${child.name} is a child of the server span`);
      assert.equal(child.kind, SpanKind.INTERNAL);
    }
    assert.deepEqual(reserve.attributes, { 'steadycart.store.operation': 'reserve', 'steadycart.reservation': 'acquired' });
    assert.deepEqual(handler.attributes, { 'steadycart.attempt': 1, 'steadycart.handler.status': 201 });
    assert.deepEqual(complete.attributes, { 'steadycart.store.operation': 'complete' });
    // Ended in order (each span is exported as it ends): reservation, handler, store write, request.
    assert.deepEqual(
      exporter.getFinishedSpans().filter((s) => s.name != 'psp.charge').map((s) => s.name),
      ['steadycart.store.reserve', 'steadycart.handler', 'steadycart.store.complete', 'POST /checkout'],
    );
    assert.equal(activeInHandler, handler.spanContext().spanId);
    assert.equal(parentOf(only('psp.charge')), handler.spanContext().spanId);
  });

  test('a replay, a 409 and a 422 say so in steadycart.outcome; the replay runs no handler span', async () => {
    const held = gate();
    let calls = 0;
    const h = handlerWith(async () => {
      if (++calls == 2) {
        held.enter();
        await held.opened;
      }
      return { status: 201, body: { n: calls } };
    });
    const key = randomUUID();
    await post(h, { key });
    exporter.reset();
    assert.equal((await post(h, { key })).headers.get('idempotent-replayed'), 'true');
    assert.equal(only('POST /checkout').attributes['steadycart.outcome'], 'replayed');
    assert.equal(exporter.getFinishedSpans().filter((s) => s.name == 'steadycart.handler').length, 0);

    const busyKey = randomUUID();
    const first = post(h, { key: busyKey });
    await held.entered;
    exporter.reset();
    assert.equal((await post(h, { key: busyKey })).status, 409);
    assert.equal((await post(h, { key: busyKey, body: ORDER.replace('ref-telemetry', 'ref-other') })).status, 422);
    const outcomes = exporter.getFinishedSpans().filter((s) => s.name == 'POST /checkout').map((s) => [s.attributes['http.response.status_code'], s.attributes['steadycart.outcome']]);
    assert.deepEqual(outcomes, [
      [409, 'in_progress'],
      [422, 'key_mismatch'],
    ]);
    held.open();
    assert.equal((await first).status, 201);
  });

  test('a 5xx is an error (error.type the status); a 4xx is not; a throw marks the handler span with its class only', async () => {
    let answer = 500;
    const h = handlerWith(async () => {
      if (answer == 0) throw new TypeError(`the PSP said no to ${TOKEN}`);
      return { status: answer, body: { error: 'x' } };
    });
    await post(h);
    const failed = only('POST /checkout');
    assert.equal(failed.status.code, SpanStatusCode.ERROR);
    assert.equal(failed.attributes['error.type'], '500');
    assert.equal(failed.attributes['steadycart.outcome'], 'kept');

    exporter.reset();
    answer = 402;
    await post(h);
    const declined = only('POST /checkout');
    assert.equal(declined.status.code, SpanStatusCode.UNSET);
    assert.equal(declined.attributes['error.type'], undefined);

    exporter.reset();
    answer = 0;
    assert.equal((await post(h)).status, 500);
    const handler = only('steadycart.handler');
    assert.equal(handler.status.code, SpanStatusCode.ERROR);
    assert.equal(handler.attributes['error.type'], 'TypeError');
    assert.equal(handler.status.message, undefined, 'the message may hold order data');
    assert.equal(handler.events.length, 0, 'no exception event with the message');
  });

  test('a lease takeover: the second run is attempt 2, with a steadycart.lease_takeover event', async () => {
    let calls = 0;
    const h = handlerWith(async () => (++calls == 1 ? { status: 502, body: {} } : { status: 201, body: {} }));
    const key = randomUUID();
    assert.equal((await post(h, { key })).status, 502);
    exporter.reset();
    assert.equal((await post(h, { key })).status, 201);
    const span = only('POST /checkout');
    assert.deepEqual(
      span.events.map((e) => [e.name, e.attributes]),
      [['steadycart.lease_takeover', { 'steadycart.attempt': 2 }]],
    );
    assert.equal(only('steadycart.handler').attributes['steadycart.attempt'], 2);
  });

  test('a lookup: route /checkout/{key}, the key replaced by REDACTED in url.path; health: its ping', async () => {
    const h = handlerWith();
    const key = randomUUID();
    await post(h, { key });
    exporter.reset();
    const res = await h(new Request(`http://127.0.0.1/checkout/${key}`));
    assert.equal(res.status, 200);
    const span = only('GET /checkout/{key}');
    assert.equal(span.attributes['http.route'], '/checkout/{key}');
    assert.equal(span.attributes['url.path'], '/checkout/REDACTED');
    assert.equal(parentOf(only('steadycart.store.read')), span.spanContext().spanId);

    exporter.reset();
    await h(new Request('http://127.0.0.1/health'));
    assert.equal(parentOf(only('steadycart.store.ping')), only('GET /health').spanContext().spanId);
  });

  test('a prefix is part of http.route; an unknown method is _OTHER', async () => {
    const h = handlerWith(undefined, { prefix: '/api' });
    await h(new Request('http://127.0.0.1/api/checkout', { method: 'PROPFIND' }));
    const span = only('HTTP /api/checkout');
    assert.equal(span.attributes['http.request.method'], '_OTHER');
    assert.equal(span.attributes['http.request.method_original'], 'PROPFIND');
    assert.equal(span.attributes['http.response.status_code'], 405);
  });

  test('no key, body, token or header value ever becomes an attribute or event', async () => {
    const h = handlerWith(async () => ({ status: 201, body: { orderId: 'o-secret', token: TOKEN } }), {
      cors: { origins: ['https://shop.example'] },
    });
    const key = randomUUID();
    const headers = { traceparent: TRACEPARENT, origin: 'https://shop.example', authorization: 'Bearer abc.def', 'user-agent': 'agent/1.0' };
    await post(h, { key, headers });
    await post(h, { key, headers });
    await h(new Request(`http://127.0.0.1/checkout/${encodeURIComponent(key)}`, { headers }));
    const spans = exporter.getFinishedSpans();
    assert.ok(spans.length >= 6);
    const values = spans.flatMap((s) => [...Object.values(s.attributes), ...s.events.flatMap((e) => Object.values(e.attributes ?? {}))]).map(String);
    for (const secret of [key, TOKEN, 'o-secret', 'ref-telemetry', TRACEPARENT, 'https://shop.example', 'Bearer abc.def', 'agent/1.0']) {
      assert.ok(!values.some((v) => v.includes(secret)), `no attribute holds ${secret}`);
      assert.ok(!spans.some((s) => s.name.includes(secret)), `no span name holds ${secret}`);
    }
  });

  test('an invalid provider is INVALID_OPTIONS naming it', () => {
    assert.throws(
      () => createCheckoutHandler({ store: memoryStore(), handle: async () => ({ status: 201, body: {} }), telemetry: { tracerProvider: /** @type {any} */ ({}) } }),
      (e) => isSteadyCartServerError(e) && e.code == 'INVALID_OPTIONS' && e.option == 'telemetry.tracerProvider',
    );
  });
});

describe('telemetry: nothing without the option', () => {
  test('dist/server.mjs imports OpenTelemetry only dynamically; dist/server.d.ts not at all', () => {
    const bundle = readFileSync(new URL('../../dist/server.mjs', import.meta.url), 'utf8');
    const staticImports = [...bundle.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    assert.ok(staticImports.length > 0);
    assert.deepEqual(
      staticImports.filter((s) => !s?.startsWith('node:')),
      [],
      'only node builtins are static imports',
    );
    assert.match(bundle, /import\('@opentelemetry\/api'\)/);
    // The types hold without the optional peer: the options are typed structurally.
    assert.doesNotMatch(readFileSync(new URL('../../dist/server.d.ts', import.meta.url), 'utf8'), /@opentelemetry\/api'/);
  });

  /**
   * Runs `createCheckoutHandler(options)` and one order in a child process
   * whose resolver refuses @opentelemetry/* (as where it is not installed).
   * @param {string} options  the options besides store and handle, as source text
   */
  const orderWithoutOtel = async (options) => {
    const hooks = `export async function resolve(s, c, next) { if (s.startsWith('@opentelemetry/')) throw new Error('cannot load ' + s); return next(s, c); }`;
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(hooks))});
      const { createCheckoutHandler, memoryStore } = await import(${JSON.stringify(new URL('../../dist/server.mjs', import.meta.url).href)});
      const errors = [];
      const h = createCheckoutHandler({ store: memoryStore(), handle: async () => ({ status: 201, body: {} }), onError: (e, { phase }) => errors.push(phase + ': ' + e.message), ...${options} });
      const res = await h(new Request('http://127.0.0.1/checkout', { method: 'POST', headers: { 'idempotency-key': 'k-1' }, body: '{}' }));
      let refused = false;
      try { await import('@opentelemetry/api'); } catch { refused = true; }
      console.log(JSON.stringify({ status: res.status, errors, refused }));`;
    const out = await new Promise((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr || String(err))) : resolve(stdout))),
    );
    return JSON.parse(String(out));
  };

  test('a handler without telemetry serves orders without ever resolving @opentelemetry/api', async () => {
    assert.deepEqual(await orderWithoutOtel('{}'), { status: 201, errors: [], refused: true });
  });

  test('with telemetry but no @opentelemetry/api to load, orders are served and onError says why, once', async () => {
    assert.deepEqual(await orderWithoutOtel('{ telemetry: {} }'), { status: 201, errors: ['telemetry: cannot load @opentelemetry/api'], refused: true });
  });
});
