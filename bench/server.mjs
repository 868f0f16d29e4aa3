// 6. Server: what steadycart/server's idempotency layer costs per order, on
// PostgreSQL and on Redis, against the same merchant handler served without it.
//
// One target process (this file with --target) serves two node:http listeners
// on loopback through toNodeListener: `layer` = createCheckoutHandler({ store,
// handle }) and `bare` = the same `handle` called straight from a Fetch handler.
// `handle` is what docs/server.md asks of a merchant: one INSERT of the order
// row keyed by the idempotency key (ON CONFLICT DO NOTHING) in PostgreSQL, then
// 201 with the order id; no artificial delay. The driver (this process) sends
// ORDERS orders with fresh keys to each side at CONCURRENCY requests in
// flight, in alternating slices (bare, layer, bare, …) after a warm-up, and
// reports orders/s, p50/p99 latency and the layer/bare ratios. Benchmarks
// assert nothing: check.mjs reports the 1.3x p50 target without gating on it.
//
//   node bench/server.mjs            (or npm run bench -- --only=server)
//   STEADYCART_TEST_POSTGRES_URL / STEADYCART_TEST_REDIS_URL: use running
//   servers; otherwise throwaway ones are started (test/runner/services.mjs).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ORDERS = 2000;
export const CONCURRENCY = 50;
const WARMUP = 200;
const SLICES = 4;
const HERE = fileURLToPath(import.meta.url);

const ORDER = JSON.stringify({
  orderRef: 'bench',
  items: [{ sku: 'mug-oat', qty: 2, price: 1800 }],
  totals: { subtotal: 3600, shipping: 500, total: 4100, currency: 'EUR' },
  payment: { token: 'tok_ok' },
});

// ---------------------------------------------------------------- target process

/**
 * Serves `layer` and `bare` on two loopback ports; prints one JSON line with
 * both URLs; stops on SIGTERM.
 * @param {'postgres' | 'redis'} kind
 * @param {string} pgUrl     the merchant's database (and the store, for postgres)
 * @param {string} storeUrl  the store's URL
 */
async function target(kind, pgUrl, storeUrl) {
  const { createCheckoutHandler, postgresStore, redisStore, toNodeListener } = await import(pathToFileURL(fileURLToPath(new URL('../dist/server.mjs', import.meta.url))).href);
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: pgUrl, max: 20 });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_orders (key text PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
  /** @type {any} */
  let store;
  /** @type {{ close(): Promise<unknown> } | null} */
  let client = null;
  const version = { postgres: String((await pool.query('SHOW server_version')).rows[0].server_version), redis: /** @type {string | null} */ (null) };
  if (kind === 'postgres') {
    store = postgresStore({ pool });
    await store.migrate();
  } else {
    const { createClient } = await import('redis');
    const c = createClient({ url: storeUrl });
    await c.connect();
    client = { close: () => c.quit() };
    version.redis = /redis_version:(\S+)/.exec(await c.info('server'))?.[1] ?? null;
    store = redisStore({ client: c });
  }

  /** The merchant's handler: a unique order row on the key, as docs/server.md asks. */
  const handle = async (/** @type {any} */ order, /** @type {{ key: string }} */ { key }) => {
    const r = await pool.query('INSERT INTO bench_orders (key, body) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, order]);
    return { status: 201, body: { orderId: `ord_${key.slice(0, 8)}`, key, status: 'confirmed', created: r.rowCount === 1 } };
  };
  const layer = createCheckoutHandler({ store, handle });
  /** The same handler without the layer: parse, run, answer. */
  const bare = async (/** @type {Request} */ request) => {
    const key = request.headers.get('idempotency-key') ?? '';
    const result = await handle(JSON.parse(await request.text()), { key });
    return new Response(JSON.stringify(result.body), { status: result.status, headers: { 'Content-Type': 'application/json' } });
  };
  const listen = (/** @type {http.RequestListener} */ l) =>
    new Promise((resolve) => {
      const s = http.createServer(l);
      s.keepAliveTimeout = 60_000;
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
  const servers = /** @type {http.Server[]} */ (await Promise.all([listen(toNodeListener(layer)), listen(toNodeListener(bare))]));
  const url = (/** @type {http.Server} */ s) => `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (s.address()).port}`;
  process.stdout.write(`${JSON.stringify({ layer: url(servers[0]), bare: url(servers[1]), version })}\n`);
  process.once('SIGTERM', async () => {
    for (const s of servers) s.close(), s.closeAllConnections();
    await client?.close();
    await store.close?.();
    await pool.end();
    process.exit(0);
  });
}

// ---------------------------------------------------------------- driver

/**
 * Starts the target process for one store.
 * @param {'postgres' | 'redis'} kind
 * @param {string} pgUrl
 * @param {string} storeUrl
 * @returns {Promise<{ urls: { layer: string, bare: string, version: { postgres: string, redis: string | null } }, stop: () => Promise<void> }>}
 */
function startTarget(kind, pgUrl, storeUrl) {
  const child = spawn(process.execPath, [HERE, '--target', kind, pgUrl, storeUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench target (${kind}) did not start within 60 s`));
    }, 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      resolve({
        urls: JSON.parse(out),
        async stop() {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(t);
        },
      });
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bench target (${kind}) exited with ${code} before listening`));
    });
  });
}

