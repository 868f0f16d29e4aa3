// @ts-check
/**
 * `steadycart check` (node dist/cli.mjs check): it passes against `serve` on
 * every store, with two regions where the store can be shared by two
 * processes (PostgreSQL, Redis); it fails against each deliberately broken
 * backend of broken-backends.mjs naming exactly the check for the rule that
 * backend breaks; and it exits 2 when it cannot run.
 *
 *   npm run build && node --test test/server/check.test.mjs
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createCheckoutHandler, memoryStore, toNodeListener } from '../../dist/server.mjs';
import { CLI, startServe } from '../../examples/demo-shop/lib/serve-process.mjs';
import { ORIGIN, VARIANTS, startVariant } from './broken-backends.mjs';
import { serviceUrl, tempDir } from './processes.mjs';

/** A check run is a few dozen requests; this bounds a stuck one on a busy machine. */
const RUN_TIMEOUT_MS = 240_000;
/** check's per-request timeout in these tests: generous, as PGlite's first queries crawl on a busy 2-core machine. */
const REQUEST_TIMEOUT_MS = '60000';
/** serve's handler holds each order this long, so that the burst (20 requests sent at once) sees the key running. */
const HANDLER_DELAY_MS = 1500;
/** PGlite's first start (its initdb) takes over a minute on a busy 2-core machine. */
const START_TIMEOUT_MS = 180_000;

/**
 * @typedef {{ name: string, ok: boolean, required: boolean, evidence: string, skipped?: boolean }} Check
 * @typedef {{ code: number | null, stdout: string, stderr: string }} Run
 */

/**
 * Runs `node dist/cli.mjs check ...args`.
 * @param {string[]} args
 * @returns {Promise<Run>}
 */
function runCheck(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'check', ...args], { timeout: RUN_TIMEOUT_MS }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `check --json` and returns the parsed checks with the exit status.
 * @param {string[]} args
 */
