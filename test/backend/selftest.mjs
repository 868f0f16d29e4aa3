// @ts-check
/**
 * Proves the backend's behaviour with real HTTP over 127.0.0.1:
 *   node --test test/backend/selftest.mjs
 * Every wait is bounded; the file runs in a few seconds.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createControlHandler, normalizeFault, startBackend } from './index.mjs';

/** @typedef {import('./backend.mjs').Backend} Backend */
/** @typedef {'us' | 'eu' | 'backup'} Name */

/** @param {Backend} be */
const urlsOf = (be) => /** @type {Record<Name, string>} */ (Object.fromEntries(be.endpoints.map((e) => [e.name, e.url])));
/** @param {Backend} be */
const portsOf = (be) => /** @type {Record<Name, number>} */ (Object.fromEntries(be.endpoints.map((e) => [e.name, e.port])));

/**
 * `list[i]`, asserted present.
 * @template T
 * @param {readonly T[]} list
 * @param {number} [i]
 * @returns {T}
 */
function at(list, i = 0) {
  const v = list[i];
  assert.ok(v !== undefined, `no item ${i}`);
  return v;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** Upper bound of any single wait in this file. */
const TIMEOUT = 2000;

/**
 * @param {string} url
 * @param {RequestInit} [init]
 */
const req = (url, init = {}) => fetch(url, { signal: AbortSignal.timeout(TIMEOUT), ...init });

/**
 * POST an order.
 * @param {string} base
 * @param {string | null} key
 * @param {unknown} body  serialised with JSON.stringify unless a string
 * @param {Record<string, string>} [headers]
 * @param {AbortSignal} [signal]
 */
function post(base, key, body, headers = {}, signal = AbortSignal.timeout(TIMEOUT)) {
  return req(`${base}/checkout`, {
    signal,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** @param {number} ms */
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` every 10 ms until it is true; fails after 10 s.
 * @param {() => boolean} check
 */
async function until(check) {
  for (const end = Date.now() + 10_000; !check(); await wait(10)) if (Date.now() > end) throw new Error('condition not met in time');
}

/**
 * `promise`, or `fallback` after `ms`; the timer is cleared so it never
 * keeps the test process alive.
 * @template T, F
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {F} fallback
 * @returns {Promise<T | F>}
 */
function within(promise, ms, fallback) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const late = new Promise((r) => (timer = setTimeout(() => r(fallback), ms)));
  return Promise.race([promise, /** @type {Promise<F>} */ (late)]).finally(() => clearTimeout(timer));
}

/**
 * Sends raw bytes on a fresh TCP connection and records what comes back
 * within `ms`: the exact bytes, whether the server closed, any error code.
 * @param {number} port
 * @param {string} text
 * @param {number} ms
 * @returns {Promise<{ data: string, closed: boolean, error: string | null }>}
 */
function raw(port, text, ms) {
  return new Promise((resolve) => {
    const out = { data: '', closed: false, error: /** @type {string | null} */ (null) };
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.on('data', (d) => (out.data += d.toString('latin1')));
    sock.on('error', (err) => (out.error = /** @type {NodeJS.ErrnoException} */ (err).code ?? err.message));
    sock.on('close', () => {
      out.closed = true;
      clearTimeout(timer);
      resolve(out);
    });
    sock.on('connect', () => sock.write(text));
    const timer = setTimeout(() => {
      // A snapshot: our own destroy() below must not count as the server closing.
      resolve({ ...out });
      sock.destroy();
    }, ms);
  });
}

/**
 * A raw HTTP/1.1 POST /checkout.
 * @param {string | null} key
 * @param {string} body
 */
function rawPost(key, body) {
  const len = Buffer.byteLength(body);
  return `POST /checkout HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${key ? `Idempotency-Key: ${key}\r\n` : ''}Content-Length: ${len}\r\n\r\n${body}`;
}

/** @param {number} port */
function connectRefused(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.on('connect', () => {
      sock.destroy();
      resolve('connected');
    });
    sock.on('error', (err) => resolve(/** @type {NodeJS.ErrnoException} */ (err).code));
  });
}

const THREE = [
  { name: 'us', domain: 'main', latencyMs: 5 },
  { name: 'eu', domain: 'main' },
  { name: 'backup', domain: 'backup' },
];

describe('protocol', () => {
  /** @type {Backend} */
  let be;
  /** @type {Record<Name, string>} */
  let url;
  before(async () => {
    be = await startBackend({ endpoints: THREE });
    url = urlsOf(be);
  });
  beforeEach(() => be.reset());
  after(() => be.close());

  test('endpoints are loopback URLs with their ports and domains', () => {
    assert.deepEqual(
      be.endpoints.map((e) => [e.name, e.domain]),
      [['us', 'main'], ['eu', 'main'], ['backup', 'backup']],
    );
    for (const e of be.endpoints) assert.equal(e.url, `http://127.0.0.1:${e.port}`);
  });

  test('a new key is committed: 201 with the confirmation body, one charge', async () => {
    const r = await post(url.us, 'k1', { orderRef: 'o1', total: 5 });
    assert.equal(r.status, 201);
    assert.deepEqual(await r.json(), { orderId: 'ord_1', key: 'k1', status: 'confirmed', endpoint: 'us', domain: 'main' });
    const l = be.ledger();
    assert.equal(l.charges, 1);
    assert.equal(l.duplicates, 0);
    assert.deepEqual(
      l.orders.map(({ key, domain, endpoint, status, body, charged, orderRef }) => ({ key, domain, endpoint, status, body, charged, orderRef })),
      [{ key: 'k1', domain: 'main', endpoint: 'us', status: 201, body: { orderRef: 'o1', total: 5 }, charged: true, orderRef: 'o1' }],
    );
    assert.equal(typeof at(l.orders).committedAt, 'number');
    assert.equal(be.charges('k1'), 1);
  });

  test('a stored key is answered again, byte-identical, by every endpoint of its domain', async () => {
    const first = await post(url.us, 'k2', { a: 1 });
    const text = await first.text();
    for (const base of [url.us, url.eu]) {
      const again = await post(base, 'k2', { a: 1 });
      assert.equal(again.status, 201);
      assert.equal(await again.text(), text);
    }
    assert.equal(be.ledger().charges, 1);
  });

  test('a changed body for a stored key is 422 and charges nothing', async () => {
    await post(url.us, 'k3', { a: 1 });
    const r = await post(url.eu, 'k3', { a: 2 });
    assert.equal(r.status, 422);
    assert.equal((await r.json()).error, 'idempotency_key_reused');
    // Byte-identical means bytes: the same JSON value spelled differently differs.
    assert.equal((await post(url.us, 'k3', '{"a": 1}')).status, 422);
    assert.equal(be.ledger().charges, 1);
  });

  test('no key is 400; invalid JSON is 400; nothing is charged', async () => {
    const r = await post(url.us, null, { a: 1 });
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { error: 'missing_idempotency_key' });
    const bad = await post(url.us, 'k4', '{not json');
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { error: 'invalid_json' });
    // A 400 for a malformed body is not stored: the key is still free.
    assert.equal((await post(url.us, 'k4', { ok: true })).status, 201);
    assert.equal(be.ledger().charges, 1);
  });

  test('lookup: 200 {status, body} in the domain, 404 elsewhere and for unknown keys', async () => {
    const created = await (await post(url.us, 'k5', { a: 1 })).json();
    const found = await req(`${url.eu}/checkout/k5`);
    assert.equal(found.status, 200);
    assert.deepEqual(await found.json(), { status: 201, body: created });
    assert.equal((await req(`${url.backup}/checkout/k5`)).status, 404);
    assert.equal((await req(`${url.us}/checkout/unknown`)).status, 404);
  });

  test('the same key in another domain is a second charge: counted as a duplicate', async () => {
    await post(url.us, 'k6', { a: 1 });
    const r = await post(url.backup, 'k6', { a: 1 });
    assert.equal(r.status, 201);
    assert.equal((await r.json()).domain, 'backup');
    assert.equal(be.charges('k6'), 2);
    assert.deepEqual(
      (({ charges, duplicates }) => ({ charges, duplicates }))(be.ledger()),
      { charges: 2, duplicates: 1 },
    );
  });

  test('one orderRef charged under two keys is a duplicate; distinct orders are not', async () => {
    await post(url.us, 'k7a', { orderRef: 'same' });
    await post(url.eu, 'k7b', { orderRef: 'same' });
    await post(url.us, 'k7c', { orderRef: 'other' });
    await post(url.us, 'k7d', { noRef: true });
    const l = be.ledger();
    assert.equal(l.charges, 4);
    assert.equal(l.duplicates, 1);
  });

  test('health answers 200 { ok, endpoint, domain }', async () => {
    const r = await req(`${url.eu}/health`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { ok: true, endpoint: 'eu', domain: 'main' });
  });

  test('latencyMs delays every answer of that endpoint', async () => {
    const fast = await startBackend({ endpoints: [{ name: 'far', latencyMs: 150 }] });
    try {
      for (const path of ['/health', '/checkout/x']) {
        const t0 = performance.now();
        await (await req(at(fast.endpoints).url + path)).arrayBuffer();
        assert.ok(performance.now() - t0 >= 145, `${path} took ${performance.now() - t0} ms`);
      }
    } finally {
      await fast.close();
    }
  });

  test('the request log records endpoint, method, path, key, attempt, status and origin', async () => {
    await post(url.us, 'k8', { a: 1 }, { 'Steadycart-Attempt': '3', Origin: 'http://shop.test' });
    await req(`${url.eu}/checkout/k8`);
    const log = be.requests();
    assert.equal(log.length, 2);
    assert.deepEqual(
      log.map(({ endpoint, method, path, key, attempt, status, origin }) => ({ endpoint, method, path, key, attempt, status, origin })),
      [
        { endpoint: 'us', method: 'POST', path: '/checkout', key: 'k8', attempt: 3, status: 201, origin: 'http://shop.test' },
        { endpoint: 'eu', method: 'GET', path: '/checkout/k8', key: 'k8', attempt: null, status: 200, origin: null },
      ],
    );
    assert.ok(Math.abs(at(log).t - Date.now()) < 5000);
  });

  test('reset clears faults, ledger, stores and log', async () => {
    await post(url.us, 'k9', { a: 1 });
    await be.setFault('eu', '503');
    await be.setFault('backup', 'refuse');
    await be.reset();
    assert.equal(be.ledger().orders.length, 0);
    assert.equal(be.requests().length, 0);
    assert.equal(be.fault('eu').kind, 'healthy');
    assert.equal((await req(`${url.us}/checkout/k9`)).status, 404);
    assert.equal((await req(`${url.eu}/health`)).status, 200);
    // A refused endpoint listens again, on the same port.
    assert.equal((await req(`${url.backup}/health`)).status, 200);
  });
});

