// @ts-check
/**
 * Leases and failures between the handler and its store:
 * - a slow handler that heartbeats is not taken over (memory, PostgreSQL, Redis);
 * - one whose heartbeats stopped (a dead process) is taken over after the lease,
 *   its signal aborts, and its late completion stores nothing;
 * - a store connection cut between commit and acknowledgement, or before the
 *   write arrives, leaves no key stuck past its lease and no outcome doubled
 *   (a TCP proxy in front of PostgreSQL and Redis);
 * - a second process on one PGlite directory refuses to start.
 *
 *   npm run build && node --test test/server/leases.test.mjs
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createClient } from 'redis';
import { createCheckoutHandler, memoryStore, pgliteStore, postgresStore, redisStore } from '../../dist/server.mjs';
import { gate, openPostgres, openPostgresStore, openRedis, openRedisStore } from './fixtures.mjs';
import { tcpProxy } from './tcp-proxy.mjs';

/** @typedef {import('../../dist/server.mjs').IdempotencyStore} IdempotencyStore */

const SERVER = fileURLToPath(new URL('../../dist/server.mjs', import.meta.url));
const BODY = '{"orderRef":"r-1","payment":{"token":"tok_ok"}}';
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** @param {(request: Request) => Promise<Response>} h @param {string} key */
const post = (h, key) => h(new Request('http://127.0.0.1/checkout', { method: 'POST', headers: { 'idempotency-key': key }, body: BODY }));
/** @param {(request: Request) => Promise<Response>} h @param {string} key */
const lookup = (h, key) => h(new Request(`http://127.0.0.1/checkout/${key}`));

/**
 * POSTs until the answer is not 409 (the lease ended), at most `ms`.
 * @param {(request: Request) => Promise<Response>} h @param {string} key
 */
async function postUntilTaken(h, key, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    const r = await post(h, key);
    if (r.status != 409 || Date.now() > until) return r;
    await sleep(100);
  }
}

/** @param {AbortSignal} signal @param {number} ms */
const aborted = (signal, ms) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve(true)), { once: true });
  });

/**
 * @param {string} name
 * @param {() => Promise<{ store: IdempotencyStore, close: () => Promise<void> }>} open
 */
