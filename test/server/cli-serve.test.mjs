// @ts-check
/**
 * `steadycart serve` as a process (node dist/cli.mjs serve): the one
 * `listening on` line with `--port 0`, the demo PSP and its ledger lines
 * (a charge, a replay that runs nothing, declines, a key the PSP has seen
 * before after a crash), its tables created by two processes at once,
 * SIGTERM finishing a request in flight, SIGINT during PGlite's first start,
 * and the flags' errors.
 *
 *   npm run build && node --test test/server/cli-serve.test.mjs
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { CLI, readLedger, startServe } from '../../examples/demo-shop/lib/serve-process.mjs';
import { tcpProxy } from './tcp-proxy.mjs';
import { demoOrder, lookup, postOrder, request, serviceUrl, tempDir } from './processes.mjs';

/** Polls for a condition, bounded (events over sleeps; a busy machine gets a generous margin). */
async function until(/** @type {() => Promise<boolean> | boolean} */ ok, /** @type {string} */ what, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Runs the command to its end.
 * @param {string[]} args
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
function runCli(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

describe('serve: the listening line and --port 0', () => {
  test('prints exactly one line, "listening on http://127.0.0.1:PORT", with a real port, and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', 'memory'], { stdio: ['ignore', 'pipe', 'pipe'] });
    after(() => child.kill('SIGKILL'));
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    await until(() => stdout.includes('\n'), 'the listening line');
    const m = /^listening on http:\/\/127\.0\.0\.1:(\d+)\n$/.exec(stdout);
    assert.ok(m, `stdout: ${JSON.stringify(stdout)}`);
    const port = Number(m[1]);
    assert.ok(port > 0 && port < 65_536);
    // Ready means ready: the store answers right away.
    const health = await request(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200, health.text);
    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
    assert.equal(stdout, m[0], 'nothing else on standard output');
  });

  test('two processes with --port 0 get two ports', { timeout: 60_000 }, async () => {
    const [a, b] = await Promise.all([startServe({ store: 'memory' }), startServe({ store: 'memory' })]);
    after(() => Promise.all([a.stop(), b.stop()]));
    assert.notEqual(a.port, b.port);
  });
});