async function checkJson(args) {
  const run = await runCheck([...args, '--json', '--timeout-ms', REQUEST_TIMEOUT_MS]);
  /** @type {{ checks: Check[] }} */
  let parsed;
  try {
    parsed = JSON.parse(run.stdout);
  } catch {
    assert.fail(`check --json printed no JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
  const failed = parsed.checks.filter((c) => c.required && !c.ok).map((c) => c.name);
  const byName = Object.fromEntries(parsed.checks.map((c) => [c.name, c]));
  return { code: run.code, checks: parsed.checks, failed, byName, run };
}

/** @param {Check[]} checks */
const summary = (checks) => checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.evidence}`).join('\n');

/**
 * Asserts a passing run in which the burst saw the key running (so the
 * in-flight checks were exercised, not passed for want of a 409).
 * @param {Awaited<ReturnType<typeof checkJson>>} result
 * @param {{ regions: boolean }} expect
 */
function assertPasses(result, expect) {
  assert.deepEqual(result.failed, [], summary(result.checks));
  assert.equal(result.code, 0, result.run.stderr);
  for (const name of ['changed-body-422-while-running', 'lookup-while-running', 'try-later-while-running']) {
    assert.match(result.byName[name].evidence, /after a 409/, `${name} was not exercised while the key ran: ${result.byName[name].evidence}`);
  }
  // Its 422 met the key still running, as the lookup sent after it showed, and the same body again was
  // answered 409 (not try-later) while it ran: verdicts, not skips.
  for (const name of ['changed-body-422-while-running', 'try-later-while-running']) assert.ok(!result.byName[name].skipped, result.byName[name].evidence);
  for (const name of ['region-lookup', 'region-replay']) assert.equal(!result.byName[name].skipped, expect.regions, name);
  for (const name of ['cors-preflight', 'cors-headers', 'cors-tracing']) assert.ok(!result.byName[name].skipped && result.byName[name].ok, name);
}

describe('check passes against serve', { concurrency: 2 }, () => {
  /**
   * @param {string} store
   * @param {number} regions  serve processes sharing the store
   */
  async function serveRegions(store, regions) {
    const servers = [];
    for (let i = 0; i < regions; i++) {
      const s = await startServe({ store, region: `r${i}`, handlerDelayMs: HANDLER_DELAY_MS, corsOrigins: [ORIGIN], startTimeoutMs: START_TIMEOUT_MS });
      after(() => s.stop());
      servers.push(s);
    }
    return servers.map((s) => s.url);
  }

  test('memory store, one process', { timeout: 3 * 60_000 }, async () => {
    const [url] = await serveRegions('memory', 1);
    assertPasses(await checkJson([/** @type {string} */ (url), '--origin', ORIGIN]), { regions: false });
  });

  test('PGlite store, one process', { timeout: 6 * 60_000 }, async () => {
    const [url] = await serveRegions(`pglite:${join(tempDir('check-pglite'), 'data')}`, 1);
    assertPasses(await checkJson([/** @type {string} */ (url), '--origin', ORIGIN]), { regions: false });
  });

  test('PostgreSQL store, two regions', { timeout: 6 * 60_000 }, async () => {
    const [a, b] = await serveRegions(await serviceUrl('postgres'), 2);
    assertPasses(await checkJson([/** @type {string} */ (a), '--region', /** @type {string} */ (b), '--origin', ORIGIN]), { regions: true });
  });

  test('Redis store, two regions', { timeout: 6 * 60_000 }, async () => {
    const [a, b] = await serveRegions(await serviceUrl('redis'), 2);
    assertPasses(await checkJson([/** @type {string} */ (a), '--region', /** @type {string} */ (b), '--origin', ORIGIN]), { regions: true });
  });

  test('--order FILE: the merchant order is the one sent; the text report ends PASS', { timeout: 3 * 60_000 }, async () => {
    const dir = tempDir('check-order');
    const ledger = join(dir, 'ledger.jsonl');
    const server = await startServe({ store: 'memory', ledger });
    after(() => server.stop());
    const file = join(dir, 'order.json');
    writeFileSync(file, JSON.stringify({ orderRef: 'merchant-42', lines: [{ sku: 'x', qty: 2 }], payment: { token: 'tok_ok' } }));
    const run = await runCheck([server.url, '--order', file, '--timeout-ms', REQUEST_TIMEOUT_MS]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout.trim().split('\n').at(-1) ?? '', /^PASS: \d+ of \d+ required checks passed/);
    // A declining order is a stored refusal: every rule still holds, and the report says it was one.
    writeFileSync(file, JSON.stringify({ orderRef: 'merchant-43', payment: { token: 'tok_decline' } }));
    const declined = await checkJson([server.url, '--order', file]);
    assert.deepEqual(declined.failed, [], summary(declined.checks));
    assert.match(declined.byName['order-answered'].evidence, /^POST with key \S+: 402 .*a refusal/);
  });
});

// Two backends at once: a check run mostly waits (on the backends' delays and its own timeouts): one after
// another this file took 122 s alone, with 35 s of CPU. Each backend has its own ports and state, but all
// run in this process: with four at once, a burst's POSTs were not yet read 50 ms in, and a lookup then
// answered 404 (which check counts against the backend).
describe('check fails against a broken backend, naming the broken rule', { concurrency: 2 }, () => {
  for (const [name, spec] of Object.entries(VARIANTS)) {
    const label = spec.fails.length
      ? `${name}: fails ${spec.fails.join(', ')} and nothing else${spec.mayFail ? ` (but maybe ${spec.mayFail.join(', ')})` : ''}`
      : spec.warns
        ? `${name}: passes, with the advisory ${spec.warns.join(', ')} failed`
        : `${name}: passes (the control)`;
    test(label, { timeout: 3 * 60_000 }, async (t) => {
      const variant = await startVariant(/** @type {keyof typeof VARIANTS} */ (name));
      after(() => variant.close());
      const [url, ...regions] = variant.urls;
      const result = await checkJson([/** @type {string} */ (url), ...regions.flatMap((r) => ['--region', r]), '--origin', ORIGIN, ...(spec.args ?? [])]);
      const mayFail = spec.mayFail ?? [];
      // On a busy machine the key may finish before check meets it running: such a check has no verdict, which is not a pass.
      const unverified = (spec.unverified ?? []).filter((check) => result.byName[check].skipped);
      if (unverified.length) t.diagnostic(`not verified in this run: ${unverified.map((check) => `${check} (${result.byName[check].evidence})`).join('; ')}`);
      assert.deepEqual([...result.failed.filter((f) => !mayFail.includes(f) || spec.fails.includes(f)), ...unverified].sort(), [...spec.fails].sort(), summary(result.checks));
      assert.equal(result.code, spec.fails.length ? 1 : 0);
      const warns = spec.warns ?? [];
      for (const advisory of new Set(['cors-tracing', 'health', ...warns])) assert.equal(result.byName[advisory].ok, !warns.includes(advisory), result.byName[advisory].evidence);
      for (const check of spec.skips ?? []) assert.equal(result.byName[check].skipped, true, `${check} should have no verdict: ${result.byName[check].evidence}`);
      for (const [check, evidence] of Object.entries(spec.evidence ?? {})) assert.match(result.byName[check].evidence, evidence, check);
      if (spec.delayMs && spec.holds !== false && spec.meetsRunning !== false) {
        // The probes met the key still running (the backend holds it until its lookup is answered; lookup-200-running answers that 200).
        assert.match(result.byName['lookup-while-running'].evidence, /^lookup after a 409 for the key: (409|404|200) /, result.byName['lookup-while-running'].evidence);
      }
    });
  }
});

describe('check reads at most 1 MiB of an answer', () => {
  test('a backend that answers every request with a 4 MiB body is cut and reported, not read whole', { timeout: 2 * 60_000 }, async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(201, { 'Content-Type': 'application/json' });
      // 64 writes of 64 KiB: bounded, and four times the cap.
      let left = 64;
      const more = () => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('error', () => {});
      more();
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
    after(() => new Promise((r) => (server.closeAllConnections(), server.close(r))));
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    // Its first request (a lookup that it is reachable) gets no answer it can read: it cannot run.
    const run = await runCheck([`http://127.0.0.1:${port}`, '--json']);
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /^steadycart: .*a body of more than 1 MiB, cut\n$/);
  });
});