function leaseCases(name, open) {
  describe(`leases: ${name}`, () => {
    /** @type {IdempotencyStore} */
    let store;
    /** @type {() => Promise<void>} */
    let close = async () => {};
    before(async () => {
      ({ store, close } = await open());
    });
    after(() => close());

    it('a slow handler that heartbeats is not taken over, however long it runs past its lease', async (t) => {
      const g = gate();
      // A failed assertion must not leave the handler (and its heartbeat) running forever.
      t.after(() => g.open());
      let calls = 0;
      const h = createCheckoutHandler({
        store,
        leaseMs: 1500,
        handle: async () => (calls++, g.enter(), await g.opened, { status: 201, body: { slow: true } }),
      });
      const key = randomUUID();
      const first = post(h, key);
      await g.entered;
      const owner = (await store.read(key))?.owner;
      // Well past two leases: only heartbeats keep it.
      await sleep(4000);
      const second = await post(h, key);
      assert.equal(second.status, 409);
      const rec = await store.read(key);
      assert.equal(rec?.owner, owner, 'same owner');
      assert.equal(rec?.attempt, 1);
      g.open();
      assert.equal((await first).status, 201);
      assert.equal(calls, 1);
    });

    it('a process whose heartbeats stopped is taken over after its lease; its signal aborts first, and its late completion stores nothing', async (t) => {
      // Two "processes" on one store; A loses its store connection for heartbeats.
      let cut = true;
      const aStore = { ...store, heartbeat: (/** @type {[string, string, number]} */ ...args) => (cut ? Promise.reject(new Error('connection lost')) : store.heartbeat(...args)) };
      const g = gate();
      // A failed assertion must not leave the handler (and its heartbeat) running forever.
      t.after(() => g.open());
      /** @type {AbortSignal | undefined} */
      let aSignal;
      const a = createCheckoutHandler({
        store: aStore,
        leaseMs: 500,
        handle: async (_o, { signal, attempt }) => {
          aSignal = signal;
          g.enter();
          await g.opened;
          return { status: 201, body: { by: 'A', attempt } };
        },
      });
      const bCalls = /** @type {number[]} */ ([]);
      /** Whether A's signal had aborted when B's handler started. @type {boolean[]} */
      const aAbortedWhenBRan = [];
      const b = createCheckoutHandler({
        store,
        leaseMs: 500,
        handle: async (_o, { attempt }) => (bCalls.push(attempt), aAbortedWhenBRan.push(!!aSignal?.aborted), { status: 201, body: { by: 'B', attempt } }),
      });
      const key = randomUUID();
      const fromA = post(a, key);
      await g.entered;
      // B asks from now on, every 100 ms: its run begins as soon as the store lets it take the key.
      const taken = await postUntilTaken(b, key);
      // No heartbeat reached the store: A learnt it may have lost the key before anyone could take it.
      assert.ok(aSignal?.aborted, "A's signal aborts while its store is cut off");
      assert.equal(taken.status, 201);
      assert.deepEqual(await taken.json(), { by: 'B', attempt: 2 });
      assert.deepEqual(bCalls, [2]);
      assert.deepEqual(aAbortedWhenBRan, [true], "A's signal had aborted before B's run began");
      cut = false;
      g.open();
      const late = await fromA;
      assert.equal(late.status, 201);
      assert.deepEqual(await late.json(), { by: 'B', attempt: 2 }, "A answers B's stored outcome");
      const found = await lookup(b, key);
      assert.deepEqual(await found.json(), { status: 201, body: { by: 'B', attempt: 2 } });
    });

    it('a heartbeat that hangs: the signal aborts within the lease, before another process may take the key', async (t) => {
      const hung = { ...store, heartbeat: () => new Promise(() => {}) };
      const g = gate();
      t.after(() => g.open());
      /** @type {AbortSignal | undefined} */
      let signal;
      const a = createCheckoutHandler({
        store: /** @type {IdempotencyStore} */ (hung),
        leaseMs: 600,
        handle: async (_o, ctx) => ((signal = ctx.signal), g.enter(), await g.opened, { status: 201, body: { by: 'A' } }),
      });
      const key = randomUUID();
      const fromA = post(a, key);
      await g.entered;
      assert.ok(signal && (await aborted(signal, 10_000)), 'aborted although no heartbeat ever answered');
      assert.match(String(signal.reason?.message), /may have lapsed/);
      g.open();
      // Nobody took the key over: A's completion still stores its outcome.
      assert.equal((await fromA).status, 201);
      assert.deepEqual(await (await lookup(a, key)).json(), { status: 201, body: { by: 'A' } });
    });

    it('a heartbeat that was only late: the signal aborts (the lease may have lapsed), yet the heartbeats go on and nobody takes the key over while the handler runs', async (t) => {
      // The first two heartbeats land 1.8 s late: the first after five sixths of the 3 s lease (so the signal aborts), still inside it.
      let beats = 0;
      const late = { ...store, heartbeat: async (/** @type {[string, string, number]} */ ...args) => (++beats <= 2 && (await sleep(1800)), store.heartbeat(...args)) };
      const g = gate();
      t.after(() => g.open());
      /** @type {AbortSignal | undefined} */
      let signal;
      const a = createCheckoutHandler({
        store: /** @type {IdempotencyStore} */ (late),
        leaseMs: 3000,
        handle: async (_o, ctx) => ((signal = ctx.signal), g.enter(), await g.opened, { status: 201, body: { by: 'A' } }),
      });
      const b = createCheckoutHandler({ store, leaseMs: 3000, handle: async () => ({ status: 201, body: { by: 'B' } }) });
      const key = randomUUID();
      const fromA = post(a, key);
      await g.entered;
      assert.ok(signal && (await aborted(signal, 10_000)), 'aborted: the lease may have lapsed');
      // A payment call that cannot be called back runs on, past where the late beat's lease would have ended: every retry elsewhere is 409.
      for (let i = 0; i < 8; i++) {
        await sleep(1000);
        assert.equal((await post(b, key)).status, 409, `retry ${i + 1} at B, ${beats} heartbeats so far`);
      }
      g.open();
      assert.equal((await fromA).status, 201);
      assert.deepEqual(await (await lookup(b, key)).json(), { status: 201, body: { by: 'A' } });
    });

    it('a heartbeat that never answers (a dead pooled connection): the next beats go out all the same, and nobody takes the key over while the handler runs', async (t) => {
      // The first heartbeat never settles; the later ones reach the store.
      let beats = 0;
      const stuck = { ...store, heartbeat: (/** @type {[string, string, number]} */ ...args) => (++beats == 1 ? new Promise(() => {}) : store.heartbeat(...args)) };
      const g = gate();
      t.after(() => g.open());
      const a = createCheckoutHandler({
        store: /** @type {IdempotencyStore} */ (stuck),
        leaseMs: 3000,
        handle: async () => (g.enter(), await g.opened, { status: 201, body: { by: 'A' } }),
      });
      const b = createCheckoutHandler({ store, leaseMs: 3000, handle: async () => ({ status: 201, body: { by: 'B' } }) });
      const key = randomUUID();
      const fromA = post(a, key);
      await g.entered;
      // Twice the lease: only the beats sent after the stuck one keep it.
      for (let i = 0; i < 6; i++) {
        await sleep(1000);
        assert.equal((await post(b, key)).status, 409, `retry ${i + 1} at B, ${beats} heartbeats so far`);
      }
      g.open();
      const fromAnswer = await fromA;
      assert.equal(fromAnswer.status, 201);
      assert.deepEqual(await fromAnswer.json(), { by: 'A' });
      assert.equal(fromAnswer.headers.get('idempotent-replayed'), null, "A's own outcome, not a replay");
    });

    it('a run that lost its lease and then answers 503 replays the new owner\'s stored outcome, never "not processed"', async (t) => {
      let cut = true;
      const aStore = { ...store, heartbeat: (/** @type {[string, string, number]} */ ...args) => (cut ? Promise.reject(new Error('connection lost')) : store.heartbeat(...args)) };
      const g = gate();
      t.after(() => g.open());
      const a = createCheckoutHandler({
        store: aStore,
        leaseMs: 500,
        // What a handler told to stop would answer: nothing done here, try later.
        handle: async () => (g.enter(), await g.opened, { status: 503, body: { error: 'aborted' } }),
      });
      const b = createCheckoutHandler({ store, leaseMs: 500, handle: async (_o, { attempt }) => ({ status: 201, body: { by: 'B', attempt } }) });
      const key = randomUUID();
      const fromA = post(a, key);
      await g.entered;
      const taken = await postUntilTaken(b, key);
      assert.equal(taken.status, 201);
      cut = false;
      g.open();
      const late = await fromA;
      assert.equal(late.status, 201, 'the stored outcome, not 503: the order was processed');
      assert.deepEqual(await late.json(), { by: 'B', attempt: 2 });
      assert.equal(late.headers.get('idempotent-replayed'), 'true');
    });
  });
}