describe('in progress', () => {
  /** @type {Backend} */
  let be;
  /** @type {Record<Name, string>} */
  let url;
  before(async () => {
    be = await startBackend({ endpoints: THREE, processMs: 300 });
    url = urlsOf(be);
  });
  after(() => be.close());

  test('same key while in progress: 409 Retry-After 1 (same body), 422 (other body); lookup 409', async () => {
    const first = post(url.us, 'p1', { a: 1 });
    await wait(50);
    const dup = await post(url.eu, 'p1', { a: 1 });
    assert.equal(dup.status, 409);
    assert.equal(dup.headers.get('retry-after'), '1');
    assert.equal((await post(url.eu, 'p1', { a: 2 })).status, 422);
    const look = await req(`${url.eu}/checkout/p1`);
    assert.equal(look.status, 409);
    assert.equal(be.ledger().charges, 0, 'not committed before processMs');
    assert.equal((await first).status, 201);
    assert.equal((await req(`${url.eu}/checkout/p1`)).status, 200);
    assert.equal(be.ledger().charges, 1);
  });

  test('the commit happens even when the client went away', async () => {
    const ac = new AbortController();
    const gone = post(url.us, 'p2', { a: 1 }, {}).catch(() => null);
    void gone;
    // Abort a second, independent request mid-processing.
    const aborted = req(`${url.us}/checkout`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'p3' },
      body: '{"b":1}',
      signal: ac.signal,
    }).catch((e) => e);
    // Abort only once the server holds the request (on a loaded machine it may arrive late).
    for (let i = 0; i < 100 && !be.requests().some((e) => e.key === 'p3'); i++) await wait(10);
    ac.abort();
    assert.equal((await aborted).name, 'AbortError');
    await gone;
    for (let i = 0; i < 100 && be.charges('p3') === 0; i++) await wait(20);
    assert.equal(be.charges('p3'), 1);
    const look = await req(`${url.eu}/checkout/p3`);
    assert.equal(look.status, 200);
    assert.equal(be.requests().find((e) => e.key === 'p3')?.status, 'aborted');
  });
});