describe('check --header and --lookup-path: a backend that wants a token and looks orders up elsewhere', () => {
  const TOKEN = 'Bearer check-token';
  /**
   * A conforming backend answering 401 to any request but a preflight without
   * `Authorization: Bearer check-token`, with lookups at /orders/by-key/{key}.
   * `allowsAuthorization`: its preflights allow the Authorization header.
   * @param {boolean} allowsAuthorization
   */
  async function tokenBackend(allowsAuthorization) {
    const cors = { origins: [ORIGIN], ...(allowsAuthorization ? { allowHeaders: ['Authorization'] } : {}) };
    const inner = createCheckoutHandler({ store: memoryStore(), cors, handle: async (_order, { key }) => ({ status: 201, body: { key } }) });
    /** @type {{ method: string, path: string, authorization: string | null, requested: string | null }[]} */
    const seen = [];
    /** @param {Request} request */
    const handler = async (request) => {
      const url = new URL(request.url);
      seen.push({ method: request.method, path: url.pathname, authorization: request.headers.get('authorization'), requested: request.headers.get('access-control-request-headers') });
      if (request.method !== 'OPTIONS' && request.headers.get('authorization') !== TOKEN) {
        return Response.json({ error: 'unauthorized' }, { status: 401, headers: { 'Access-Control-Allow-Origin': ORIGIN, 'Access-Control-Expose-Headers': 'Retry-After' } });
      }
      const byKey = /^\/orders\/by-key\/([^/]+)$/.exec(url.pathname);
      // The lookup route answers its preflights too (the SDK's lookups carry the header); its query (close=1) goes along.
      if (byKey) return inner(new Request(new URL(`/checkout/${byKey[1]}${url.search}`, url), { method: request.method, headers: request.headers }));
      if (url.pathname.startsWith('/checkout/')) return Response.json({ error: 'not_here' }, { status: 400 });
      return inner(request);
    };
    const server = http.createServer(toNodeListener(handler));
    await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
    after(() => new Promise((r) => (server.closeAllConnections(), server.close(r))));
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    return { url: `http://127.0.0.1:${port}`, seen };
  }
  const flags = ['--header', `Authorization: ${TOKEN}`, '--lookup-path', '/orders/by-key/{key}', '--origin', ORIGIN];

  test('passes with both; every request but the preflights and one repeat carried the header, which the preflights named', { timeout: 3 * 60_000 }, async () => {
    const backend = await tokenBackend(true);
    const result = await checkJson([backend.url, ...flags]);
    assert.deepEqual(result.failed, [], summary(result.checks));
    assert.equal(result.code, 0);
    const preflights = backend.seen.filter((r) => r.method === 'OPTIONS');
    const others = backend.seen.filter((r) => r.method !== 'OPTIONS');
    assert.ok(preflights.length > 0 && preflights.every((r) => r.authorization === null && /\bauthorization\b/.test(r.requested ?? '')), JSON.stringify(preflights));
    // The one without: replay-without-headers' repeat of the first order, which this backend's session check
    // refuses (401) before its store: the advisory fails.
    const bare = others.filter((r) => r.authorization !== TOKEN);
    assert.deepEqual(bare.map((r) => [r.method, r.path, r.authorization]), [['POST', '/checkout', null]]);
    assert.equal(result.byName['replay-without-headers'].ok, false);
    assert.match(result.byName['replay-without-headers'].evidence, /^repeat without authorization answered 401 /);
    assert.ok(others.some((r) => r.path.startsWith('/orders/by-key/')) && !others.some((r) => r.path.startsWith('/checkout/')), 'lookups on the --lookup-path');
    assert.match(result.byName['cors-preflight'].evidence, /allowed content-type, idempotency-key, steadycart-attempt, authorization .*and authorization for a GET at their lookup routes$/);
    assert.ok(preflights.some((r) => r.path.startsWith('/orders/by-key/')), 'the lookup route was preflighted');
  });

  test('a backend that answers preflights only on its checkout route fails cors-preflight, naming the lookup route', { timeout: 3 * 60_000 }, async () => {
    const inner = createCheckoutHandler({ store: memoryStore(), cors: { origins: [ORIGIN], allowHeaders: ['Authorization'] }, handle: async (_order, { key }) => ({ status: 201, body: { key } }) });
    // A framework's bare 404 to OPTIONS on any other route, without CORS headers.
    const handler = async (/** @type {Request} */ request) =>
      request.method === 'OPTIONS' && new URL(request.url).pathname !== '/checkout' ? new Response('Not Found', { status: 404 }) : inner(request);
    const server = http.createServer(toNodeListener(handler));
    await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
    after(() => new Promise((r) => (server.closeAllConnections(), server.close(r))));
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    const result = await checkJson([`http://127.0.0.1:${port}`, '--header', `Authorization: ${TOKEN}`, '--origin', ORIGIN]);
    assert.deepEqual(result.failed, ['cors-preflight'], summary(result.checks));
    assert.match(result.byName['cors-preflight'].evidence, /^OPTIONS http:\/\/127\.0\.0\.1:\d+\/checkout\/\S+ \(the lookup route, for a GET\) from \S+: answered 404, not 2xx$/);
  });

  test('a preflight that does not allow the header fails cors-preflight, naming it', { timeout: 3 * 60_000 }, async () => {
    const backend = await tokenBackend(false);
    const result = await checkJson([backend.url, ...flags]);
    assert.deepEqual(result.failed, ['cors-preflight'], summary(result.checks));
    assert.match(result.byName['cors-preflight'].evidence, /Access-Control-Allow-Headers lacks authorization/);
  });

  test('without --header, the backend\'s 401s fail the run', { timeout: 3 * 60_000 }, async () => {
    const backend = await tokenBackend(true);
    const result = await checkJson([backend.url, '--lookup-path', '/orders/by-key/{key}']);
    assert.equal(result.code, 1);
    assert.ok(result.failed.includes('lookup-unknown-404'), summary(result.checks));
  });

  test('malformed values are usage errors: no colon, a header of the SDK\'s own, Origin, a template without {key} or with two', async () => {
    const bad = [
      ['--header', 'Authorization'],
      ['--header', 'Idempotency-Key: k'],
      ['--header', 'Origin: http://x.localhost'],
      ['--lookup-path', '/orders/by-key'],
      ['--lookup-path', '/orders/{key}/{key}'],
      ['--lookup-path', 'orders/{key}'],
    ];
    for (const args of bad) {
      const run = await runCheck(['http://127.0.0.1:9', ...args]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, /^steadycart: --(header|lookup-path)/, args.join(' '));
    }
  });
});