describe('leases: a heartbeat answered after the run ended', () => {
  it('changes nothing: the finished run\'s signal never aborts, however the late beat is answered', async () => {
    const store = memoryStore();
    const beat = gate();
    const slowBeats = { ...store, heartbeat: async (/** @type {[string, string, number]} */ ...args) => (beat.enter(), await beat.opened, store.heartbeat(...args)) };
    /** @type {AbortSignal | undefined} */
    let signal;
    const h = createCheckoutHandler({
      store: slowBeats,
      leaseMs: 3000,
      // Returns while a heartbeat is out: the run ends before the store answers it.
      handle: async (_o, ctx) => ((signal = ctx.signal), await beat.entered, { status: 201, body: { ok: true } }),
    });
    assert.equal((await post(h, randomUUID())).status, 201);
    // The key is done now, so the store refuses the beat (not held): the old code read that as a lost lease.
    beat.open();
    assert.equal(await aborted(/** @type {AbortSignal} */ (signal), 200), false);
  });
});

describe('leases: a store whose heartbeat throws instead of rejecting', () => {
  it('the throw is a failed beat told to onError, not a crash: the run goes on and its outcome is stored', async () => {
    const store = memoryStore();
    const throwing = {
      ...store,
      heartbeat: () => {
        throw new Error('heartbeat threw');
      },
    };
    /** @type {string[]} */
    const errors = [];
    const h = createCheckoutHandler({
      store: throwing,
      leaseMs: 300,
      onError: (err, { phase }) => errors.push(`${phase}: ${/** @type {Error} */ (err).message}`),
      // Long enough for two beats (one every 100 ms).
      handle: async () => (await sleep(250), { status: 201, body: { ok: true } }),
    });
    const key = randomUUID();
    assert.equal((await post(h, key)).status, 201);
    assert.ok(errors.length >= 1, 'onError told');
    assert.deepEqual(new Set(errors), new Set(['heartbeat: heartbeat threw']));
    assert.deepEqual(await (await lookup(h, key)).json(), { status: 201, body: { ok: true } });
  });
});

