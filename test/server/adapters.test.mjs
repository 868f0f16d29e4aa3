// @ts-check
/**
 * One suite against real node:http, Express, Fastify and Hono servers on
 * 127.0.0.1, each serving createCheckoutHandler under the prefix /api through
 * its adapter: raw body bytes reach the fingerprint untouched, replays, 422,
 * lookup, health, CORS preflight, 400 and 413, and other paths left to the
 * framework. Plus Express with a body parser mounted first.
 *
 *   npm run build && node --test test/server/adapters.test.mjs
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { createCheckoutHandler, fastifyCheckout, isSteadyCartServerError, memoryStore, toNodeListener } from '../../dist/server.mjs';
import { gate } from './fixtures.mjs';

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

const ORIGIN = 'https://shop.example';
/** Odd spacing and key order: a body parsed and serialized again would differ from these bytes. */
const RAW = '{"payment":{"token":"tok_ok"} ,  "orderRef":"r-1","items":[ {"sku":"mug","qty":2} ]}';

/** The handlers' body limit, in bytes. */
const BODY_LIMIT = 1_500_000;

/** A handler on a fresh memory store, recording the orders it runs. */
function checkout() {
  const store = memoryStore();
  /** @type {unknown[]} */
  const orders = [];
  const handler = createCheckoutHandler({
    store,
    prefix: '/api',
    cors: { origins: [ORIGIN] },
    // Above Fastify's own default of 1 MiB: the handler's limit is the one that applies, on every adapter.
    bodyLimit: BODY_LIMIT,
    handle: async (order) => (orders.push(order), { status: 201, body: { orderId: `o-${orders.length}` } }),
  });
  return { store, orders, handler };
}

/** @typedef {{ url: string, close: () => Promise<void> }} Running */

/** @param {import('node:http').Server} server @returns {Promise<Running>} */
function listen(server) {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r(undefined)))) });
    }),
  );
}

/** @type {Record<string, (handler: ReturnType<typeof checkout>['handler']) => Promise<Running>>} */
const frameworks = {
  'node:http': (handler) => listen(createServer(toNodeListener(handler))),
  express: (handler) => {
    const app = express();
    app.use(toNodeListener(handler));
    app.get('/other', (_req, res) => res.json({ from: 'express' }));
    app.get('/api/other', (_req, res) => res.json({ from: 'express' }));
    return listen(createServer(app));
  },
  fastify: async (handler) => {
    const app = Fastify();
    await app.register(fastifyCheckout, { handler });
    app.get('/other', async () => ({ from: 'fastify' }));
    app.get('/api/other', async () => ({ from: 'fastify' }));
    // JSON parsing outside the plugin is untouched.
    app.post('/echo', async (req) => ({ parsed: req.body }));
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: address, close: () => app.close() };
  },
  hono: async (handler) => {
    const app = new Hono();
    // As docs/server.md writes it: the shop's other /api routes stay the app's.
    app.all('/api/*', (c, next) => (handler.matches(c.req.path) ? handler(c.req.raw) : next()));
    app.get('/other', (c) => c.json({ from: 'hono' }));
    app.get('/api/other', (c) => c.json({ from: 'hono' }));
    /** @type {import('node:http').Server} */
    let server;
    const port = await new Promise((resolve) => {
      server = /** @type {import('node:http').Server} */ (serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port)));
    });
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r(undefined)))) };
  },
};

/**
 * @param {string} url @param {string} key @param {string} [body]
 * @param {Record<string, string>} [extra]
 */
const post = (url, key, body = RAW, extra = {}) =>
  fetch(`${url}/api/checkout`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key, ...extra }, body });