describe('check --checkout-path and --health-path: a backend under a prefix', () => {
  test('passes against routes under /api, and sends nothing to the default paths', { timeout: 3 * 60_000 }, async () => {
    const inner = createCheckoutHandler({ store: memoryStore(), prefix: '/api', cors: { origins: [ORIGIN] }, handle: async (_order, { key }) => ({ status: 201, body: { key } }) });
    /** @type {string[]} */
    const paths = [];
    const server = http.createServer(
      toNodeListener(async (/** @type {Request} */ request) => {
        paths.push(new URL(request.url).pathname);
        return inner(request);
      }),
    );
    await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
    after(() => new Promise((r) => (server.closeAllConnections(), server.close(r))));
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    const result = await checkJson([`http://127.0.0.1:${port}`, '--checkout-path', '/api/checkout', '--health-path', '/api/health', '--origin', ORIGIN]);
    assert.deepEqual(result.failed, [], summary(result.checks));
    assert.equal(result.code, 0);
    assert.ok(paths.includes('/api/checkout') && paths.includes('/api/health'), JSON.stringify([...new Set(paths)]));
    assert.ok(paths.some((p) => p.startsWith('/api/checkout/')), 'lookups under the checkout path');
    assert.deepEqual(paths.filter((p) => !p.startsWith('/api/')), [], 'nothing to the default paths');
  });
});