// The three stores at once: their cases mostly sleep through leases (16 s each, one after another).
describe('leases on each store', { concurrency: 3 }, () => {
  leaseCases('memory', async () => ({ store: memoryStore(), close: async () => {} }));
  leaseCases('postgres', () => openPostgresStore('leases'));
  leaseCases('redis', () => openRedisStore('leases'));
});

/**
 * The connection-cut cases for one database behind the proxy. `open(port)`
 * gives a store reaching the database through `port`, and one reaching it directly.
 * @param {string} name
 * @param {() => Promise<{ port: number, through: (port: number) => Promise<{ store: IdempotencyStore, close: () => Promise<void> }>, direct: IdempotencyStore, close: () => Promise<void> }>} open
 */
function cutCases(name, open) {
  describe(`connection cut: ${name}`, () => {
    /** @type {Awaited<ReturnType<typeof tcpProxy>>} */
    let proxy;
    /** @type {IdempotencyStore} */
    let store;
    /** Lookups straight at the database, not through the proxy. @type {(request: Request) => Promise<Response>} */
    let viaDirect;
    /** @type {Array<() => Promise<void>>} */
    const closers = [];
    before(async () => {
      const db = await open();
      closers.push(db.close);
      proxy = await tcpProxy(db.port);
      closers.push(proxy.close);
      const via = await db.through(proxy.port);
      closers.unshift(via.close);
      store = via.store;
      viaDirect = createCheckoutHandler({ store: db.direct, handle: async () => ({ status: 500, body: {} }) });
    });
    after(async () => {
      for (const c of closers) await c();
    });

    /** A handler through the proxy, its calls counted, and one warm-up order (scripts loaded, connection open). */
    async function setup(leaseMs = 1000) {
      const calls = /** @type {number[]} */ ([]);
      /** @type {(() => void) | null} */
      let beforeReturn = null;
      const h = createCheckoutHandler({
        store,
        leaseMs,
        handle: async (_o, { attempt }) => {
          calls.push(attempt);
          beforeReturn?.();
          return { status: 201, body: { attempt } };
        },
      });
      assert.equal((await post(h, randomUUID())).status, 201);
      calls.length = 0;
      /** Cuts the connection in `direction` right when the handler returns; resolves once cut. */
      const cutOnReturn = (/** @type {'reply' | 'request'} */ direction) =>
        new Promise((resolve) => {
          beforeReturn = () => {
            beforeReturn = null;
            void proxy.cut(direction).then(resolve);
          };
        });
      return { h, calls, cutOnReturn };
    }

    it('the acknowledgement of a stored outcome is lost: the write, tried again, finds it stored and answers it; the handler ran once', async () => {
      const { h, calls, cutOnReturn } = await setup(3000);
      const key = randomUUID();
      const cutDone = cutOnReturn('reply');
      const r = await post(h, key);
      await cutDone;
      // Before, an ambiguous 500 (the store did not acknowledge), which a retry or a lookup then resolved.
      assert.equal(r.status, 201, 'the stored outcome, found by the write tried again');
      assert.deepEqual(await r.json(), { attempt: 1 });
      const found = await lookup(viaDirect, key);
      assert.equal(found.status, 200, 'the outcome was committed');
      assert.deepEqual(await found.json(), { status: 201, body: { attempt: 1 } });
      const retry = await post(h, key);
      assert.equal(retry.status, 201);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(calls, [1]);
    });

    it('the acknowledgement of a reservation is lost: 503 and the handler never ran; the key is 409 (never 404) until its lease ends, then runs once', async () => {
      const { h, calls } = await setup(1000);
      const key = randomUUID();
      const cutDone = proxy.cut('reply');
      const r = await post(h, key);
      await cutDone;
      assert.equal(r.status, 503);
      assert.deepEqual(calls, []);
      assert.equal((await lookup(viaDirect, key)).status, 409);
      const later = await postUntilTaken(h, key);
      assert.equal(later.status, 201);
      assert.deepEqual(calls, [2]);
      const found = await lookup(viaDirect, key);
      assert.deepEqual(await found.json(), { status: 201, body: { attempt: 2 } });
    });

    it('the completion never reaches the store: the write is tried again on a new connection and stores the one outcome; the handler ran once', async () => {
      const { h, calls, cutOnReturn } = await setup(1000);
      const key = randomUUID();
      const cutDone = cutOnReturn('request');
      const r = await post(h, key);
      await cutDone;
      // Before, an ambiguous 500: the key was kept until its lease ended, and attempt 2 ran the handler again.
      assert.equal(r.status, 201);
      assert.deepEqual(await r.json(), { attempt: 1 });
      const found = await lookup(viaDirect, key);
      assert.deepEqual(await found.json(), { status: 201, body: { attempt: 1 } });
      const again = await post(h, key);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(await again.json(), { attempt: 1 });
      assert.deepEqual(calls, [1], 'run once: a failure that lasts is in handler.test.mjs');
    });
  });
}