for (const [name, start] of Object.entries(frameworks)) {
  describe(`adapter: ${name}`, () => {
    /** @type {ReturnType<typeof checkout>} */
    let c;
    /** @type {Running} */
    let server;
    before(async () => {
      c = checkout();
      server = await start(c.handler);
    });
    after(() => server.close());

    it('passes the raw body bytes untouched: the fingerprint is over exactly what was sent', async () => {
      const key = randomUUID();
      const r = await post(server.url, key);
      assert.equal(r.status, 201);
      assert.deepEqual(await r.json(), { orderId: 'o-1' });
      const expected = createHash('sha256').update(RAW).digest('hex');
      assert.equal((await c.store.read(key))?.fingerprint, expected);
      assert.deepEqual(c.orders[0], JSON.parse(RAW));
    });

    it('replays byte for byte; the same JSON spaced differently is another body (422)', async () => {
      const key = randomUUID();
      const first = await post(server.url, key);
      const text = await first.text();
      const again = await post(server.url, key);
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(await again.text(), text);
      assert.equal((await post(server.url, key, JSON.stringify(JSON.parse(RAW)))).status, 422);
    });

    it('looks up 200 {status, body} and 404; health 200', async () => {
      const key = randomUUID();
      const placed = await (await post(server.url, key)).text();
      const found = await fetch(`${server.url}/api/checkout/${key}`);
      assert.equal(found.status, 200);
      assert.equal(await found.text(), `{"status":201,"body":${placed}}`);
      assert.equal((await fetch(`${server.url}/api/checkout/${randomUUID()}`)).status, 404);
      assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
    });

    it('answers a CORS preflight and exposes Retry-After', async () => {
      const pre = await fetch(`${server.url}/api/checkout`, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'idempotency-key' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('content-length'), null, 'a 204 has no Content-Length (RFC 9110, 8.6)');
      assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN);
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Idempotency-Key/);
      assert.equal(pre.headers.get('access-control-max-age'), '600');
      const r = await post(server.url, randomUUID(), RAW, { origin: ORIGIN });
      assert.match(r.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
    });

    it("400 without a key; the handler's body limit, above 1 MiB, with its own 413 and CORS headers above it", async () => {
      const nokey = await fetch(`${server.url}/api/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: RAW });
      assert.equal(nokey.status, 400);
      const large = await post(server.url, randomUUID(), JSON.stringify({ pad: 'x'.repeat(1_200_000) }), { origin: ORIGIN });
      assert.equal(large.status, 201, 'under the limit');
      for (const size of [BODY_LIMIT + 1000, 3 * BODY_LIMIT]) {
        const big = await post(server.url, randomUUID(), JSON.stringify({ pad: 'x'.repeat(size) }), { origin: ORIGIN });
        assert.equal(big.status, 413, `${size} B`);
        // Without it, a shop's browser reads a network error (ambiguous) instead of a refusal.
        assert.equal(big.headers.get('access-control-allow-origin'), ORIGIN, `${size} B`);
        assert.deepEqual(await big.json(), { error: 'body_too_large', limit: BODY_LIMIT });
      }
    });

    it('places and looks up a key of 255 characters', async () => {
      const key = `${randomUUID()}.${'k'.repeat(218)}`;
      assert.equal(key.length, 255);
      assert.equal((await post(server.url, key)).status, 201);
      const found = await fetch(`${server.url}/api/checkout/${key}`);
      assert.equal(found.status, 200);
      assert.equal((await found.json()).status, 201);
      assert.equal((await fetch(`${server.url}/api/checkout/${key}/more`)).status, 404, 'not a lookup route');
    });

    if (name != 'node:http') {
      it('leaves other paths to the framework, under its prefix too', async () => {
        for (const path of ['/other', '/api/other']) {
          const r = await fetch(`${server.url}${path}`);
          assert.deepEqual(await r.json(), { from: name }, path);
        }
      });
    }
  });
}

/**
 * Sends `request` as raw bytes (requests fetch would refuse to send) and resolves with the status line's code.
 * @param {string} url @param {string} request
 */
function rawStatus(url, request) {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
    let text = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

describe('toNodeListener: a malformed request is answered, never an exception out of the listener', () => {
  for (const name of ['node:http', 'express']) {
    it(`${name}: \`GET //\` and \`GET //evil/api/health\`, a bad Host header and TRACE are answered 400, 400, 400 and 500; the server still places orders`, async () => {
      /** @type {unknown[]} */
      const errors = [];
      const c = checkout();
      const listener = toNodeListener(c.handler, { onError: (err) => errors.push(err) });
      const app = name == 'express' ? express().use(listener) : listener;
      const s = await listen(createServer(app));
      try {
        assert.equal(await rawStatus(s.url, 'GET // HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 400);
        // Not read as host "evil" and path /api/health: a proxy in front, matching paths, saw another route.
        assert.equal(await rawStatus(s.url, 'GET //evil/api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 400);
        assert.equal(await rawStatus(s.url, 'GET /api/health HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n'), 400);
        assert.equal(await rawStatus(s.url, 'TRACE /api/checkout HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 500);
        assert.equal(errors.length, 1, 'the refused method is reported');
        assert.equal((await post(s.url, randomUUID())).status, 201, 'the process lives on');
      } finally {
        await s.close();
      }
    });
  }

  it('an onError that throws changes nothing: the answer is still sent', async () => {
    const s = await listen(
      createServer(
        toNodeListener(checkout().handler, {
          onError: () => {
            throw new Error('logger down');
          },
        }),
      ),
    );
    try {
      assert.equal(await rawStatus(s.url, 'TRACE /api/checkout HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 500);
      assert.equal((await post(s.url, randomUUID())).status, 201);
    } finally {
      await s.close();
    }
  });
});

describe('adapters: a bad argument is INVALID_OPTIONS where it is passed', () => {
  /** @param {string} option */
  const invalid = (option) => (/** @type {unknown} */ err) => isSteadyCartServerError(err) && err.code == 'INVALID_OPTIONS' && err.option == option;

  it('toNodeListener without a handler throws at once, not in the request listener (which would end the process)', () => {
    for (const handler of [undefined, null, {}, 'handler']) assert.throws(() => toNodeListener(/** @type {any} */ (handler)), invalid('handler'));
    assert.throws(() => toNodeListener(checkout().handler, /** @type {any} */ ({ onError: 'log' })), invalid('onError'));
  });

  it('fastifyCheckout without a handler from createCheckoutHandler fails registration', async () => {
    for (const options of [{}, { handler: async () => new Response() }]) {
      const app = Fastify();
      app.register(fastifyCheckout, /** @type {any} */ (options));
      await assert.rejects(app.ready(), invalid('handler'));
      await app.close();
    }
  });
});

describe('adapter: Express with a body parser mounted first', () => {
  /** @type {Running[]} */
  const servers = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('express.json() before the handler: 500 body_consumed, never a fingerprint of re-serialized JSON', async () => {
    const c = checkout();
    const app = express();
    app.use(express.json());
    app.use(toNodeListener(c.handler));
    const s = await listen(createServer(app));
    servers.push(s);
    const r = await post(s.url, randomUUID());
    assert.equal(r.status, 500);
    assert.equal((await r.json()).error, 'body_consumed');
    assert.equal(c.orders.length, 0);
  });

  it('express.json() keeping the raw bytes in req.rawBody (verify): works, fingerprint over the raw bytes', async () => {
    const c = checkout();
    const app = express();
    app.use(express.json({ verify: (req, _res, buf) => void (/** @type {any} */ (req).rawBody = buf) }));
    app.use(toNodeListener(c.handler));
    const s = await listen(createServer(app));
    servers.push(s);
    const key = randomUUID();
    assert.equal((await post(s.url, key)).status, 201);
    assert.equal((await c.store.read(key))?.fingerprint, createHash('sha256').update(RAW).digest('hex'));
  });
});

describe('adapters: a client gone before its key was reserved', () => {
  for (const [name, start] of Object.entries(frameworks)) {
    it(`${name}: nothing runs and the key stays free (its lookup 404 stays true), and the next request with the key runs once`, async () => {
      // The first reservation waits (a store or a pool slow to answer) until the test lets it go.
      const g = gate();
      const store = memoryStore();
      let first = true;
      const slow = { ...store, reserve: async (/** @type {Parameters<typeof store.reserve>} */ ...args) => (first && ((first = false), g.enter(), await g.opened), store.reserve(...args)) };
      /** @type {unknown[]} */
      const orders = [];
      const checkoutHandler = createCheckoutHandler({ store: slow, prefix: '/api', handle: async (order) => (orders.push(order), { status: 201, body: { orderId: 'o-1' } }) });
      /** @type {{ request: Request, answer: Promise<Response> }[]} */
      const seen = [];
      // The same handler, noting each request and its answer: the test knows when the server saw the client go, and what it answered.
      const handler = Object.assign((/** @type {Request} */ request) => {
        const answer = checkoutHandler(request);
        seen.push({ request, answer });
        return answer;
      }, checkoutHandler);
      const server = await start(handler);
      try {
        const key = randomUUID();
        const client = new AbortController();
        const sent = fetch(`${server.url}/api/checkout`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: RAW, signal: client.signal }).then(
          (r) => r.status,
          (err) => err.name,
        );
        await g.entered;
        // The SDK's attempt timed out: it gives up, looks the key up (404 here), and may take the order to another domain.
        client.abort();
        assert.equal(await sent, 'AbortError');
        assert.equal((await fetch(`${server.url}/api/checkout/${key}`)).status, 404);
        for (const until = Date.now() + 10_000; !seen[0]?.request.signal.aborted && Date.now() < until; ) await sleep(20);
        assert.equal(seen[0]?.request.signal.aborted, true, 'the server saw the client go');
        g.open();
        const answer = await seen[0].answer;
        assert.equal(orders.length, 0, 'the order ran for a client that had gone');
        // (Its body went to the socket, which is closed: the adapter has read it.)
        assert.equal(answer.status, 503);
        assert.equal((await fetch(`${server.url}/api/checkout/${key}`)).status, 404, 'still unknown: the 404 the SDK was given holds');
        // The SDK's retry in this domain, later: the key is free, and runs once.
        assert.equal((await post(server.url, key)).status, 201);
        assert.equal(orders.length, 1);
      } finally {
        g.open();
        await server.close();
      }
    });
  }
});
