// @ts-check
/**
 * createCheckoutHandler against the wire contract, rule by rule, on the memory store
 * and on PostgreSQL (the handler's Fetch function called directly; the
 * adapters have their own suite). Lease cases are in leases.test.mjs.
 *
 *   npm run build && node --test test/server/handler.test.mjs
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createCheckoutHandler, isSteadyCartServerError, memoryStore } from '../../dist/server.mjs';
import { gate, openPostgresStore } from './fixtures.mjs';

/** @typedef {import('../../dist/server.mjs').IdempotencyStore} IdempotencyStore */
/** @typedef {import('../../dist/server.mjs').HandlerResult} HandlerResult */
/** @typedef {import('../../dist/server.mjs').HandlerContext} HandlerContext */

const ORIGIN = 'https://shop.example';
const ORDER = { orderRef: 'r-1', items: [{ sku: 'mug', qty: 2 }], totals: { total: 2400, currency: 'EUR' }, payment: { token: 'tok_ok' } };
/** Spacing and key order the server must keep: the raw bytes are the fingerprint. */
const RAW = '{ "orderRef":"r-1",  "items":[{"sku":"mug","qty":2}],"totals":{"total":2400,"currency":"EUR"},"payment":{"token":"tok_ok"} }';

/**
 * A merchant handler recording its calls; `next` decides each answer
 * (default 201 with the attempt), and may wait on a gate.
 */
function merchant() {
  /** @type {{ order: unknown, key: string, attempt: number, signal: AbortSignal }[]} */
  const calls = [];
  /** @type {(order: unknown, ctx: HandlerContext) => Promise<HandlerResult>} */
  let next = async (_order, { attempt }) => ({ status: 201, body: { orderId: 'o-1', attempt } });
  return {
    calls,
    /** @param {typeof next} fn */
    set: (fn) => {
      next = fn;
    },
    /** @type {(order: unknown, ctx: HandlerContext) => Promise<HandlerResult>} */
    handle: (order, ctx) => {
      calls.push({ order, ...ctx });
      return next(order, ctx);
    },
  };
}

/**
 * @param {(request: Request) => Promise<Response>} h
 * @param {{ key?: string | null, body?: string | Uint8Array, path?: string, origin?: string, method?: string }} o
 */
function post(h, o = {}) {
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/json' };
  if (o.key !== null) headers['idempotency-key'] = o.key ?? randomUUID();
  if (o.origin) headers.origin = o.origin;
  return h(new Request(`http://127.0.0.1${o.path ?? '/checkout'}`, { method: o.method ?? 'POST', headers, body: o.body ?? RAW }));
}

/** @param {(request: Request) => Promise<Response>} h @param {string} path @param {Record<string, string>} [headers] */
const get = (h, path, headers = {}) => h(new Request(`http://127.0.0.1${path}`, { headers }));

/**
 * @param {string} name
 * @param {() => Promise<{ store: IdempotencyStore, close: () => Promise<void> }>} open
 */