describe('serve: the demo PSP and the ledger', () => {
  test('tok_ok charges once: a ledger line {key, attempt 1, region, charged true}; the replay runs nothing', { timeout: 60_000 }, async () => {
    const ledger = join(tempDir('serve-ledger'), 'ledger.jsonl');
    const server = await startServe({ store: 'memory', region: 'eu', ledger });
    after(() => server.stop());
    const key = randomUUID();
    const body = demoOrder('ref-1');
    const first = await postOrder(server.url, key, body);
    assert.equal(first.status, 201, first.text);
    const order = JSON.parse(first.text);
    assert.equal(order.key, key);
    assert.equal(order.status, 'confirmed');
    assert.match(order.orderId, /^ord_/);
    assert.deepEqual(readLedger(ledger), [{ key, attempt: 1, region: 'eu', charged: true }]);
    const again = await postOrder(server.url, key, body);
    assert.equal(again.status, 201);
    assert.equal(again.text, first.text);
    assert.equal(readLedger(ledger).length, 1, 'a replay runs no handler');
  });

  test('tok_decline and any other token answer 402 {error: card_declined}; their ledger lines say charged false', { timeout: 60_000 }, async () => {
    const ledger = join(tempDir('serve-decline'), 'ledger.jsonl');
    const server = await startServe({ store: 'memory', region: 'us', ledger });
    after(() => server.stop());
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    const tokens = ['tok_decline', 'tok_demo_abc123', ''];
    for (const [i, key] of keys.entries()) {
      const answer = await postOrder(server.url, key, demoOrder(`ref-${i}`, tokens[i]));
      assert.equal(answer.status, 402, `token ${JSON.stringify(tokens[i])}: ${answer.text}`);
      assert.equal(JSON.parse(answer.text).error, 'card_declined');
    }
    assert.deepEqual(
      readLedger(ledger),
      keys.map((key) => ({ key, attempt: 1, region: 'us', charged: false })),
    );
  });

  test('the PSP\'s records are out of reach of client keys: psp:KEY of a charged KEY looks up 404 and places an order of its own', { timeout: 60_000 }, async () => {
    const ledger = join(tempDir('serve-psp-keys'), 'ledger.jsonl');
    const server = await startServe({ store: 'memory', ledger });
    after(() => server.stop());
    const key = randomUUID();
    assert.equal((await postOrder(server.url, key, demoOrder('ref-charged'))).status, 201);
    const lookalike = `psp:${key}`;
    const found = await lookup(server.url, lookalike);
    assert.equal(found.status, 404, `no client used ${lookalike}: ${found.status} ${found.text}`);
    const placed = await postOrder(server.url, lookalike, demoOrder('ref-lookalike'));
    assert.equal(placed.status, 201, placed.text);
    assert.equal(JSON.parse(placed.text).key, lookalike);
    assert.deepEqual(readLedger(ledger).map((line) => [line.key, line.charged]), [[key, true], [lookalike, true]]);
  });

  test('a key the PSP saw before is not charged again: crash after the charge, restart, retry: charged true then false', { timeout: 8 * 60_000 }, async () => {
    const dir = tempDir('serve-psp');
    const store = `pglite:${join(dir, 'data')}`;
    const ledger = join(dir, 'ledger.jsonl');
    const key = randomUUID();
    const body = demoOrder('ref-psp');
    // PGlite's first start (its initdb) takes over a minute on a busy 2-core machine.
    const victim = await startServe({ store, region: 'a', ledger, leaseMs: 1000, env: { STEADYCART_CRASH_AT: 'charged' }, startTimeoutMs: 180_000 });
    after(() => victim.kill());
    await assert.rejects(postOrder(victim.url, key, body), 'the process dies before answering');
    assert.equal((await victim.exited).signal, 'SIGKILL');
    assert.deepEqual(readLedger(ledger), [{ key, attempt: 1, region: 'a', charged: true }]);

    const server = await startServe({ store, region: 'b', ledger, leaseMs: 1000, startTimeoutMs: 180_000 });
    after(() => server.stop());
    /** @type {{ status: number, text: string } | null} */
    let answer = null;
    await until(async () => (answer = await postOrder(server.url, key, body)).status !== 409, 'the dead owner\'s lease to end', 60_000);
    const done = /** @type {{ status: number, text: string }} */ (/** @type {unknown} */ (answer));
    assert.equal(done.status, 201, done.text);
    assert.deepEqual(readLedger(ledger), [
      { key, attempt: 1, region: 'a', charged: true },
      { key, attempt: 2, region: 'b', charged: false },
    ]);
    // The same order id as the first run would have answered: one order row per key.
    assert.equal(JSON.parse(done.text).key, key);
    const found = await lookup(server.url, key);
    assert.equal(found.status, 200);
    assert.equal(found.text, `{"status":201,"body":${done.text}}`);
  });
});

