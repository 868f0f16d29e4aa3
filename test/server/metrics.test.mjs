// @ts-check
/**
 * The server's metrics as Prometheus scrapes them. In process: a checkout
 * handler with an OpenTelemetry MeterProvider read by the Prometheus
 * exporter, on a node:http server that also answers GET /metrics, taken
 * through a scripted outage (a handler answering 503 then 201, a replay, a
 * 409, a 422, a 500 and the lease takeover after it, a store that cannot
 * reserve), then scraped; each counter's value is asserted. Then `steadycart
 * serve --metrics` as a process: the same counters at its /metrics, the
 * flag in its help, /metrics absent without it, and a clear error when the
 * optional packages are missing.
 *
 *   npm run build && node --test test/server/metrics.test.mjs
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { CLI, startServe } from '../../examples/demo-shop/lib/serve-process.mjs';
import { createCheckoutHandler, memoryStore, toNodeListener } from '../../dist/server.mjs';
import { gate } from './fixtures.mjs';
import { demoOrder, lookup, postOrder, request } from './processes.mjs';

/** @typedef {import('../../dist/server.mjs').HandlerResult} HandlerResult */

/**
 * The samples of a Prometheus text exposition: `name{labels} value` lines.
 * @param {string} text
 */
function parsePrometheus(text) {
  /** @type {{ name: string, labels: Record<string, string>, value: number }[]} */
  const samples = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    /** @type {Record<string, string>} */
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[/** @type {string} */ (l[1])] = /** @type {string} */ (l[2]);
    samples.push({ name: /** @type {string} */ (m[1]), labels, value: Number(m[3]) });
  }
  return samples;
}

/**
 * The value of the one sample named `name` whose labels include `labels`; 0 when there is none.
 * @param {ReturnType<typeof parsePrometheus>} samples
 * @param {string} name
 * @param {Record<string, string>} [labels]
 */