function rules(name, open) {
  describe(`checkout handler rules: ${name}`, () => {
    /** @type {IdempotencyStore} */
    let store;
    /** @type {() => Promise<void>} */
    let close = async () => {};
    before(async () => {
      ({ store, close } = await open());
    });
    after(() => close());

    /** @param {Partial<import('../../dist/server.mjs').CheckoutHandlerOptions>} [extra] */
    const setup = (extra = {}) => {
      const m = merchant();
      const h = createCheckoutHandler({ store, handle: m.handle, cors: { origins: [ORIGIN], credentials: true }, ...extra });
      return { m, h };
    };

    /**
     * The key was kept, since its run may have charged: the lookup answers 409 (never 404, which would free the
     * order for another domain), and the next request runs the handler again as `attempt`, whose outcome is stored.
     * @param {ReturnType<typeof merchant>} m @param {(request: Request) => Promise<Response>} h @param {string} key @param {number} attempt
     */
    const expectKept = async (m, h, key, attempt) => {
      const lookup = await get(h, `/checkout/${key}`);
      assert.equal(lookup.status, 409, 'kept: never 404 for a key that may have charged');
      // Not the lease's 30 s: the next POST takes the key over at once.
      assert.equal(lookup.headers.get('retry-after'), '1');
      m.set(async (_o, ctx) => ({ status: 201, body: { attempt: ctx.attempt } }));
      const again = await post(h, { key });
      assert.equal(again.status, 201, 'no wait for a lease: it was ended');
      assert.deepEqual(await again.json(), { attempt });
    };

    it('400 without an Idempotency-Key, and for a malformed one; the handler never runs', async () => {
      const { m, h } = setup();
      const missing = await post(h, { key: null });
      assert.equal(missing.status, 400);
      assert.equal((await missing.json()).error, 'idempotency_key_missing');
      // '.' and '..' fit the characters, but a URL path resolves them away: their lookup could only answer 404.
      for (const bad of ['', 'has space', 'a/b', '"unclosed', '"a"b"', '""', 'x'.repeat(256), 'café', '.', '..', '".."']) {
        const r = await post(h, { key: bad });
        assert.equal(r.status, 400, `key ${JSON.stringify(bad)}`);
        assert.equal((await r.json()).error, 'idempotency_key_malformed');
      }
      assert.equal(m.calls.length, 0);
      // Dots among other characters are keys like any other, placed and looked up.
      for (const key of ['...', '.a', 'a..b']) {
        assert.equal((await post(h, { key })).status, 201, `key ${key}`);
        assert.equal((await get(h, `/checkout/${key}`)).status, 200, `lookup of ${key}`);
      }
    });

    it('accepts the bare key and the quoted form of the IETF draft as the same key', async () => {
      const { m, h } = setup();
      const key = randomUUID();
      const first = await post(h, { key });
      assert.equal(first.status, 201);
      const quoted = await post(h, { key: `"${key}"` });
      assert.equal(quoted.status, 201);
      assert.equal(quoted.headers.get('idempotent-replayed'), 'true');
      assert.equal(m.calls.length, 1);
      assert.equal(m.calls[0]?.key, key);
    });

    it('400 for a body that is not JSON (or not UTF-8); nothing is stored', async () => {
      const { m, h } = setup();
      for (const body of ['not json', '{"a":', '', new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d])]) {
        const key = randomUUID();
        const r = await post(h, { key, body });
        assert.equal(r.status, 400);
        assert.equal((await r.json()).error, 'body_not_json');
        assert.equal((await get(h, `/checkout/${key}`)).status, 404);
      }
      assert.equal(m.calls.length, 0);
    });

    it('400 for card data, naming the JSON path, with the SDK guard; an allowed path passes', async () => {
      const { m, h } = setup();
      const cases = [
        [{ ...ORDER, payment: { cardNumber: '4242424242424242' } }, 'payment.cardNumber'],
        [{ ...ORDER, payment: { token: 'tok_ok', cvc: '123' } }, 'payment.cvc'],
        [{ ...ORDER, items: [{ sku: 'mug', note: '4111 1111 1111 1111' }] }, 'items[0].note'],
      ];
      for (const [order, path] of cases) {
        const key = randomUUID();
        const r = await post(h, { key, body: JSON.stringify(order) });
        assert.equal(r.status, 400);
        assert.deepEqual(await r.json(), { error: 'card_data', path });
        assert.equal((await get(h, `/checkout/${key}`)).status, 404, 'nothing stored');
      }
      assert.equal(m.calls.length, 0);
      const allowing = setup({ allowCardLikeAt: ['giftCard'] });
      const ok = await post(allowing.h, { body: JSON.stringify({ ...ORDER, giftCard: '4242424242424242' }) });
      assert.equal(ok.status, 201);
    });

    it('takes an EAN-13 under a product-code field for a barcode, as the SDK does, even where it passes the Luhn check', async () => {
      const { m, h } = setup();
      const order = { ...ORDER, items: [{ sku: '4006381300063', qty: 1 }, { sku: 'mug', ean: '5000010712714', qty: 1 }] };
      const r = await post(h, { body: JSON.stringify(order) });
      assert.equal(r.status, 201);
      assert.deepEqual(m.calls.map((c) => c.order), [order]);
      // The same code under another name is still taken for a card number.
      const elsewhere = await post(h, { body: JSON.stringify({ ...ORDER, note: '4006381300063' }) });
      assert.deepEqual(await elsewhere.json(), { error: 'card_data', path: 'note' });
    });

    it('413 above the body limit (64 kB by default) without running the handler', async () => {
      const { m, h } = setup();
      const big = JSON.stringify({ ...ORDER, pad: 'x'.repeat(65_536) });
      assert.equal((await post(h, { body: big })).status, 413);
      const justUnder = JSON.stringify({ pad: 'x'.repeat(65_536 - 10) });
      assert.equal(Buffer.byteLength(justUnder), 65_536);
      assert.equal((await post(h, { body: justUnder })).status, 201);
      assert.equal((await post(h, { body: justUnder.replace('"}', 'x"}') })).status, 413, 'one byte over');
      const small = setup({ bodyLimit: 100 });
      assert.equal((await post(small.h, { body: RAW })).status, 413);
      assert.equal(m.calls.length, 1);
      assert.equal(small.m.calls.length, 0);
    });

    it('a key with an outcome gets it from a region whose own checks refuse the body (another bodyLimit or allowCardLikeAt, a rolling deploy); another body under it is 422', async () => {
      // Two regions of one domain on one store, deployed with different settings.
      const a = setup({ allowCardLikeAt: ['giftCard.reference'] });
      const small = setup({ bodyLimit: 100 });
      const strict = setup();
      const key = randomUUID();
      const body = JSON.stringify({ ...ORDER, giftCard: { reference: '4111111111111111' } });
      const first = await post(a.h, { key, body });
      assert.equal(first.status, 201);
      const stored = await first.text();
      for (const [region, why] of [[small, 'over its body limit'], [strict, 'card data it does not allow']]) {
        const retry = await post(region.h, { key, body });
        assert.equal(retry.status, 201, why);
        assert.equal(await retry.text(), stored, why);
        assert.equal(retry.headers.get('idempotent-replayed'), 'true', why);
      }
      // Read whole, another body under the key is 422, as always; a key with no outcome keeps the refusal.
      assert.equal((await post(strict.h, { key, body: JSON.stringify({ ...ORDER, note: '4111111111111111' }) })).status, 422);
      assert.equal((await post(strict.h, { body })).status, 400);
      assert.equal((await post(small.h, { body })).status, 413);
      assert.equal(a.m.calls.length + small.m.calls.length + strict.m.calls.length, 1, 'the handler ran once');
    });

    it('a key that runs in another region gets 409 from a region whose own checks refuse the body, never a final 400 or 413; a store it cannot read gets 500, never the refusal', async (t) => {
      const g = gate();
      t.after(() => g.open());
      const a = setup({ allowCardLikeAt: ['giftCard.reference'] });
      a.m.set(async () => (g.enter(), await g.opened, { status: 201, body: { orderId: 'o-a' } }));
      const small = setup({ bodyLimit: 100 });
      const strict = setup();
      const key = randomUUID();
      const body = JSON.stringify({ ...ORDER, giftCard: { reference: '4111111111111111' } });
      const first = post(a.h, { key, body });
      await g.entered;
      for (const [region, why] of [[small, 'over its body limit'], [strict, 'card data it does not allow']]) {
        const retry = await post(region.h, { key, body });
        assert.equal(retry.status, 409, why);
        assert.ok(Number(retry.headers.get('retry-after')) >= 1, why);
      }
      g.open();
      assert.equal((await first).status, 201);
      // Unreadable: in doubt, as a 5xx is to the SDK; a refusal would be final.
      const unreadable = createCheckoutHandler({ store: { ...store, read: async () => Promise.reject(new Error('store down')) }, handle: strict.m.handle, onError: () => {} });
      const down = await post(unreadable, { key: randomUUID(), body });
      assert.equal(down.status, 500);
      assert.equal((await down.json()).error, 'store_unavailable');
      assert.equal(a.m.calls.length + small.m.calls.length + strict.m.calls.length, 1, 'the handler ran once');
    });

    it('a key refused on this server\'s own checks with no record is closed: a copy of the request reaching a region that would accept it later runs nothing (503 key_closed); a lookup says 404', async () => {
      // Two regions of one domain on one store, deployed with another body limit and card-data allowance. The
      // SDK takes the refusal as final (the shopper pays again under a new key); the same request, held in a
      // proxy's queue, then reaches the other region.
      const small = setup({ bodyLimit: 100 });
      const strict = setup();
      const lenient = setup({ allowCardLikeAt: ['giftCard.reference'] });
      const body = JSON.stringify({ ...ORDER, giftCard: { reference: '4111111111111111' } });
      for (const [region, status, why] of [[small, 413, 'over its body limit'], [strict, 400, 'card data it does not allow']]) {
        const key = randomUUID();
        assert.equal((await post(region.h, { key, body })).status, status, why);
        const late = await post(lenient.h, { key, body });
        assert.equal(late.status, 503, why);
        assert.equal((await late.json()).error, 'key_closed', why);
        assert.equal((await get(lenient.h, `/checkout/${key}`)).status, 404, why);
        // Sent again where it was refused: closed there too.
        assert.equal((await post(region.h, { key, body })).status, 503, why);
      }
      assert.equal(small.m.calls.length + strict.m.calls.length + lenient.m.calls.length, 0, 'the handler never ran');
    });

    it('stores a 2xx and replays it byte for byte with Idempotent-Replayed: true; the handler runs once', async () => {
      const { m, h } = setup();
      m.set(async () => ({ status: 201, body: { orderId: 'o-9', note: 'café ☕', n: 1.5 } }));
      const key = randomUUID();
      const first = await post(h, { key });
      const firstText = await first.text();
      assert.equal(first.status, 201);
      assert.equal(first.headers.get('idempotent-replayed'), null);
      for (let i = 0; i < 3; i++) {
        const again = await post(h, { key });
        assert.equal(again.status, 201);
        assert.equal(await again.text(), firstText);
        assert.equal(again.headers.get('idempotent-replayed'), 'true');
        assert.match(again.headers.get('content-type') ?? '', /^application\/json/);
      }
      assert.equal(m.calls.length, 1);
      assert.deepEqual(m.calls[0]?.order, ORDER);
      assert.equal(m.calls[0]?.attempt, 1);
    });

    it('stores a 4xx refusal (402) and replays it', async () => {
      const { m, h } = setup();
      m.set(async () => ({ status: 402, body: { error: 'card_declined' } }));
      const key = randomUUID();
      assert.equal((await post(h, { key })).status, 402);
      const again = await post(h, { key });
      assert.equal(again.status, 402);
      assert.deepEqual(await again.json(), { error: 'card_declined' });
      assert.equal(m.calls.length, 1);
    });

    it('422 for the same key with another body after the outcome is stored; the same body on another path of the domain replays', async () => {
      const { m, h } = setup();
      const key = randomUUID();
      const first = await post(h, { key });
      assert.equal(first.status, 201);
      // One byte more (a space) is another body.
      assert.equal((await post(h, { key, body: RAW + ' ' })).status, 422);
      // Another endpoint of the same domain serving the checkout under a prefix: the same order, replayed.
      const other = createCheckoutHandler({ store, handle: m.handle, prefix: '/v2' });
      const there = await post(other, { key, path: '/v2/checkout' });
      assert.equal(there.status, 201);
      assert.equal(there.headers.get('idempotent-replayed'), 'true');
      assert.equal(await there.text(), await first.text());
      assert.equal(m.calls.length, 1);
    });

    it('a handler body that is not JSON (a function) is a handler bug: 500, the key kept, nothing stored', async () => {
      const { m, h } = setup();
      m.set(async () => ({ status: 201, body: /** @type {any} */ (() => 'not json') }));
      const key = randomUUID();
      const r = await post(h, { key });
      assert.equal(r.status, 500);
      assert.deepEqual(await r.json(), { error: 'handler_failed' });
      await expectKept(m, h, key, 2);
    });

    /**
     * A key whose handler run is held until `open()`: its first request is `first`.
     * @param {import('node:test').TestContext} t @param {object} [extra] options of the handler
     */
    const runningKey = async (t, extra) => {
      const { m, h } = setup(extra);
      const g = gate();
      // A failed assertion must not leave the handler (and its heartbeat) running forever.
      t.after(() => g.open());
      m.set(async () => (g.enter(), await g.opened, { status: 201, body: { ok: true } }));
      const key = randomUUID();
      const first = post(h, { key });
      await g.entered;
      return { m, h, key, first, open: g.open };
    };

    it('422 wins over 409: another body while the first request is still running', async (t) => {
      const { m, h, key, first, open } = await runningKey(t);
      const busy = await post(h, { key });
      assert.equal(busy.status, 409);
      assert.ok(Number(busy.headers.get('retry-after')) >= 1, 'Retry-After on 409');
      const changed = await post(h, { key, body: RAW.replace('tok_ok', 'tok_other') });
      assert.equal(changed.status, 422);
      const lookup = await get(h, `/checkout/${key}`);
      assert.equal(lookup.status, 409, 'lookup while in progress');
      assert.ok(Number(lookup.headers.get('retry-after')) >= 1);
      open();
      assert.equal((await first).status, 201);
      assert.equal(m.calls.length, 1);
    });

    it("a 409's Retry-After is 1 s on the POST and on the lookup, not the running key's lease", async (t) => {
      const { h, key, first, open } = await runningKey(t, { leaseMs: 20_000 });
      for (const r of [await post(h, { key }), await get(h, `/checkout/${key}`)]) {
        assert.equal(r.status, 409);
        // The lease was just taken (or renewed by a heartbeat): 20 s would hold an SDK's order pending that long.
        assert.equal(r.headers.get('retry-after'), '1');
      }
      open();
      assert.equal((await first).status, 201);
    });

    it("a lookup's 404 with close=1 closes the key: a POST of it that arrives later does not run (503), whatever its body; lookups stay 404", async () => {
      const { m, h } = setup();
      const key = randomUUID();
      assert.equal((await get(h, `/checkout/${key}?close=1`)).status, 404);
      for (const body of [RAW, '{"other":1}']) {
        const late = await post(h, { key, body });
        assert.equal(late.status, 503);
        assert.deepEqual(await late.json(), { error: 'key_closed' });
      }
      assert.equal(m.calls.length, 0, 'the handler never ran');
      for (const path of [`/checkout/${key}`, `/checkout/${key}?close=1`]) {
        const again = await get(h, path);
        assert.equal(again.status, 404, path);
        assert.deepEqual(await again.json(), { error: 'not_found' });
      }
    });

    it('a lookup without close=1 leaves an unknown key as it was: the next POST of it runs', async () => {
      const { m, h } = setup();
      const key = randomUUID();
      for (const query of ['', '?close=0', '?close']) assert.equal((await get(h, `/checkout/${key}${query}`)).status, 404);
      assert.equal((await post(h, { key })).status, 201);
      assert.equal(m.calls.length, 1);
    });

    it('a lookup whose read missed a POST that reserved the key just after answers as that POST stands (409), and does not close it', async (t) => {
      const { h, key, first, open } = await runningKey(t);
      // The lookup's first read comes back empty, as if it had run just before the POST's reservation.
      let missed = false;
      const late = Object.assign(Object.create(store), { read: async (/** @type {string} */ k) => (missed ? store.read(k) : ((missed = true), null)) });
      const lookup = createCheckoutHandler({ store: late, handle: async () => ({ status: 500, body: {} }) });
      assert.equal((await get(lookup, `/checkout/${key}?close=1`)).status, 409);
      assert.ok(missed);
      open();
      assert.equal((await first).status, 201);
      const stored = await get(h, `/checkout/${key}`);
      assert.equal(stored.status, 200);
      assert.equal((await stored.json()).status, 201);
    });

    it('a lookup whose close lost to a POST that then let the key go (not processed) closes it again: 404, and a later POST of the key does not run', async () => {
      const { m, h } = setup();
      const key = randomUUID();
      // The lookup's first read comes back empty; its first close meets a POST that reserved the key meanwhile
      // and released it (its handler answered 503) before the lookup reads again.
      let raced = false;
      const racing = Object.assign(Object.create(store), {
        reserve: async (/** @type {string} */ k, /** @type {string} */ fingerprint, /** @type {any} */ o) => {
          if (raced || fingerprint != 'closed') return store.reserve(k, fingerprint, o);
          raced = true;
          const post = await store.reserve(k, 'a'.repeat(64), o);
          assert.equal(post.kind, 'acquired');
          const lost = await store.reserve(k, fingerprint, o);
          if (post.kind == 'acquired') assert.ok(await store.release(k, post.owner, { forget: true }));
          return lost;
        },
      });
      const lookup = createCheckoutHandler({ store: racing, handle: async () => ({ status: 500, body: {} }) });
      const answer = await get(lookup, `/checkout/${key}?close=1`);
      assert.ok(raced, 'the close met the POST');
      assert.equal(answer.status, 404);
      const late = await post(h, { key });
      assert.equal(late.status, 503);
      assert.deepEqual(await late.json(), { error: 'key_closed' });
      assert.equal(m.calls.length, 0, 'the handler never ran');
    });

    it('a lookup that cannot close a key that POSTs keep reserving and letting go answers 409 with Retry-After (in use), never 404', async () => {
      const key = randomUUID();
      let closes = 0;
      const racing = Object.assign(Object.create(store), {
        reserve: async (/** @type {string} */ k, /** @type {string} */ fingerprint, /** @type {any} */ o) => {
          if (fingerprint != 'closed') return store.reserve(k, fingerprint, o);
          closes++;
          const post = await store.reserve(k, 'b'.repeat(64), o);
          const lost = await store.reserve(k, fingerprint, o);
          if (post.kind == 'acquired') await store.release(k, post.owner, { forget: true });
          return lost;
        },
      });
      const lookup = createCheckoutHandler({ store: racing, handle: async () => ({ status: 500, body: {} }) });
      const answer = await get(lookup, `/checkout/${key}?close=1`);
      assert.equal(answer.status, 409);
      assert.equal(answer.headers.get('retry-after'), '1');
      assert.equal(closes, 3, 'three closes tried');
      assert.equal(await store.read(key), null, 'nothing closed, nothing kept');
    });

    for (const status of [408, 425, 429, 503]) {
      it(`${status} releases the key: nothing stored, lookup 404, the next request runs attempt 1 again`, async () => {
        const { m, h } = setup();
        m.set(async () => ({ status, body: { error: 'try_later' } }));
        const key = randomUUID();
        const r = await post(h, { key });
        assert.equal(r.status, status);
        assert.deepEqual(await r.json(), { error: 'try_later' });
        assert.equal((await get(h, `/checkout/${key}`)).status, 404);
        m.set(async (_o, { attempt }) => ({ status: 201, body: { attempt } }));
        const again = await post(h, { key });
        assert.equal(again.status, 201);
        assert.deepEqual(await again.json(), { attempt: 1 });
        assert.equal(m.calls.length, 2);
      });
    }

    for (const failure of [500, 502, 504, 'throw', 'a 302 from the handler']) {
      it(`${failure} keeps the key with the lease ended: lookup 409, the next request runs attempt 2`, async () => {
        const { m, h } = setup();
        m.set(async () => {
          if (failure == 'throw') throw new Error('PSP timeout');
          return { status: typeof failure == 'number' ? failure : 302, body: { error: 'upstream' } };
        });
        const key = randomUUID();
        const r = await post(h, { key });
        assert.equal(r.status, typeof failure == 'number' ? failure : 500);
        await expectKept(m, h, key, 2);
        assert.deepEqual(
          m.calls.map((c) => c.attempt),
          [1, 2],
        );
      });
    }

    it('a "not processed" answer after a run that may have charged keeps the key: 500 in_doubt, lookup 409 (never 404), attempt 3 stores', async () => {
      const { m, h } = setup();
      // Run 1 charged, then failed before answering; run 2's payment provider limits its rate.
      m.set(async () => {
        throw new Error('order row not written after the charge');
      });
      const key = randomUUID();
      assert.equal((await post(h, { key })).status, 500);
      m.set(async () => ({ status: 503, body: { error: 'psp_rate_limited' } }));
      const second = await post(h, { key });
      assert.equal(second.status, 500, 'ambiguous: a 503 would let the SDK take the order to another domain');
      assert.deepEqual(await second.json(), { error: 'in_doubt' });
      await expectKept(m, h, key, 3);
    });

    for (const status of [409, 422, 302, 100, 600, 200.5, '201', undefined]) {
      const what = status == 409 || status == 422 ? "the contract's own" : 'not an outcome the wire carries';
      it(`a handler answering ${JSON.stringify(status)} (${what}) is a handler bug: 500, the key kept, onError told`, async () => {
        /** @type {unknown[]} */
        const errors = [];
        const { m, h } = setup({ onError: (error) => errors.push(error) });
        m.set(async () => ({ status, body: { error: 'invalid_order' } }));
        const key = randomUUID();
        const r = await post(h, { key });
        assert.equal(r.status, 500, 'stored, it would be replayed as in progress (409) or as a misused key (422)');
        assert.deepEqual(await r.json(), { error: 'handler_failed' });
        assert.equal(errors.length, 1, 'onError told once');
        // A string is quoted: "status 201" alone hid what was wrong with it.
        const shown = typeof status == 'string' ? JSON.stringify(status) : String(status).replace('.', '\\.');
        assert.match(String(errors[0]), new RegExp(`answered (status )?${shown}(\\b|:)`));
        await expectKept(m, h, key, 2);
      });
    }

    it('a 204 is stored and replayed without a body; the lookup carries null', async () => {
      const { m, h } = setup();
      // A body given with a 204 cannot go out on the POST, so its lookup must not carry it either.
      m.set(async () => ({ status: 204, body: { ignored: true } }));
      const key = randomUUID();
      const first = await post(h, { key });
      assert.equal(first.status, 204);
      assert.equal(await first.text(), '');
      const again = await post(h, { key });
      assert.equal(again.status, 204, 'the stored 204, not a 500 from the replay');
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      const lookup = await get(h, `/checkout/${key}`);
      assert.equal(lookup.status, 200);
      assert.deepEqual(await lookup.json(), { status: 204, body: null });
      assert.equal(m.calls.length, 1);
    });

    it('lookup: 200 {status, body} with the stored body unchanged, 404 only without a row, 400 for a malformed key', async () => {
      const { m, h } = setup();
      m.set(async () => ({ status: 402, body: { error: 'declined', detail: 'é' } }));
      const key = randomUUID();
      const placed = await (await post(h, { key })).text();
      const r = await get(h, `/checkout/${key}`);
      assert.equal(r.status, 200);
      const text = await r.text();
      assert.equal(text, `{"status":402,"body":${placed}}`);
      assert.equal((await get(h, `/checkout/${randomUUID()}`)).status, 404);
      assert.equal((await get(h, '/checkout/bad%20key')).status, 400);
      assert.equal((await get(h, '/checkout/a/b')).status, 404, 'not a lookup route');
    });

    it('health answers 200 while the store pings, 503 when it does not', async () => {
      const { h } = setup();
      assert.equal((await get(h, '/health')).status, 200);
      const down = { ...store, ping: async () => Promise.reject(new Error('down')) };
      const sick = createCheckoutHandler({ store: down, handle: async () => ({ status: 201, body: {} }) });
      assert.equal((await get(sick, '/health')).status, 503);
    });

    it('health answers 503 when the store\'s ping never answers, after at most 2 s, and tells onError', async () => {
      const errors = /** @type {string[]} */ ([]);
      const hung = { ...store, ping: () => new Promise(() => {}) };
      const h = createCheckoutHandler({ store: hung, handle: async () => ({ status: 201, body: {} }), onError: (err) => errors.push(String(/** @type {Error} */ (err).message)) });
      // A health check that hangs with its store would hold the SDK's probe until its own timeout.
      const r = await Promise.race([get(h, '/health'), new Promise((resolve) => setTimeout(resolve, 10_000, 'hung'))]);
      assert.notEqual(r, 'hung', 'answered');
      assert.equal(/** @type {Response} */ (r).status, 503);
      assert.deepEqual(errors, ['store ping timed out']);
    });

    it('503 with Retry-After when the store cannot reserve; the handler never runs', async () => {
      const { m } = setup();
      const down = { ...store, reserve: async () => Promise.reject(new Error('connection refused')) };
      const h = createCheckoutHandler({ store: down, handle: m.handle });
      const r = await post(h);
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal(m.calls.length, 0);
    });

    it('CORS: a preflight from an allowed origin allows the SDK headers (trace context and drill too), credentials and a max-age; others get none', async () => {
      const { h } = setup();
      const pre = (/** @type {string} */ origin, /** @type {string} */ path) =>
        h(new Request(`http://127.0.0.1${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key,steadycart-attempt' } }));
      for (const path of ['/checkout', '/checkout/abc', '/health']) {
        const r = await pre(ORIGIN, path);
        assert.equal(r.status, 204);
        assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
        const allowed = (r.headers.get('access-control-allow-headers') ?? '').toLowerCase();
        for (const name of ['content-type', 'idempotency-key', 'steadycart-attempt', 'traceparent', 'tracestate', 'steadycart-drill']) assert.ok(allowed.includes(name), name);
        assert.match(r.headers.get('access-control-allow-methods') ?? '', /POST/);
        assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
        assert.equal(r.headers.get('access-control-max-age'), '600');
      }
      const foreign = await pre('https://evil.example', '/checkout');
      assert.equal(foreign.headers.get('access-control-allow-origin'), null);
      const placed = await post(h, { origin: ORIGIN });
      assert.equal(placed.headers.get('access-control-allow-origin'), ORIGIN);
      assert.match(placed.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
      assert.equal((await post(h, { origin: 'https://evil.example' })).headers.get('access-control-allow-origin'), null);
    });

    it('retention: 72 h by default; under 24 h is refused with a typed error', async () => {
      const { h } = setup();
      const key = randomUUID();
      await post(h, { key });
      const rec = await store.read(key);
      const hours = ((rec?.expiresAt ?? 0) - Date.now()) / 3600_000;
      assert.ok(hours > 71.9 && hours <= 72.01, `retention ${hours} h`);
      assert.throws(
        () => createCheckoutHandler({ store, handle: async () => ({ status: 201, body: {} }), retentionMs: 23 * 3600_000 }),
        (err) => isSteadyCartServerError(err) && err.code == 'INVALID_OPTIONS' && err.option == 'retentionMs',
      );
      const day = setup({ retentionMs: 24 * 3600_000 });
      assert.equal((await post(day.h)).status, 201);
    });

    it('lease: 30 s by default while the handler runs', async (t) => {
      const { m, h } = setup();
      const g = gate();
      // A failed assertion must not leave the handler (and its heartbeat) running forever.
      t.after(() => g.open());
      m.set(async () => (g.enter(), await g.opened, { status: 201, body: {} }));
      const key = randomUUID();
      const running = post(h, { key });
      await g.entered;
      const rec = await store.read(key);
      const left = (rec?.leaseUntil ?? 0) - Date.now();
      assert.ok(left > 20_000 && left <= 30_500, `lease left ${left} ms`);
      g.open();
      assert.equal((await running).status, 201);
    });

    it('routes: 404 elsewhere, 405 for a wrong method, the prefix honoured', async () => {
      const { h } = setup();
      assert.equal((await get(h, '/elsewhere')).status, 404);
      assert.equal((await get(h, '/checkout')).status, 405);
      assert.equal((await post(h, { path: '/health' })).status, 405);
      const { h: api } = setup({ prefix: '/api' });
      assert.equal((await post(api, { path: '/api/checkout' })).status, 201);
      assert.equal((await post(api, { path: '/checkout' })).status, 404);
      assert.equal((await get(api, '/api/health')).status, 200);
    });
  });
}

rules('memory', async () => ({ store: memoryStore(), close: async () => {} }));

rules('postgres', () => openPostgresStore('handler'));

describe('checkout handler: list options', () => {
  /** @param {string} option */
  const invalid = (option) => (/** @type {unknown} */ err) => isSteadyCartServerError(err) && err.code == 'INVALID_OPTIONS' && err.option == option;
  /** @param {Record<string, unknown>} extra */
  const create = (extra) => () => createCheckoutHandler(/** @type {any} */ ({ store: memoryStore(), handle: async () => ({ status: 201, body: {} }), ...extra }));

  it('cors.origins, cors.allowHeaders and allowCardLikeAt must be arrays of strings: anything else is INVALID_OPTIONS naming it', () => {
    assert.throws(create({ cors: { origins: ORIGIN } }), invalid('cors.origins'));
    assert.throws(create({ cors: { origins: [ORIGIN, 1] } }), invalid('cors.origins'));
    // A string would be spread letter by letter into Access-Control-Allow-Headers.
    assert.throws(create({ cors: { origins: [ORIGIN], allowHeaders: 'Authorization' } }), invalid('cors.allowHeaders'));
    assert.throws(create({ cors: { origins: [ORIGIN], allowHeaders: [null] } }), invalid('cors.allowHeaders'));
    assert.throws(create({ allowCardLikeAt: 'giftCards[*].reference' }), invalid('allowCardLikeAt'));
    assert.throws(create({ allowCardLikeAt: [{}] }), invalid('allowCardLikeAt'));
    // A path the guard never writes would never match: the exemption would do nothing.
    assert.throws(create({ allowCardLikeAt: ['$.giftCards[0].reference'] }), invalid('allowCardLikeAt'));
    assert.throws(create({ allowCardLikeAt: ['giftCards[].reference'] }), invalid('allowCardLikeAt'));
    create({ cors: { origins: (/** @type {string} */ o) => o == ORIGIN, allowHeaders: ['Authorization'] }, allowCardLikeAt: ['giftCards[*].reference'] })();
  });
});

describe('checkout handler: misspelt or mistyped options', () => {
  /** @param {string} option */
  const invalid = (option) => (/** @type {unknown} */ err) => isSteadyCartServerError(err) && err.code == 'INVALID_OPTIONS' && err.option == option;
  /** @param {Record<string, unknown>} extra */
  const create = (extra) => () => createCheckoutHandler(/** @type {any} */ ({ store: memoryStore(), handle: async () => ({ status: 201, body: {} }), ...extra }));

  it('a key that is no option, at the top, in cors or in telemetry, is INVALID_OPTIONS naming it (it was dropped, its default used)', () => {
    assert.throws(create({ retentionMS: 7 * 86_400_000 }), invalid('retentionMS'));
    assert.throws(create({ cors: { origins: [ORIGIN], maxAge: 60 } }), invalid('cors.maxAge'));
    assert.throws(create({ telemetry: { tracerprovider: {} } }), invalid('telemetry.tracerprovider'));
    // Before, a credentials string was taken as true, and onError that is no function was never told anything.
    assert.throws(create({ cors: { origins: [ORIGIN], credentials: 'false' } }), invalid('cors.credentials'));
    assert.throws(create({ onError: 'console.error' }), invalid('onError'));
    // Past a timer's range its renewal and deadline would fire at once: every run's signal aborted at its start.
    assert.throws(create({ leaseMs: 3e9 }), invalid('leaseMs'));
    assert.throws(create({ leaseMs: 86_400_001 }), invalid('leaseMs'));
    create({ leaseMs: 86_400_000 })();
    create({ retentionMs: 7 * 86_400_000, cors: { origins: [ORIGIN], credentials: false, maxAgeSeconds: 60, allowHeaders: [] }, onError: () => {} })();
  });
});

describe('checkout handler: a client gone before its key was reserved, with a store whose release throws', () => {
  it('is answered 503 client_gone and told to onError (release), not 500; nothing runs', async () => {
    /** @type {string[]} */
    const errors = [];
    const m = merchant();
    const store = memoryStore();
    const h = createCheckoutHandler({
      store: { ...store, release: () => { throw new Error('release threw'); } },
      handle: m.handle,
      onError: (err, { phase }) => errors.push(`${phase}: ${/** @type {Error} */ (err).message}`),
    });
    const gone = new Request('http://127.0.0.1/checkout', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: RAW, signal: AbortSignal.abort() });
    const answer = await h(gone);
    assert.equal(answer.status, 503);
    assert.deepEqual(await answer.json(), { error: 'client_gone' });
    assert.deepEqual(errors, ['release: release threw']);
    assert.equal(m.calls.length, 0);
  });
});

describe('checkout handler: the outcome\'s write fails after the handler ran', () => {
  /** A memory store whose `complete` throws for its first `failures` calls; every error told to onError is kept. */
  function failingComplete(failures, leaseMs = 30_000) {
    /** @type {string[]} */
    const errors = [];
    const m = merchant();
    const store = memoryStore();
    let calls = 0;
    const h = createCheckoutHandler({
      store: { ...store, complete: (...args) => (++calls <= failures ? Promise.reject(new Error(`write ${calls} failed`)) : store.complete(...args)) },
      handle: m.handle,
      leaseMs,
      onError: (err, { phase }) => errors.push(`${phase}: ${/** @type {Error} */ (err).message}`),
    });
    return { h, m, errors };
  }

  it('a brief failure: the write is tried again and the outcome stored; the handler ran once, each failure told to onError', async () => {
    // Before, the first failure was an ambiguous 500, and the next request ran the handler again (attempt 2).
    const { h, m, errors } = failingComplete(2);
    const key = randomUUID();
    const answer = await post(h, { key });
    assert.equal(answer.status, 201);
    assert.deepEqual(await answer.json(), { orderId: 'o-1', attempt: 1 });
    assert.deepEqual(errors, ['complete: write 1 failed', 'complete: write 2 failed']);
    const again = await post(h, { key });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(await again.json(), { orderId: 'o-1', attempt: 1 });
    assert.equal(m.calls.length, 1);
  });

  it('a failure that lasts: 500 store_unavailable after three tries, the key kept (409, never 404) until its lease ends, then run again', async () => {
    const { h, m, errors } = failingComplete(3, 200);
    const key = randomUUID();
    const answer = await post(h, { key });
    assert.equal(answer.status, 500);
    assert.deepEqual(await answer.json(), { error: 'store_unavailable' });
    assert.deepEqual(errors, ['complete: write 1 failed', 'complete: write 2 failed', 'complete: write 3 failed']);
    assert.equal((await get(h, `/checkout/${key}`)).status, 409);
    await new Promise((wake) => setTimeout(wake, 300));
    const later = await post(h, { key });
    assert.equal(later.status, 201);
    assert.deepEqual(m.calls.map((c) => c.attempt), [1, 2]);
  });
});

describe('checkout handler: the store lost a running key\'s record, and a lookup closed the key', () => {
  it('the run that ends then is answered 500 in_doubt, never the lookup\'s 404 (final to the SDK) after the handler charged', async () => {
    // A Redis restarted without persistence while the handler ran: the record is gone, a lookup answers 404 and closes the key.
    const store = memoryStore();
    const g = gate();
    const m = merchant();
    m.set(async () => (g.enter(), await g.opened, { status: 201, body: { orderId: 'o-1' } }));
    const h = createCheckoutHandler({ store, handle: m.handle, onError: () => {} });
    const key = randomUUID();
    const running = post(h, { key });
    await g.entered;
    const record = await store.read(key);
    assert.ok(record);
    // Lost: the running record's owner no longer holds it, and nothing is stored under the key.
    await store.release(key, /** @type {string} */ (record.owner), { forget: true });
    assert.equal((await get(h, `/checkout/${key}?close=1`)).status, 404);
    g.open();
    const answer = await running;
    assert.equal(answer.status, 500);
    assert.deepEqual(await answer.json(), { error: 'in_doubt' });
    assert.equal(m.calls.length, 1);
  });
});

describe('checkout handler: a cors.origins function that throws', () => {
  it('is answered 500 internal and told to onError, for a POST, a lookup and a preflight; no order runs', async () => {
    /** @type {string[]} */
    const errors = [];
    const m = merchant();
    const origins = () => {
      throw new Error('origins threw');
    };
    const h = createCheckoutHandler({ store: memoryStore(), cors: { origins }, handle: m.handle, onError: (err, { phase }) => errors.push(`${phase}: ${/** @type {Error} */ (err).message}`) });
    const answers = [await post(h, { origin: ORIGIN }), await get(h, '/checkout/abc', { origin: ORIGIN }), await post(h, { origin: ORIGIN, method: 'OPTIONS', body: '' })];
    assert.deepEqual(answers.map((r) => r.status), [500, 500, 500]);
    assert.deepEqual(await answers[0].json(), { error: 'internal' });
    assert.equal(m.calls.length, 0);
    assert.deepEqual(errors, ['request: origins threw', 'request: origins threw', 'request: origins threw']);
  });
});

describe('checkout handler: sweeping', () => {
  it('asks the store to sweep on POSTs, at most once per sweepEveryMs, the first time one interval after start', async () => {
    const base = memoryStore();
    let sweeps = 0;
    const store = { ...base, sweep: () => (sweeps++, base.sweep()) };
    const h = createCheckoutHandler({ store, sweepEveryMs: 1000, handle: async () => ({ status: 201, body: {} }) });
    await post(h);
    assert.equal(sweeps, 0, 'not at start');
    await new Promise((r) => setTimeout(r, 1200));
    await post(h);
    await post(h);
    await get(h, '/checkout/abc');
    assert.equal(sweeps, 1);
  });

  it('a store whose sweep throws instead of rejecting: the POST still places its order, and onError is told', async () => {
    const base = memoryStore();
    const store = {
      ...base,
      sweep: () => {
        throw new Error('sweep threw');
      },
    };
    /** @type {string[]} */
    const errors = [];
    const m = merchant();
    const h = createCheckoutHandler({ store, sweepEveryMs: 1, handle: m.handle, onError: (err, { phase }) => errors.push(`${phase}: ${/** @type {Error} */ (err).message}`) });
    await new Promise((r) => setTimeout(r, 20));
    const r = await post(h);
    assert.equal(r.status, 201);
    assert.equal(m.calls.length, 1, 'the handler ran');
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(errors, ['sweep: sweep threw']);
  });
});