/**
 * POSTs `n` orders with fresh keys at `concurrency` in flight.
 * @param {http.Agent} agent
 * @param {string} base
 * @param {number} n
 * @param {number} concurrency
 * @returns {Promise<{ latencies: number[], ms: number, statuses: Record<string, number> }>}
 */
async function load(agent, base, n, concurrency) {
  const url = new URL('/checkout', base);
  /** @type {number[]} */
  const latencies = [];
  /** @type {Record<string, number>} */
  const statuses = {};
  let next = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      const t = performance.now();
      const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID(), 'Content-Length': Buffer.byteLength(ORDER) } }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t);
          statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
          resolve(undefined);
        });
      });
      req.setTimeout(30_000, () => req.destroy(new Error('request timed out after 30 s')));
      req.on('error', reject);
      req.end(ORDER);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await one();
      }
    }),
  );
  return { latencies, ms: performance.now() - t0, statuses };
}

/** @param {number[]} sorted @param {number} p */
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

/**
 * Bare and layer on one store, taking turns.
 * @param {'postgres' | 'redis'} kind
 * @param {string} pgUrl
 * @param {string} storeUrl
 */
async function measure(kind, pgUrl, storeUrl) {
  const t = await startTarget(kind, pgUrl, storeUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    /** @type {Record<'bare' | 'layer', { latencies: number[], ms: number, statuses: Record<string, number> }>} */
    const acc = { bare: { latencies: [], ms: 0, statuses: {} }, layer: { latencies: [], ms: 0, statuses: {} } };
    for (const side of /** @type {const} */ (['bare', 'layer'])) await load(agent, t.urls[side], WARMUP, CONCURRENCY);
    for (let i = 0; i < SLICES; i++) {
      for (const side of /** @type {const} */ (['bare', 'layer'])) {
        const r = await load(agent, t.urls[side], ORDERS / SLICES, CONCURRENCY);
        acc[side].latencies.push(...r.latencies);
        acc[side].ms += r.ms;
        for (const [s, c] of Object.entries(r.statuses)) acc[side].statuses[s] = (acc[side].statuses[s] ?? 0) + c;
      }
    }
    const stats = (/** @type {typeof acc.bare} */ a) => {
      const sorted = [...a.latencies].sort((x, y) => x - y);
      return { orders: sorted.length, perSecond: sorted.length / (a.ms / 1000), p50: pct(sorted, 50), p99: pct(sorted, 99), statuses: a.statuses };
    };
    const bare = stats(acc.bare);
    const layer = stats(acc.layer);
    return {
      store: kind,
      version: kind === 'postgres' ? `PostgreSQL ${t.urls.version.postgres}` : `Redis ${t.urls.version.redis} (handler on PostgreSQL ${t.urls.version.postgres})`,
      bare,
      layer,
      ratioP50: layer.p50 / bare.p50,
      ratioP99: layer.p99 / bare.p99,
      // Per order at this concurrency: the extra wall time each order spends in the layer (p50), and the throughput cost.
      addedP50Ms: layer.p50 - bare.p50,
      addedMsPerOrder: 1000 / layer.perSecond - 1000 / bare.perSecond,
    };
  } finally {
    agent.destroy();
    await t.stop();
  }
}