function value(samples, name, labels = {}) {
  const found = samples.filter((s) => s.name == name && Object.entries(labels).every(([k, v]) => s.labels[k] == v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

/** @param {string} base */
async function scrape(base) {
  const res = await request(`${base}/metrics`);
  assert.equal(res.status, 200, res.text);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  return parsePrometheus(res.text);
}

const ORDER = demoOrder('ref-metrics');
const CHANGED = demoOrder('ref-metrics-changed');

describe('metrics: a scripted outage, scraped at /metrics', () => {
  test('requests by status, replays, 409s, 422s, handler runs, a lease takeover and a store error have the values the script caused', { timeout: 60_000 }, async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    after(() => meterProvider.shutdown());

    const store = memoryStore();
    let storeDown = false;
    const flaky = { ...store, reserve: /** @type {typeof store.reserve} */ (...args) => (storeDown ? Promise.reject(new Error('connection reset')) : store.reserve(...args)) };
    /** @type {Map<string, HandlerResult[]>} scripted answers per order ref, in turn */
    const script = new Map();
    const held = gate();
    const handler = createCheckoutHandler({
      store: flaky,
      telemetry: { meterProvider },
      handle: async (/** @type {any} */ order) => {
        if (order.orderRef == 'held') {
          held.enter();
          await held.opened;
        }
        return script.get(order.orderRef)?.shift() ?? { status: 201, body: { ok: true } };
      },
    });
    const checkout = toNodeListener(handler);
    const server = http.createServer((req, res) => (req.url == '/metrics' ? exporter.getMetricsRequestHandler(req, res) : checkout(req, res)));
    await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
    after(() => new Promise((r) => server.close(() => r(undefined))));
    const base = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;

    // Before any order every attribute-less counter is there, at 0 (the health request waits for the API to load).
    assert.equal((await request(`${base}/health`)).status, 200);
    const before = await scrape(base);
    for (const name of ['replays', 'conflicts', 'key_mismatches', 'lease_takeovers']) {
      assert.equal(before.filter((s) => s.name == `steadycart_server_${name}_total`).length, 1, `${name} is exported before its first event`);
      assert.equal(value(before, `steadycart_server_${name}_total`), 0);
    }

    // The region's PSP is down: 503 (the key is released), then it recovers: 201; then a replay.
    const a = randomUUID();
    const outage = demoOrder('outage');
    script.set('outage', [{ status: 503, body: { error: 'psp_unavailable' } }]);
    assert.equal((await postOrder(base, a, outage)).status, 503);
    assert.equal((await postOrder(base, a, outage)).status, 201);
    const replay = await postOrder(base, a, outage);
    assert.equal(replay.status, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');

    // A key in progress: 409 for the same body, 422 for another.
    const b = randomUUID();
    const first = postOrder(base, b, demoOrder('held'));
    await held.entered;
    assert.equal((await postOrder(base, b, demoOrder('held'))).status, 409);
    assert.equal((await postOrder(base, b, CHANGED)).status, 422);
    held.open();
    assert.equal((await first).status, 201);

    // A 500 keeps the key; the next request takes the lease over and stores 201.
    const c = randomUUID();
    script.set('ambiguous', [{ status: 500, body: { error: 'psp_timeout' } }]);
    assert.equal((await postOrder(base, c, demoOrder('ambiguous'))).status, 500);
    assert.equal((await postOrder(base, c, demoOrder('ambiguous'))).status, 201);

    // The store cannot reserve: 503, nothing ran.
    storeDown = true;
    assert.equal((await postOrder(base, randomUUID(), ORDER)).status, 503);
    storeDown = false;

    assert.equal((await lookup(base, a)).status, 200);
    assert.equal((await lookup(base, randomUUID())).status, 404);

    // A key a lookup closed: its POST is refused, and no handler ran for it.
    const closed = randomUUID();
    assert.equal((await request(`${base}/checkout/${closed}?close=1`)).status, 404);
    const refused = await postOrder(base, closed, ORDER);
    assert.equal(refused.status, 503);
    assert.match(refused.text, /key_closed/);

    const m = await scrape(base);
    const post = { http_request_method: 'POST', http_route: '/checkout' };
    assert.equal(value(m, 'steadycart_server_requests_total', { ...post, http_response_status_code: '201' }), 4);
    assert.equal(value(m, 'steadycart_server_requests_total', { ...post, http_response_status_code: '503' }), 3);
    assert.equal(value(m, 'steadycart_server_requests_total', { ...post, http_response_status_code: '409' }), 1);
    assert.equal(value(m, 'steadycart_server_requests_total', { ...post, http_response_status_code: '422' }), 1);
    assert.equal(value(m, 'steadycart_server_requests_total', { ...post, http_response_status_code: '500' }), 1);
    const get = { http_request_method: 'GET', http_route: '/checkout/{key}' };
    assert.equal(value(m, 'steadycart_server_requests_total', { ...get, http_response_status_code: '200' }), 1);
    assert.equal(value(m, 'steadycart_server_requests_total', { ...get, http_response_status_code: '404' }), 2);
    assert.equal(value(m, 'steadycart_server_replays_total'), 1);
    assert.equal(value(m, 'steadycart_server_conflicts_total'), 1);
    assert.equal(value(m, 'steadycart_server_key_mismatches_total'), 1);
    assert.equal(value(m, 'steadycart_server_lease_takeovers_total'), 1);
    assert.equal(value(m, 'steadycart_server_store_errors_total', { steadycart_store_operation: 'reserve' }), 1);
    assert.equal(value(m, 'steadycart_server_handler_runs_total', { steadycart_outcome: 'released' }), 1);
    assert.equal(value(m, 'steadycart_server_handler_runs_total', { steadycart_outcome: 'stored' }), 3);
    assert.equal(value(m, 'steadycart_server_handler_runs_total', { steadycart_outcome: 'kept' }), 1);
    assert.equal(value(m, 'steadycart_server_handler_duration_count'), 5, 'one handler duration per run');
    assert.deepEqual(
      m.filter((s) => s.name == 'steadycart_server_handler_runs_total').map((s) => s.labels.steadycart_outcome).sort(),
      ['kept', 'released', 'stored'],
      'no handler run for the closed key',
    );
    // 5xx answers carry error.type, as HTTP semantic conventions ask.
    assert.equal(value(m, 'http_server_request_duration_count', { ...post, http_response_status_code: '500', error_type: '500' }), 1);
    assert.equal(value(m, 'http_server_request_duration_count', { ...post, http_response_status_code: '201' }), 4);
    // Nothing of a key in any label.
    const labels = m.flatMap((s) => Object.values(s.labels));
    for (const key of [a, b, c]) assert.ok(!labels.some((l) => l.includes(key)), 'no key in a label');
  });
});

describe('metrics: steadycart serve --metrics', () => {
  test('GET /metrics on the serve port: a charge, its replay, a 409, a 422 and a lookup counted', { timeout: 120_000 }, async () => {
    const server = await startServe({ store: 'memory', handlerDelayMs: 1500, metrics: true });
    after(() => server.stop());
    const key = randomUUID();
    const first = postOrder(server.url, key, ORDER);
    // The handler takes 1.5 s: once the key is reserved (its lookup says 409), the same body is 409, another 422.
    for (let i = 0; (await lookup(server.url, key)).status != 409; i++) {
      assert.ok(i < 500, 'the first request reserves the key within 10 s');
      await sleep(20);
    }
    const busy = await postOrder(server.url, key, ORDER);
    assert.equal(busy.status, 409, busy.text);
    assert.equal((await postOrder(server.url, key, CHANGED)).status, 422);
    assert.equal((await first).status, 201);
    assert.equal((await postOrder(server.url, key, ORDER)).headers['idempotent-replayed'], 'true');
    assert.equal((await lookup(server.url, key)).status, 200);
    assert.equal((await postOrder(server.url, randomUUID(), demoOrder('ref-declined', 'tok_decline'))).status, 402);

    const m = await scrape(server.url);
    const post = { http_request_method: 'POST', http_route: '/checkout' };
    assert.equal(value(m, 'steadycart_server_requests_total', { ...post, http_response_status_code: '201' }), 2);
    assert.equal(value(m, 'steadycart_server_requests_total', { ...post, http_response_status_code: '402' }), 1);
    assert.equal(value(m, 'steadycart_server_requests_total', { ...post, http_response_status_code: '409' }), 1);
    assert.equal(value(m, 'steadycart_server_requests_total', { ...post, http_response_status_code: '422' }), 1);
    assert.equal(value(m, 'steadycart_server_requests_total', { http_route: '/checkout/{key}', http_response_status_code: '200' }), 1);
    assert.ok(value(m, 'steadycart_server_requests_total', { http_route: '/checkout/{key}', http_response_status_code: '409' }) >= 1);
    assert.equal(value(m, 'steadycart_server_replays_total'), 1);
    assert.equal(value(m, 'steadycart_server_conflicts_total'), 1);
    assert.equal(value(m, 'steadycart_server_key_mismatches_total'), 1);
    assert.equal(value(m, 'steadycart_server_lease_takeovers_total'), 0);
    assert.equal(value(m, 'steadycart_server_handler_runs_total', { steadycart_outcome: 'stored' }), 2);
    assert.equal((await request(`${server.url}/metrics`, { method: 'POST', body: '{}' })).status, 405);
  });

  test('without --metrics there is no /metrics route', { timeout: 60_000 }, async () => {
    const server = await startServe({ store: 'memory' });
    after(() => server.stop());
    assert.equal((await request(`${server.url}/metrics`)).status, 404);
  });

  test('serve --help lists --metrics and the packages it needs', async () => {
    const { stdout } = await run([CLI, 'serve', '--help']);
    assert.match(stdout, /--metrics\s+serve the checkout metrics/);
    assert.match(stdout, /@opentelemetry\/exporter-prometheus/);
  });

  test('with the OpenTelemetry packages missing, --metrics exits 1 naming them, before it listens', async () => {
    // A resolver that finds no @opentelemetry/* package, as on a machine where they are not installed.
    const hooks = `export async function resolve(s, c, next) { if (s.startsWith('@opentelemetry/')) { const e = new Error('Cannot find package ' + s); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const r = await run(['--import', `data:text/javascript,${encodeURIComponent(register)}`, CLI, 'serve', '--port', '0', '--store', 'memory', '--metrics']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '', 'never listening');
    assert.match(r.stderr, /--metrics needs the optional packages @opentelemetry\/api, @opentelemetry\/sdk-metrics, @opentelemetry\/exporter-prometheus/);
    assert.match(r.stderr, /npm i @opentelemetry\/api @opentelemetry\/sdk-metrics @opentelemetry\/exporter-prometheus/);
  });
});

/**
 * @param {string[]} args
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
function run(args) {
  return new Promise((resolve) =>
    execFile(process.execPath, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    ),
  );
}