cutCases('postgres', async () => {
  const pgs = await openPostgres();
  const table = `cut_${randomUUID().slice(0, 8)}`;
  const direct = postgresStore({ pool: pgs.pool, table });
  await direct.migrate();
  return {
    port: Number(new URL(pgs.url).port),
    direct,
    close: () => pgs.close(),
    through: async (port) => {
      const url = new URL(pgs.url);
      url.port = String(port);
      // One connection, so that the cut hits the statement in flight.
      const pool = new pg.Pool({ connectionString: url.href, max: 1 });
      pool.on('error', () => {});
      return { store: postgresStore({ pool, table }), close: () => pool.end() };
    },
  };
});

cutCases('redis', async () => {
  const r = await openRedis();
  const prefix = `cut:${randomUUID().slice(0, 8)}:`;
  return {
    port: Number(new URL(r.url).port),
    direct: redisStore({ client: r.client, prefix }),
    close: () => r.close(),
    through: async (port) => {
      const url = new URL(r.url);
      url.port = String(port);
      const client = createClient({ url: url.href, socket: { reconnectStrategy: () => 50 } });
      client.on('error', () => {});
      await client.connect();
      return { store: redisStore({ client, prefix }), close: async () => client.destroy() };
    },
  };
});

describe('PGlite: one process per data directory', () => {
  /** @type {string} */
  let dir;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'steadycart-pglite-lock-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs a child process that opens the store on `dataDir`: it prints `ready`,
   * or the error code, and with `hold` stays until killed.
   * @param {string} dataDir @param {boolean} hold
   */
  const child = (dataDir, hold) => {
    const code = `
      import { pgliteStore } from ${JSON.stringify(SERVER)};
      try {
        const store = await pgliteStore({ dataDir: ${JSON.stringify(dataDir)} });
        console.log('ready');
        if (${hold}) setInterval(() => {}, 1000); else await store.close();
      } catch (e) { console.log(e.code ?? e.message); process.exitCode = 3; }`;
    const p = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    const exited = new Promise((resolve) => p.on('exit', (code) => resolve({ code, out: out.trim() })));
    const ready = new Promise((resolve) => p.stdout.on('data', () => out.includes('ready') && resolve(undefined)));
    return { p, exited: /** @type {Promise<{ code: number | null, out: string }>} */ (exited), ready };
  };

  it('a second process on the same directory refuses to start with STORE_LOCKED; after close it may', async () => {
    const dataDir = join(dir, 'a');
    const store = await pgliteStore({ dataDir });
    try {
      const second = await child(dataDir, false).exited;
      assert.deepEqual(second, { code: 3, out: 'STORE_LOCKED' });
      await assert.rejects(pgliteStore({ dataDir }), { code: 'STORE_LOCKED' }, 'also a second store in this process');
    } finally {
      await store.close();
    }
    assert.deepEqual(await child(dataDir, false).exited, { code: 0, out: 'ready' });
  });

  it('a lock left by a process killed with -9 is taken over', async () => {
    // The directory of the case above: an existing database opens faster than a new one.
    const dataDir = join(dir, 'a');
    const holder = child(dataDir, true);
    await holder.ready;
    assert.deepEqual(await child(dataDir, false).exited, { code: 3, out: 'STORE_LOCKED' });
    holder.p.kill('SIGKILL');
    await holder.exited;
    const store = await pgliteStore({ dataDir });
    await store.close();
  });
});