/** Runs both stores; starts throwaway PostgreSQL and Redis unless the test env names running ones. */
export async function run() {
  /** @type {(() => Promise<void>)[]} */
  const stops = [];
  try {
    let pgUrl = process.env.STEADYCART_TEST_POSTGRES_URL;
    let redisUrl = process.env.STEADYCART_TEST_REDIS_URL;
    if (!pgUrl || !redisUrl) {
      const services = await import('../test/runner/services.mjs');
      if (!pgUrl) {
        const p = await services.startPostgres();
        stops.push(() => p.stop());
        pgUrl = p.url;
      }
      if (!redisUrl) {
        const r = await services.startRedis();
        stops.push(() => r.stop());
        redisUrl = r.url;
      }
    }
    const rows = [];
    rows.push(await measure('postgres', pgUrl, pgUrl));
    rows.push(await measure('redis', pgUrl, redisUrl));
    return { orders: ORDERS, concurrency: CONCURRENCY, warmup: WARMUP, slices: SLICES, rows };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }
}

const f1 = (/** @type {number} */ v) => (Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(1));

/** The markdown table of RESULTS.md. */
export function report(/** @type {Awaited<ReturnType<typeof run>>} */ data) {
  const lines = [
    `${data.orders.toLocaleString('en-US')} orders per side with fresh keys, ${data.concurrency} in flight, after ${data.warmup} warm-up orders per side; bare and layer take turns in ${data.slices} slices. ` +
      'Handler: one INSERT of the order row keyed by the idempotency key in PostgreSQL (both sides, both stores). Layer = createCheckoutHandler (reserve, handler, complete); bare = the same handler without it. Both through toNodeListener on node:http, loopback.',
    '',
    '| store | side | orders/s | p50 ms | p99 ms | statuses |',
    '|---|---|---:|---:|---:|---|',
  ];
  for (const r of data.rows) {
    for (const side of /** @type {const} */ (['bare', 'layer'])) {
      const s = r[side];
      lines.push(`| ${r.store} | ${side} | ${Math.round(s.perSecond)} | ${f1(s.p50)} | ${f1(s.p99)} | ${Object.entries(s.statuses).map(([k, v]) => `${k}×${v}`).join(' ')} |`);
    }
  }
  lines.push('', `Servers: ${data.rows.map((r) => r.version).join('; ')}.`);
  lines.push('', '| store | layer/bare p50 | layer/bare p99 | added p50 per order | added time per order (1/throughput) |', '|---|---:|---:|---:|---:|');
  for (const r of data.rows) lines.push(`| ${r.store} | ${r.ratioP50.toFixed(2)}x | ${r.ratioP99.toFixed(2)}x | ${f1(r.addedP50Ms)} ms | ${f1(r.addedMsPerOrder)} ms |`);
  return lines.join('\n');
}

if (process.argv[2] === '--target') {
  await target(/** @type {'postgres' | 'redis'} */ (process.argv[3]), /** @type {string} */ (process.argv[4]), /** @type {string} */ (process.argv[5]));
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const data = await run();
  console.log(report(data));
}