describe('check lookup-closes-key: the closed key\'s 503 {"error":"key_closed"} ends it at once', () => {
  test('the closed key\'s POST is not sent again once answered key_closed; a 429 before that still is', { timeout: 3 * 60_000 }, async () => {
    const inner = createCheckoutHandler({ store: memoryStore(), cors: { origins: [ORIGIN] }, handle: async (_order, { key }) => ({ status: 201, body: { key } }) });
    /** @type {Set<string>} keys a lookup with close=1 closed (answered 404: check also sends it for keys it placed) */
    const closed = new Set();
    /** @type {Map<string, number[]>} each closed key's POSTs, by the status answered */
    const posts = new Map();
    const handler = async (/** @type {Request} */ request) => {
      const url = new URL(request.url);
      if (request.method === 'GET' && url.searchParams.get('close') === '1') {
        const answer = await inner(request);
        if (answer.status === 404) closed.add(decodeURIComponent(url.pathname.slice('/checkout/'.length)));
        return answer;
      }
      const key = request.method === 'POST' ? request.headers.get('idempotency-key') : null;
      if (key === null || !closed.has(key)) return inner(request);
      const seen = posts.get(key) ?? [];
      posts.set(key, seen);
      // A limiter sheds the closed key's first POST (not processed): check sends it again, as the SDK would.
      if (seen.length === 0) {
        seen.push(429);
        return Response.json({ error: 'rate_limited' }, { status: 429, headers: { 'Access-Control-Allow-Origin': ORIGIN, 'Access-Control-Expose-Headers': 'Retry-After' } });
      }
      const answer = await inner(request);
      seen.push(answer.status);
      return answer;
    };
    const server = http.createServer(toNodeListener(handler));
    await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
    after(() => new Promise((r) => (server.closeAllConnections(), server.close(r))));
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    const result = await checkJson([`http://127.0.0.1:${port}`, '--origin', ORIGIN]);
    assert.deepEqual(result.failed, [], summary(result.checks));
    assert.equal(closed.size, 1, JSON.stringify([...closed]));
    // The 429, then the 503 key_closed, and nothing more: the closed key's answer is final.
    assert.deepEqual([...posts.values()], [[429, 503]], result.byName['lookup-closes-key'].evidence);
  });
});