describe('serve: its own tables', () => {
  test('two processes starting at once on an empty PostgreSQL database both get ready and share the key', { timeout: 3 * 60_000 }, async () => {
    const base = await serviceUrl('postgres');
    const database = `serve_${randomUUID().replaceAll('-', '')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(base);
    url.pathname = `/${database}`;
    /** @type {Awaited<ReturnType<typeof startServe>>[]} */
    let servers = [];
    try {
      servers = await Promise.all(['a', 'b'].map((region) => startServe({ store: url.href, region })));
      const [a, b] = /** @type {[Awaited<ReturnType<typeof startServe>>, Awaited<ReturnType<typeof startServe>>]} */ (servers);
      const key = randomUUID();
      const placed = await postOrder(a.url, key, demoOrder('ref-tables'));
      assert.equal(placed.status, 201, placed.text);
      const found = await lookup(b.url, key);
      assert.equal(found.text, `{"status":201,"body":${placed.text}}`);
    } finally {
      // Before the throwaway server goes (its stop hook was registered first).
      await Promise.all(servers.map((s) => s.stop()));
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });
});

describe('serve: SIGTERM', () => {
  /** A server whose handler takes 1.5 s, writing `ledger.jsonl` in a fresh folder, and a fresh key. */
  async function slowServer(/** @type {string} */ folder) {
    const ledger = join(tempDir(folder), 'ledger.jsonl');
    const server = await startServe({ store: 'memory', ledger, handlerDelayMs: 1500 });
    after(() => server.kill());
    return { ledger, server, key: randomUUID() };
  }

  test('finishes the request in flight, writes its ledger line, then exits 0 and refuses connections', { timeout: 60_000 }, async () => {
    const { ledger, server, key } = await slowServer('serve-term');
    const placing = postOrder(server.url, key, demoOrder('ref-term'));
    // In flight: the key is reserved and the handler holds it.
    await until(async () => (await lookup(server.url, key)).status === 409, 'the order to be running');
    const stopped = server.stop();
    const answer = await placing;
    assert.equal(answer.status, 201, answer.text);
    assert.deepEqual(await stopped, { code: 0, signal: null });
    assert.deepEqual(readLedger(ledger), [{ key, attempt: 1, region: 'local', charged: true }]);
    await assert.rejects(request(`${server.url}/health`), /ECONNREFUSED/);
  });

  test('SIGINT twice (Ctrl-C pressed again, or forwarded by npm as well): the request in flight still finishes, then exit 0', { timeout: 60_000 }, async () => {
    const { ledger, server, key } = await slowServer('serve-int-twice');
    const placing = postOrder(server.url, key, demoOrder('ref-int-twice'));
    await until(async () => (await lookup(server.url, key)).status === 409, 'the order to be running');
    process.kill(server.pid, 'SIGINT');
    await until(() => /SIGINT, finishing requests in flight/.test(server.stderr()), 'the first SIGINT to be taken');
    // Before, the first SIGINT's listener was the only one: the second killed the process mid-order.
    process.kill(server.pid, 'SIGINT');
    const answer = await placing;
    assert.equal(answer.status, 201, answer.text);
    assert.deepEqual(await server.exited, { code: 0, signal: null });
    assert.deepEqual(readLedger(ledger), [{ key, attempt: 1, region: 'local', charged: true }]);
    assert.match(server.stderr(), /SIGINT again: already stopping/);
  });

  test('a request whose client disconnected still finishes and writes its ledger line before the process exits', { timeout: 60_000 }, async () => {
    const { ledger, server, key } = await slowServer('serve-term-gone');
    // The client waits 300 ms (an SDK attempt's timeout) and hangs up: the handler runs on.
    const placing = postOrder(server.url, key, demoOrder('ref-gone'), undefined, 300);
    await assert.rejects(placing, /no answer/);
    await until(async () => (await lookup(server.url, key)).status === 409, 'the order to be running');
    // No connection is open now: only the handler in flight may keep the process.
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
    assert.deepEqual(readLedger(ledger), [{ key, attempt: 1, region: 'local', charged: true }]);
  });
});

describe('serve: a signal during start-up', () => {
  test('SIGINT while PGlite writes a new data directory: exit 0 once it is open, and the directory opens again', { timeout: 8 * 60_000 }, async () => {
    const dataDir = join(tempDir('serve-sigint-start'), 'data');
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', `pglite:${dataDir}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    after(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    /** @type {Promise<{ code: number | null, signal: string | null }>} */
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    // PG_VERSION is among initdb's first files: the directory is being written, the store not open.
    await until(() => existsSync(join(dataDir, 'PG_VERSION')), 'PGlite to start writing its data directory', 180_000);
    assert.equal(stdout, '', 'not ready yet: the signal comes during start-up');
    child.kill('SIGINT');
    // The first start (initdb) takes over a minute on a busy 2-core machine.
    const ended = await Promise.race([exited, sleep(180_000, 'timed out', { ref: false })]);
    assert.deepEqual(ended, { code: 0, signal: null }, stderr);
    assert.equal(stdout, '', 'it stopped before listening');
    const again = await startServe({ store: `pglite:${dataDir}`, startTimeoutMs: 180_000 });
    after(() => again.kill());
    assert.match(again.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await again.stop(), { code: 0, signal: null });
  });
});

describe('serve: Redis goes away', () => {
  test('orders and /health answer 503 at once (not hang) while Redis is unreachable, and SIGTERM still exits 0 promptly', { timeout: 90_000 }, async () => {
    const redis = new URL(await serviceUrl('redis'));
    const proxy = await tcpProxy(Number(redis.port));
    after(() => proxy.close());
    const server = await startServe({ store: `redis://127.0.0.1:${proxy.port}` });
    after(() => server.kill());
    assert.equal((await postOrder(server.url, randomUUID(), demoOrder('ref-up'))).status, 201);
    // Redis unreachable: connections cut, new ones refused.
    await proxy.close();
    const answer = await postOrder(server.url, randomUUID(), demoOrder('ref-down'), undefined, 5000);
    assert.equal(answer.status, 503, answer.text);
    assert.equal(JSON.parse(answer.text).error, 'store_unavailable');
    assert.equal((await request(`${server.url}/health`, { timeoutMs: 5000 })).status, 503);
    const started = Date.now();
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
    assert.ok(Date.now() - started < 10_000, 'exited within the stop grace');
  });
});

describe('serve: a Redis that may forget keys', () => {
  test('is named on standard error at start (appendonly no, an eviction policy); one set as docs/server.md asks says nothing', { timeout: 90_000 }, async () => {
    // A Redis of its own: its settings are changed here.
    const { startRedis } = await import('../runner/services.mjs');
    const redis = await startRedis();
    after(() => redis.stop());
    const { createClient } = await import('redis');
    const client = createClient({ url: redis.url });
    client.on('error', () => {});
    await client.connect();
    after(() => client.destroy());
    const safe = await startServe({ store: redis.url });
    after(() => safe.kill());
    assert.deepEqual(await safe.stop(), { code: 0, signal: null });
    assert.doesNotMatch(safe.stderr(), /warning/);
    await client.configSet({ appendonly: 'no', 'maxmemory-policy': 'allkeys-lru' });
    const forgetful = await startServe({ store: redis.url });
    after(() => forgetful.kill());
    assert.deepEqual(await forgetful.stop(), { code: 0, signal: null });
    // Before, it started without a word, and a restart of that Redis could charge its orders again.
    assert.match(forgetful.stderr(), /warning: Redis has appendonly no/);
    assert.match(forgetful.stderr(), /warning: Redis has maxmemory-policy allkeys-lru/);
  });
});

describe('serve: flags', () => {
  test('--help lists every flag and exits 0', async () => {
    const run = await runCli(['serve', '--help']);
    assert.equal(run.code, 0);
    for (const flag of ['--port', '--host', '--store', '--region', '--cors-origin', '--handler-delay-ms', '--ledger', '--lease-ms']) {
      assert.ok(run.stdout.includes(flag), `${flag} in the help`);
    }
  });

  test('an unknown flag, a bad port, a bad store, a stray argument, an unwritable ledger: exit 2 with one message', async () => {
    const noDir = join(tempDir('serve-flags'), 'missing', 'ledger.jsonl');
    for (const args of [['--bogus'], ['--port', 'x'], ['--port', '70000'], ['--store', 'mysql://x'], ['extra'], ['--cors-origin', 'not a url'], ['--store', 'memory', '--ledger', noDir]]) {
      const run = await runCli(['serve', ...args]);
      assert.equal(run.code, 2, `serve ${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^steadycart: .+\n$/, `serve ${args.join(' ')}`);
      assert.equal(run.stdout, '');
    }
  });

  test('a mistyped store URL with a password (postgress://, ?password=): exit 2, the message quotes it with the password masked', async () => {
    for (const spec of ['postgress://shop:s3cret@db.internal:5432/shop', 'mysql://db.internal/shop?password=s3cret&ssl=1']) {
      const run = await runCli(['serve', '--store', spec]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /--store must be memory/);
      assert.ok(!run.stderr.includes('s3cret'), run.stderr);
      assert.match(run.stderr, /\*\*\*/);
    }
  });

  test('a store URL the URL parser refuses (an unencoded / in the password): exit 1 naming the store kind, the password never printed', { timeout: 60_000 }, async () => {
    const run = await runCli(['serve', '--store', 'postgres://u:pa/ss@127.0.0.1:9/db']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^steadycart: cannot open the store postgres:\/\/…: /);
    assert.ok(!run.stderr.includes('pa/ss'), run.stderr);
  });

  test('a password in the store URL\'s query (?password=, ?sslpassword=) is never printed: exit 1, the parameters masked', { timeout: 60_000 }, async () => {
    // A port that was free a moment ago: the connection is refused.
    const probe = net.createServer();
    await new Promise((r) => probe.listen(0, '127.0.0.1', () => r(undefined)));
    const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
    await new Promise((r) => probe.close(() => r(undefined)));
    const run = await runCli(['serve', '--port', '0', '--store', `postgres://u@127.0.0.1:${port}/db?password=s3cret&sslPassword=s3cret2&application_name=shop`]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^steadycart: cannot open the store postgres:\/\/u@127\.0\.0\.1:\d+\/db\?password=\*\*\*&sslPassword=\*\*\*&application_name=shop: /);
    assert.ok(!run.stderr.includes('s3cret'), run.stderr);
  });

  test('a PostgreSQL host that accepts connections and never answers: exit 1 naming the store, in the 10 s connect timeout, not minutes later', { timeout: 60_000 }, async () => {
    /** @type {import('node:net').Socket[]} */
    const held = [];
    const silent = net.createServer((socket) => held.push(socket));
    await new Promise((r) => silent.listen(0, '127.0.0.1', () => r(undefined)));
    try {
      const { port } = /** @type {import('node:net').AddressInfo} */ (silent.address());
      // runCli stops the command after 30 s: a serve without the timeout would still be waiting.
      const run = await runCli(['serve', '--port', '0', '--store', `postgres://u@127.0.0.1:${port}/db`]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^steadycart: cannot open the store postgres:\/\/u@127\.0\.0\.1:\d+\/db: .*timeout/i);
      assert.equal(run.stdout, '');
      assert.ok(held.length > 0, 'serve connected to the silent host');
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(() => r(undefined)));
    }
  });

  test('--version, -v and version print the package version and exit 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    for (const flag of ['--version', '-v', 'version']) {
      const run = await runCli([flag]);
      assert.equal(run.code, 0, `${flag}: ${run.stderr}`);
      assert.equal(run.stdout, `${version}\n`, flag);
    }
  });

  test('a command name that is an object property (toString, constructor) is an unknown command: exit 2', async () => {
    for (const args of [['toString', '--help'], ['constructor', '-h']]) {
      const run = await runCli(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, /unknown command/);
    }
    const help = await runCli(['help', 'constructor']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /serve/);
    assert.ok(!help.stdout.includes('native code'), help.stdout);
  });

  test('a port already taken: exit 1, nothing on standard output', { timeout: 60_000 }, async () => {
    const first = await startServe({ store: 'memory' });
    after(() => first.stop());
    const run = await runCli(['serve', '--store', 'memory', '--port', String(first.port)]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /cannot listen .*EADDRINUSE/);
    assert.equal(run.stdout, '');
  });
});