describe('CORS', () => {
  /** @type {Backend} */
  let be;
  /** @type {string} */
  let base;
  before(async () => {
    be = await startBackend({ endpoints: [{ name: 'a' }] });
    base = at(be.endpoints).url;
  });
  after(() => be.close());

  test('preflight: 204 with methods, headers, max-age, exposed Retry-After, echoed origin', async () => {
    const r = await req(`${base}/checkout`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://shop.test', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,idempotency-key,steadycart-attempt' },
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), 'http://shop.test');
    assert.equal(r.headers.get('access-control-allow-methods'), 'GET, POST');
    assert.equal(r.headers.get('access-control-allow-headers'), 'Content-Type, Idempotency-Key, Steadycart-Attempt, traceparent, tracestate, Steadycart-Drill, Authorization, X-Csrf-Token');
    assert.equal(r.headers.get('access-control-max-age'), '600');
    assert.equal(r.headers.get('access-control-expose-headers'), 'Retry-After');
    assert.equal(r.headers.get('access-control-allow-private-network'), null);
  });

  test('private network access is allowed when asked', async () => {
    const r = await req(`${base}/checkout`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Private-Network': 'true' },
    });
    assert.equal(r.headers.get('access-control-allow-private-network'), 'true');
  });

  test('every answer carries CORS headers: success, errors, injected faults; * without Origin', async () => {
    const origin = { Origin: 'http://shop.test' };
    const answers = [
      await post(base, 'c1', { a: 1 }, origin),
      await post(base, null, { a: 1 }, origin),
      await req(`${base}/nope`, { headers: origin }),
    ];
    await be.setFault('a', { kind: 'status', status: 503, retryAfter: '2' });
    answers.push(await req(`${base}/health`, { headers: origin }));
    for (const r of answers) {
      assert.equal(r.headers.get('access-control-allow-origin'), 'http://shop.test', `status ${r.status}`);
      assert.equal(r.headers.get('access-control-expose-headers'), 'Retry-After');
    }
    assert.equal((await req(`${base}/health`)).headers.get('access-control-allow-origin'), '*');
    await be.setFault('a', 'healthy');
  });
});