describe('check names the likely cause of a first order refused 404 or 405', () => {
  test('a URL that is the checkout URL, not the base URL: the hint names the base URL and --checkout-path, not --order', { timeout: 3 * 60_000 }, async () => {
    const variant = await startVariant('correct');
    after(() => variant.close());
    const checkoutUrl = `${variant.urls[0]}/checkout`;
    const result = await checkJson([checkoutUrl]);
    const evidence = result.byName['order-answered'].evidence;
    assert.match(evidence, /: 40[45] .*no checkout route at \S+\/checkout\/checkout\? URL must be the backend's base URL.*--checkout-path/, evidence);
    assert.doesNotMatch(evidence, /--order/, evidence);
  });
});

describe('check exits 2 when it cannot run', () => {
  test('a port fetch refuses (the Fetch standard\'s blocked ports, 6000 among them): the message says so', async () => {
    const run = await runCheck(['http://127.0.0.1:6000', '--json']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /127\.0\.0\.1:6000.*bad port: port 6000 is on the Fetch standard's list of blocked ports.*another port/);
  });

  test('an unreachable URL', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = http.createServer();
    await new Promise((r) => probe.listen(0, '127.0.0.1', () => r(undefined)));
    const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
    await new Promise((r) => probe.close(r));
    const run = await runCheck([`http://127.0.0.1:${port}`, '--json']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
  });

  test('bad flags, a bad URL (a bare ? or # too: requests would go elsewhere), a region that is the URL or given twice, no URL, an unreadable order file', async () => {
    for (const args of [['http://127.0.0.1:9/pay?'], ['http://127.0.0.1:9/pay#'], ['http://127.0.0.1:9', '--region', 'http://127.0.0.1:9/?'], ['https://shop:s3cret@staging.example.com']]) {
      const run = await runCheck(args);
      assert.equal(run.code, 2, `check ${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, /must not carry credentials, a query or a fragment/, args.join(' '));
      // Quoted with its password masked: never printed to a terminal or a CI log.
      assert.ok(!run.stderr.includes('s3cret'), run.stderr);
    }
    // A region that is the URL itself (trailing slash, host case and default port aside) or is given twice: the region checks would prove nothing.
    for (const args of [
      ['http://127.0.0.1:9', '--region', 'http://127.0.0.1:9/'],
      ['https://Pay.example.com', '--region', 'https://pay.example.com:443'],
      ['http://127.0.0.1:9', '--region', 'http://127.0.0.1:8', '--region', 'http://127.0.0.1:8//'],
    ]) {
      const run = await runCheck(args);
      assert.equal(run.code, 2, `check ${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, /^steadycart: --region \S+ is (the URL under test|given twice)/, args.join(' '));
    }
    // Plain http: off loopback: no page of the shop could use it, and orders and --header values would go in clear text.
    for (const args of [['http://staging.example.com'], ['http://127.0.0.2:9'], ['https://pay.example.com', '--region', 'http://eu.pay.example.com']]) {
      const run = await runCheck(args);
      assert.equal(run.code, 2, `check ${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, /must be https: \(http: only on localhost, 127\.0\.0\.1 or \[::1\]/, args.join(' '));
    }
    for (const args of [['http://127.0.0.1:9', '--no-such-flag'], ['ftp://example.com'], [], ['http://127.0.0.1:9', '--order', join(tempDir('check-no-order'), 'missing.json')]]) {
      const run = await runCheck(args);
      assert.equal(run.code, 2, `check ${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, /^steadycart: /, args.join(' '));
    }
  });
});