describe('faults', () => {
  /** @type {Backend} */
  let be;
  /** @type {Record<Name, string>} */
  let url;
  /** @type {Record<Name, number>} */
  let port;
  before(async () => {
    be = await startBackend({ endpoints: THREE });
    url = urlsOf(be);
    port = portsOf(be);
  });
  beforeEach(() => be.reset());
  after(() => be.close());

  test('refuse: connections really refused, open ones cut; cleared: same port again', async () => {
    // A keep-alive connection open before the fault is cut too.
    const open = net.connect({ port: port.eu, host: '127.0.0.1' });
    await new Promise((r) => open.once('connect', r));
    const cutOff = new Promise((r) => open.once('close', r));
    await be.setFault('eu', 'refuse');
    assert.equal(be.fault('eu').kind, 'refuse');
    await cutOff;
    assert.equal(await connectRefused(port.eu), 'ECONNREFUSED');
    await assert.rejects(req(`${url.eu}/health`), TypeError);
    // The others are unaffected.
    assert.equal((await req(`${url.us}/health`)).status, 200);
    await be.setFault('eu', 'healthy');
    assert.equal(await connectRefused(port.eu), 'connected');
    assert.equal((await req(`${url.eu}/health`)).status, 200);
  });

  test('refuse: a request in flight is cut, logged refused, and still commits', async () => {
    await be.setFault('us', { kind: 'hold', ms: 200 });
    const inFlight = post(url.us, 'r1', { a: 1 }).then(
      () => 'answered',
      (e) => e.name,
    );
    await wait(50);
    await be.setFault('us', 'refuse');
    assert.equal(await inFlight, 'TypeError');
    await wait(250);
    assert.equal(be.charges('r1'), 1);
    assert.equal(be.requests().find((e) => e.key === 'r1')?.status, 'refused');
  });

  test('silent: requests and preflights are read and never answered; nothing commits', async () => {
    await be.setFault('us', 'silent');
    const [p, o, h, e] = await Promise.all([
      raw(port.us, rawPost('s1', '{"a":1}'), 300),
      raw(port.us, 'OPTIONS /checkout HTTP/1.1\r\nHost: x\r\nOrigin: http://shop.test\r\nAccess-Control-Request-Method: POST\r\n\r\n', 300),
      raw(port.us, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 300),
      // Not even the "100 Continue" Node would otherwise send by itself.
      raw(port.us, rawPost('s1b', '{"a":1}').replace('\r\n\r\n', '\r\nExpect: 100-continue\r\n\r\n'), 300),
    ]);
    for (const r of [p, o, h, e]) assert.deepEqual(r, { data: '', closed: false, error: null });
    assert.equal(be.ledger().charges, 0);
    assert.deepEqual(
      be.requests().map((e) => e.status),
      ['silent', 'silent', 'silent', 'silent'],
    );
    // fetch sees a hang, which only its own timeout ends.
    await assert.rejects(req(`${url.us}/health`, { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
  });

  test('silent with routes: only those requests hang', async () => {
    await be.setFault('us', { kind: 'silent', routes: ['checkout'] });
    assert.equal((await req(`${url.us}/health`)).status, 200);
    const r = await raw(port.us, rawPost('s2', '{}'), 200);
    assert.equal(r.data, '');
  });

  test('stall: commits and sends the head of the answer, never its body', async () => {
    await be.setFault('us', 'stall');
    const r = await post(url.us, 'st1', '{"orderRef":"st"}', {}, AbortSignal.timeout(500));
    assert.equal(r.status, 201, 'the status line and headers arrive');
    // The body never does: only the request's own signal ends the read.
    await assert.rejects(r.text(), { name: 'TimeoutError' });
    assert.equal(be.charges('st1'), 1, 'committed');
    assert.equal(at(be.requests()).status, 'stalled');
  });

  test('commit-drop: commits, then closes with zero response bytes; a retry replays', async () => {
    await be.setFault('us', 'commit-drop');
    const r = await raw(port.us, rawPost('d1', '{"orderRef":"d"}'), TIMEOUT);
    assert.equal(r.data, '', 'not a single response byte');
    assert.equal(r.closed, true);
    assert.equal(be.charges('d1'), 1, 'committed before the drop');
    assert.equal(at(be.requests()).status, 'dropped');
    // With fetch: a network error, sent once (no silent re-send).
    await assert.rejects(post(url.us, 'd2', { a: 1 }), TypeError);
    assert.equal(be.requests().filter((e) => e.key === 'd2').length, 1);
    assert.equal(be.charges('d2'), 1);
    await be.setFault('us', 'healthy');
    const again = await post(url.eu, 'd1', '{"orderRef":"d"}');
    assert.equal(again.status, 201);
    assert.equal(be.ledger().charges, 2);
    assert.equal(be.ledger().duplicates, 0);
  });

  test('commit-drop: idle keep-alive sockets are closed; every answer says Connection: close', async () => {
    // An idle keep-alive connection from before the fault.
    const idle = net.connect({ port: port.us, host: '127.0.0.1' });
    let got = '';
    idle.on('data', (d) => (got += d));
    idle.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await new Promise((r) => idle.once('data', r));
    assert.match(got, /connection: keep-alive/i);
    const closed = new Promise((r) => idle.once('close', () => r('closed')));
    await be.setFault('us', 'commit-drop');
    assert.equal(await within(closed, 1000, 'still open'), 'closed');
    // Preflights and other answers close their connection while the fault lasts,
    // so the next POST always travels on a fresh connection.
    const pre = await raw(port.us, 'OPTIONS /checkout HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nOrigin: http://shop.test\r\nAccess-Control-Request-Method: POST\r\n\r\n', TIMEOUT);
    assert.match(pre.data, /^HTTP\/1\.1 204/);
    assert.match(pre.data, /\r\nconnection: close\r\n/i);
    assert.equal(pre.closed, true);
    const health = await raw(port.us, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n', TIMEOUT);
    assert.match(health.data, /^HTTP\/1\.1 200/);
    assert.equal(health.closed, true);
    assert.equal(be.ledger().charges, 0);
  });

  test('status: answers the status, commits nothing, sends Retry-After when given', async () => {
    await be.setFault('us', { kind: 'status', status: 503, retryAfter: '2' });
    const r = await post(url.us, 'st1', { a: 1 });
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.equal((await req(`${url.us}/checkout/st1`)).status, 503);
    assert.equal((await req(`${url.us}/health`)).status, 503);
    assert.equal(be.ledger().orders.length, 0);
    // Shorthands.
    for (const s of ['429', '500']) {
      await be.setFault('us', s);
      assert.equal((await post(url.us, 'st1', { a: 1 })).status, Number(s));
    }
    assert.equal(be.ledger().orders.length, 0);
    // The key was never stored: the same order now goes through.
    await be.setFault('us', 'healthy');
    assert.equal((await post(url.us, 'st1', { a: 1 })).status, 201);
  });

  test('count: the next N matching requests, then healthy by itself', async () => {
    await be.setFault('us', { kind: 'status', status: 429, count: 2 });
    // A preflight does not match the default routes: it does not use up the count.
    assert.equal((await req(`${url.us}/checkout`, { method: 'OPTIONS' })).status, 204);
    assert.equal(be.fault('us').count, 2);
    assert.equal((await post(url.us, 'n1', { a: 1 })).status, 429);
    assert.equal(be.fault('us').count, 1);
    assert.equal((await post(url.us, 'n1', { a: 1 })).status, 429);
    assert.equal(be.fault('us').kind, 'healthy');
    assert.equal((await post(url.us, 'n1', { a: 1 })).status, 201);
  });

  test('rate: a seeded share of matching requests is hit, the same ones every time the fault is set', async () => {
    /** Which of 100 POSTs answer 503 under `{ rate: 0.25, seed }`. */
    const pattern = async (/** @type {number} */ seed) => {
      await be.setFault('us', { kind: 'status', status: 503, rate: 0.25, seed });
      const hit = [];
      for (let i = 0; i < 100; i++) hit.push((await post(url.us, `r${seed}-${i}`, { i })).status === 503);
      return hit;
    };
    const first = await pattern(7);
    const hits = first.filter(Boolean).length;
    assert.ok(hits > 10 && hits < 40, `about a quarter hit, got ${hits} of 100`);
    assert.deepEqual(await pattern(7), first, 'same seed, same requests hit');
    assert.notDeepEqual(await pattern(8), first, 'another seed, other requests');
    // Health checks are not a default route of 'status': they draw nothing.
    assert.equal((await req(`${url.us}/health`, { method: 'OPTIONS' })).status, 204);
    // A count counts hits only. (Drops are read from the log: a client may also see an
    // idle keep-alive socket that setting commit-drop closed.)
    await be.setFault('us', { kind: 'commit-drop', rate: 0.5, seed: 3, count: 2 });
    for (let i = 0; i < 40 && be.fault('us').kind !== 'healthy'; i++) await post(url.us, `rc${i}`, { i }).catch(() => {});
    assert.equal(be.fault('us').kind, 'healthy');
    assert.equal(be.requests().filter((e) => e.status === 'dropped').length, 2);
    assert.throws(() => be.setFault('us', { kind: 'commit-drop', rate: 0 }), TypeError);
    assert.throws(() => be.setFault('us', { kind: 'commit-drop', rate: 0.1, seed: -1 }), TypeError);
    assert.throws(() => be.setFault('us', { kind: 'refuse', rate: 0.1 }), TypeError);
  });

  test('routes: a fault only hits the listed requests', async () => {
    await be.setFault('us', { kind: 'status', status: 503, routes: ['lookup'] });
    assert.equal((await post(url.us, 'rt1', { a: 1 })).status, 201);
    assert.equal((await req(`${url.us}/health`)).status, 200);
    assert.equal((await req(`${url.us}/checkout/rt1`)).status, 503);
    assert.equal((await req(`${url.eu}/checkout/rt1`)).status, 200);
  });

  // The faults below last 1.5 s and the checks made meanwhile come 100 ms in: a busy machine has 1.4 s
  // to spare before a check lands after the fault.
  test('slow: answers ms later and commits at the end (in progress meanwhile)', async () => {
    await be.setFault('us', { kind: 'slow', ms: 1500 });
    const t0 = performance.now();
    const pending = post(url.us, 'sl1', { a: 1 });
    // Looked up until the server has the order (a fixed wait can be too short on a busy machine): in progress.
    let looked = 404;
    for (let i = 0; i < 100 && (looked = (await req(`${url.eu}/checkout/sl1`)).status) === 404; i++) await wait(10);
    assert.equal(looked, 409);
    assert.equal(be.charges('sl1'), 0);
    assert.equal((await pending).status, 201);
    assert.ok(performance.now() - t0 >= 1495);
    assert.equal(be.charges('sl1'), 1);
    const t1 = performance.now();
    assert.equal((await req(`${url.us}/health`)).status, 200);
    assert.ok(performance.now() - t1 >= 1495, 'health is slowed too');
  });

  test('lag: the request is handled ms late, not in progress meanwhile, and never if the client gave up', async () => {
    await be.setFault('us', { kind: 'lag', ms: 1500 });
    const t0 = performance.now();
    const pending = post(url.us, 'lg1', { a: 1 });
    await wait(100);
    assert.equal((await req(`${url.eu}/checkout/lg1`)).status, 404, 'not in progress while on its way');
    assert.equal((await pending).status, 201);
    assert.ok(performance.now() - t0 >= 1495);
    assert.equal(be.charges('lg1'), 1);
    // A client that gives up before the request arrives: the server never processes it.
    const gaveUp = post(url.us, 'lg2', { a: 1 }, {}, AbortSignal.timeout(100)).catch((e) => e);
    assert.ok((await gaveUp) instanceof Error);
    await wait(1600);
    assert.equal(be.charges('lg2'), 0);
    assert.equal((await req(`${url.eu}/checkout/lg2`)).status, 404);
  });

  test('hold: only checkout POSTs wait; concurrent same-key requests get 409', async () => {
    await be.setFault('us', { kind: 'hold', ms: 1500 });
    const t0 = performance.now();
    assert.equal((await req(`${url.us}/health`)).status, 200);
    assert.ok(performance.now() - t0 < 1400, 'health is not held');
    const first = post(url.us, 'h1', { a: 1 });
    await wait(50);
    const second = await post(url.eu, 'h1', { a: 1 });
    assert.equal(second.status, 409);
    assert.equal(second.headers.get('retry-after'), '1');
    assert.equal((await first).status, 201);
    assert.equal(be.charges('h1'), 1);
  });

  test('hold: checkout POSTs wait until released, key in progress, and the fault still answers', async () => {
    be.hold('us', true);
    await be.setFault('us', { kind: 'decline', count: 1 });
    assert.equal((await req(`${url.us}/health`)).status, 200, 'only checkout POSTs are held');
    let settled = false;
    const first = post(url.us, 'g1', { a: 1 }).finally(() => (settled = true));
    await until(() => be.requests().some((r) => r.key === 'g1'));
    const second = await post(url.eu, 'g1', { a: 1 });
    assert.equal(second.status, 409, 'the held key is in progress');
    await wait(200);
    assert.equal(settled, false, 'still held');
    be.hold('us', false);
    assert.equal((await first).status, 402);
    assert.equal(be.ledger().declines, 1);
    be.hold('us', true);
    await be.reset();
    assert.equal((await post(url.us, 'g2', { a: 1 })).status, 201, 'reset releases the hold');
  });

  test('decline: stores and answers 402 card_declined; counted as a decline, not a charge', async () => {
    await be.setFault('us', { kind: 'decline', count: 1 });
    const r = await post(url.us, 'dc1', { a: 1 });
    assert.equal(r.status, 402);
    assert.deepEqual(await r.json(), { error: 'card_declined', key: 'dc1' });
    // Stored: replays and lookups give the refusal again.
    assert.equal((await post(url.eu, 'dc1', { a: 1 })).status, 402);
    assert.deepEqual(await (await req(`${url.eu}/checkout/dc1`)).json(), { status: 402, body: { error: 'card_declined', key: 'dc1' } });
    assert.equal((await post(url.us, 'dc2', { a: 1 })).status, 201, 'count used up');
    const l = be.ledger();
    assert.deepEqual([l.charges, l.declines], [1, 1]);
    assert.equal(at(l.orders).charged, false);
    assert.equal(be.charges('dc1'), 0);
  });

  test('invalid faults and options are refused loudly', async () => {
    assert.throws(() => be.setFault('us', 'explode'), TypeError);
    // @ts-expect-error a typo must fail at run time too
    assert.throws(() => be.setFault('us', { kind: 'slow', delay: 5 }), TypeError);
    assert.throws(() => be.setFault('us', { kind: 'refuse', count: 1 }), TypeError);
    assert.throws(() => be.setFault('us', { kind: 'hold', routes: ['health'] }), TypeError);
    assert.throws(() => be.setFault('us', { kind: 'status', status: 99 }), TypeError);
    assert.throws(() => be.setFault('nowhere', 'healthy'), RangeError);
    assert.deepEqual(normalizeFault('503'), { kind: 'status', status: 503, routes: ['checkout', 'lookup', 'health'] });
    assert.deepEqual(normalizeFault('silent').routes, ['checkout', 'lookup', 'health', 'preflight']);
    for (const host of ['0.0.0.0', '192.168.1.10', 'example.com', '::']) {
      await assert.rejects(startBackend({ endpoints: [{ name: 'x' }], host }), TypeError, host);
    }
  });
});

describe('options', () => {
  test('fixed ports, custom checkout path, no health route', async () => {
    const probe = net.createServer();
    await new Promise((r) => probe.listen(0, '127.0.0.1', () => r(undefined)));
    const fixed = /** @type {net.AddressInfo} */ (probe.address()).port;
    await new Promise((r) => probe.close(r));
    const be = await startBackend({ endpoints: [{ name: 'a' }], ports: [fixed], checkoutPath: '/api/orders', healthPath: false });
    try {
      assert.equal(at(be.endpoints).url, `http://127.0.0.1:${fixed}`);
      const base = at(be.endpoints).url;
      const r = await req(`${base}/api/orders`, { method: 'POST', headers: { 'Idempotency-Key': 'o1' }, body: '{}' });
      assert.equal(r.status, 201);
      assert.equal((await req(`${base}/api/orders/o1`)).status, 200);
      assert.equal((await req(`${base}/health`)).status, 404);
    } finally {
      await be.close();
    }
  });

  test('requireKey false: every keyless POST is charged; duplicates by orderRef', async () => {
    const be = await startBackend({ endpoints: [{ name: 'legacy' }], requireKey: false, orderRef: 'ref' });
    try {
      const base = at(be.endpoints).url;
      for (let i = 0; i < 2; i++) assert.equal((await post(base, null, { ref: 'A' })).status, 201);
      assert.equal((await post(base, null, { ref: 'B' })).status, 201);
      assert.equal((await post(base, null, { noRef: 1 })).status, 201);
      const l = be.ledger();
      assert.deepEqual([l.charges, l.duplicates], [4, 1]);
      assert.equal(at(l.orders).key, null);
    } finally {
      await be.close();
    }
  });

  test('close releases every socket: the process exits by itself', async () => {
    // A child process opens hanging (silent), held and keep-alive connections,
    // then calls close(); it must exit without process.exit().
    const script = `
      import net from 'node:net';
      import { startBackend } from ${JSON.stringify(new URL('./index.mjs', import.meta.url).href)};
      const be = await startBackend({ endpoints: [{ name: 'a' }, { name: 'b' }] });
      const [a, b] = be.endpoints;
      await fetch(b.url + '/health');                       // keep-alive socket in fetch's pool
      be.setFault('a', 'silent');
      const s = net.connect(a.port, '127.0.0.1', () => s.write('GET /health HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'));
      s.on('error', () => {});
      await be.setFault('b', { kind: 'hold', ms: 60000 });
      fetch(b.url + '/checkout', { method: 'POST', headers: { 'Idempotency-Key': 'k' }, body: '{}' }).catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
      await be.close();
      console.log('closed');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    // 15 s: far under the 60 s hold a leaked socket would keep the process for, and room for a busy machine's start.
    const code = await within(new Promise((r) => child.once('exit', (c) => r(c))), 15_000, 'did not exit');
    if (code === 'did not exit') child.kill('SIGKILL');
    assert.equal(code, 0, out);
    assert.match(out, /closed/);
  });
});

describe('control API', () => {
  /** @type {ReturnType<typeof createControlHandler>} */
  let handler;
  /** @type {http.Server} */
  let server;
  /** @type {string} */
  let base;
  before(async () => {
    handler = createControlHandler();
    server = http.createServer(handler);
    await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
    base = `http://127.0.0.1:${/** @type {net.AddressInfo} */ (server.address()).port}/__backend`;
  });
  after(async () => {
    await handler.closeAll();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   */
  const call = async (method, path, body) => {
    const r = await req(base + path, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, json: await r.json() };
  };

  test('start, fault, ledger, requests, charges, reset, delete', async () => {
    const started = await call('POST', '', { endpoints: THREE, orderRef: 'ref' });
    assert.equal(started.status, 200);
    const { id, endpoints } = started.json;
    assert.deepEqual(endpoints.map((/** @type {any} */ e) => e.name), ['us', 'eu', 'backup']);
    const [us, , backup] = endpoints;

    assert.deepEqual((await call('POST', `/${id}/fault`, { name: 'us', fault: { kind: 'status', status: 503, count: 1 } })).json, { ok: true });
    assert.equal((await post(us.url, 'c1', { ref: 'R' })).status, 503);
    assert.equal((await post(us.url, 'c1', { ref: 'R' })).status, 201);
    assert.equal((await post(backup.url, 'c2', { ref: 'R' })).status, 201);

    const ledger = (await call('GET', `/${id}/ledger`)).json;
    assert.deepEqual([ledger.charges, ledger.duplicates], [2, 1]);
    assert.deepEqual((await call('GET', `/${id}/charges/c1`)).json, { key: 'c1', charges: 1 });
    const log = (await call('GET', `/${id}/requests`)).json;
    assert.deepEqual(log.map((/** @type {any} */ e) => e.status), [503, 201, 201]);
    assert.equal((await call('GET', `/${id}`)).json.faults.us.kind, 'healthy');

    assert.equal((await call('POST', `/${id}/fault`, { name: 'us', fault: 'bogus' })).status, 400);
    assert.equal((await call('POST', `/${id}/fault`, { name: 'mars', fault: 'healthy' })).status, 400);

    assert.deepEqual((await call('POST', `/${id}/reset`)).json, { ok: true });
    assert.equal((await call('GET', `/${id}/ledger`)).json.orders.length, 0);

    assert.deepEqual((await call('DELETE', `/${id}`)).json, { ok: true });
    assert.equal(await connectRefused(us.port), 'ECONNREFUSED');
    assert.equal((await call('GET', `/${id}/ledger`)).status, 404);
    assert.equal((await call('POST', '', { endpoints: THREE, host: '10.0.0.1' })).status, 400);
  });

  test('closeAll closes backends left open', async () => {
    const { json } = await call('POST', '', { endpoints: [{ name: 'x' }] });
    assert.deepEqual(handler.backends(), [json.id]);
    await handler.closeAll();
    assert.deepEqual(handler.backends(), []);
    assert.equal(await connectRefused(json.endpoints[0].port), 'ECONNREFUSED');
  });

  test('a backend idle past idleMs is closed', async () => {
    const h = createControlHandler({ idleMs: 150 });
    const s = http.createServer(h);
    await new Promise((r) => s.listen(0, '127.0.0.1', () => r(undefined)));
    try {
      const r = await req(`http://127.0.0.1:${/** @type {net.AddressInfo} */ (s.address()).port}/__backend`, {
        method: 'POST',
        body: JSON.stringify({ endpoints: [{ name: 'x' }] }),
      });
      const { endpoints } = await r.json();
      assert.equal(h.backends().length, 1);
      await wait(500);
      assert.deepEqual(h.backends(), []);
      assert.equal(await connectRefused(endpoints[0].port), 'ECONNREFUSED');
    } finally {
      await h.closeAll();
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  test('CORS preflight and next() for paths outside the prefix', async () => {
    const pre = await req(base, { method: 'OPTIONS', headers: { Origin: 'http://localhost:8000', 'Access-Control-Request-Method': 'DELETE' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, POST, DELETE');
    let passed = false;
    const h = createControlHandler();
    /** @type {any} */
    const fakeReq = { url: '/elsewhere', method: 'GET', headers: {} };
    h(fakeReq, /** @type {any} */ ({}), () => (passed = true));
    assert.equal(passed, true);
  });
});

describe('fault front (upstream)', () => {
  /**
   * A minimal real backend behind the front: one store for the domain, one
   * execution per new key, a decline when the front passes one on.
   */
  function fakeUpstream() {
    /** @type {Map<string, { body: string, status: number, text: string }>} */
    const done = new Map();
    /** @type {import('./upstream.mjs').Execution[]} */
    const executions = [];
    /** @type {string[]} */
    const seen = [];
    /** @param {Request} request */
    const handler = async (request) => {
      const url = new URL(request.url);
      seen.push(`${request.method} ${url.pathname}`);
      if (url.pathname === '/health') return Response.json({ ok: true });
      if (request.method === 'GET') {
        const rec = done.get(decodeURIComponent(url.pathname.slice('/checkout/'.length)));
        return rec ? new Response(`{"status":${rec.status},"body":${rec.text}}`) : Response.json({ error: 'not_found' }, { status: 404 });
      }
      const key = /** @type {string} */ (request.headers.get('idempotency-key'));
      const body = await request.text();
      const rec = done.get(key);
      if (rec) {
        if (rec.body !== body) return Response.json({ error: 'mismatch' }, { status: 422 });
        return new Response(rec.text, { status: rec.status, headers: { 'Idempotent-Replayed': 'true' } });
      }
      const declined = request.headers.get('steadycart-fault') === 'decline';
      const out = { body, status: declined ? 402 : 201, text: JSON.stringify({ orderId: `ord_${done.size + 1}`, key }) };
      done.set(key, out);
      executions.push({ key, attempt: 1, region: 'main', charged: !declined, domain: 'main' });
      return new Response(out.text, { status: out.status, headers: { 'Retry-After': '0' } });
    };
    return { handler, executions, seen };
  }

  /** @type {Backend} */
  let be;
  /** @type {ReturnType<typeof fakeUpstream>} */
  let up;
  before(async () => {
    up = fakeUpstream();
    be = await startBackend({
      endpoints: [{ name: 'us', domain: 'main', upstream: up.handler }, { name: 'eu', domain: 'main', upstream: up.handler }],
      executions: () => up.executions,
    });
  });
  after(() => be.close());

  test('unfaulted requests are processed by the upstream; the ledger comes from its executions, with the front\'s view of body and endpoint', async () => {
    const { us, eu } = urlsOf(be);
    const order = { orderRef: 'front-1', total: 5 };
    const first = await post(us, 'fk-1', order);
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('retry-after'), '0', 'upstream headers pass through');
    assert.equal(first.headers.get('access-control-allow-origin'), '*', 'CORS is the front\'s');
    const again = await post(eu, 'fk-1', order);
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal((await req(`${eu}/checkout/fk-1`)).status, 200);
    assert.equal((await req(`${us}/health`)).status, 200);
    const l = be.ledger();
    assert.equal(l.charges, 1);
    assert.equal(at(l.orders).endpoint, 'us', 'the endpoint that received the fresh outcome');
    assert.deepEqual(at(l.orders).body, order);
    assert.equal(be.charges('fk-1'), 1);
  });

  test('faults stay in front: a 503 never reaches the upstream, commit-drop processes then drops, decline is passed on', async () => {
    const { us } = urlsOf(be);
    const before = up.seen.length;
    await be.setFault('us', { kind: 'status', status: 503, count: 1 });
    assert.equal((await post(us, 'fk-2', { n: 2 })).status, 503);
    assert.equal(up.seen.length, before, 'the faulted request was answered by the front');

    await be.setFault('us', 'commit-drop');
    const dropped = await raw(portsOf(be).us, rawPost('fk-3', '{"n":3}'), TIMEOUT);
    assert.equal(dropped.data, '');
    assert.equal(dropped.closed, true);
    await be.setFault('us', 'decline');
    assert.equal((await post(us, 'fk-4', { n: 4 })).status, 402);
    await be.setFault('us', 'healthy');
    const l = be.ledger();
    assert.deepEqual(l.orders.map((o) => [o.key, o.charged]), [['fk-1', true], ['fk-3', true], ['fk-4', false]]);
    assert.equal(l.declines, 1);
    assert.ok(be.requests().some((r) => r.key === 'fk-3' && r.status === 'dropped'));
  });

  test('reset hides earlier executions; an unreachable upstream is a 502', async () => {
    await be.reset();
    assert.equal(be.ledger().orders.length, 0);
    const down = await startBackend({ endpoints: [{ name: 'x', upstream: 'http://127.0.0.1:9/' }] });
    try {
      assert.equal((await post(down.endpoints[0]?.url ?? '', 'fk-5', {})).status, 502);
    } finally {
      await down.close();
    }
    await assert.rejects(startBackend({ endpoints: [{ name: 'x', upstream: 'http://example.com/' }] }), /loopback/);
  });
});

test('CLI: prints URLs, serves, stops cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, [`${HERE}cli.mjs`, '--endpoints', 'us:main:1,backup:backup', '--ports', '0,0', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  // With both cores busy the backend once printed nothing within 3 s: these waits allow for a slow machine, they time nothing.
  const line = await within(
    new Promise((resolve) => child.stdout.on('data', (d) => (out += d).includes('\n') && resolve(out))),
    20_000,
    '',
  );
  try {
    assert.ok(line, `the backend printed no line within 20 s: ${err}`);
    const { endpoints } = JSON.parse(String(line));
    assert.deepEqual(endpoints.map((/** @type {any} */ e) => [e.name, e.domain]), [['us', 'main'], ['backup', 'backup']]);
    assert.equal((await req(`${endpoints[0].url}/health`)).status, 200);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await within(new Promise((r) => child.once('exit', (c) => r(c))), 10_000, 'still running');
  if (code === 'still running') child.kill('SIGKILL');
  assert.equal(code, 0, err);
});
